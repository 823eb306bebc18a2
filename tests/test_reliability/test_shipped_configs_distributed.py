# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Both shipped configs, shrunk to seconds, under several launchers on CPU:
2-process ``torchrun`` training, then evaluation of its checkpoint with one
process, with 2-process ``torchrun``, with ``torchrun --nnodes=2`` (two node
ranks on localhost) and with the slurm launcher (``SLURM_*`` variables as
``srun`` sets them). Every evaluation gives the metrics the training run
logged, and nothing hangs (a hang shows up as the job's timeout)."""

import json
import os.path as osp
import re
import subprocess
import sys
from typing import Dict, List

import pytest
import torch
from conftest import REPO_ROOT
from shapes_job import TEST_TOOL, TRAIN_TOOL, free_port, job_env, run_job

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        torch.cuda.is_available(), reason='runs the CPU (gloo) path'
    ),
]

TORCHRUN = osp.join(osp.dirname(sys.executable), 'torchrun')
JOB_TIMEOUT = 300
CONFIGS = {
    'segmentation': osp.join(
        REPO_ROOT, 'configs', 'segmentation', 'fcn-compactcnn_400it_shapes.py'
    ),
    'editing': osp.join(
        REPO_ROOT,
        'configs',
        'editing',
        'espcn-res_500it_embedded-sr-denoise.py',
    ),
}
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def shrink(task: str, data_root: str) -> List[str]:
    """``--cfg-options`` for 2 iterations on 4 train and 3 val images (odd:
    the 2-process sampler pads)."""
    options = [
        'train_cfg.max_iters=2',
        'train_cfg.val_interval=2',
        'default_hooks.checkpoint.interval=2',
        'default_hooks.logger.interval=1',
        'train_dataloader.batch_size=2',
        'val_dataloader.batch_size=1',
        'test_dataloader.batch_size=1',
    ]
    size = 'image_size' if task == 'segmentation' else 'img_size'
    for loader in LOADERS:
        options += [
            f'{loader}.num_workers=0',
            f'{loader}.persistent_workers=False',
            f'{loader}.dataset.data_root={data_root}',
            f'{loader}.dataset.num_train=4',
            f'{loader}.dataset.num_val=3',
            f'{loader}.dataset.{size}=32',
        ]
    return options


def final_metrics(log: str, mode: str) -> str:
    """The metrics of the last ``mode`` evaluation, without timings."""
    lines = [
        line
        for line in re.findall(rf'Iter\({mode}\) \[\d+/\d+\]\s+(.*)', log)
        if not line.startswith('eta')
    ]
    assert lines, log[-3000:]
    return re.sub(r'\s+(data_time|time): \S+', '', lines[-1]).strip()


def check(result: subprocess.CompletedProcess) -> str:
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-4000:]
    return log


def torchrun(args: List[str]) -> str:
    return check(
        run_job(
            [
                TORCHRUN,
                '--nproc_per_node=2',
                f'--master_port={free_port()}',
                *args,
                '--launcher',
                'pytorch',
            ],
            timeout=JOB_TIMEOUT,
        )
    )


def two_launches(
    commands: List[List[str]], envs: List[Dict[str, str]]
) -> List[str]:
    """Start the processes of one job side by side and wait for all."""
    procs = [
        subprocess.Popen(
            command,
            env=job_env(**env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for command, env in zip(commands, envs)
    ]
    logs = []
    try:
        for proc in procs:
            out, _ = proc.communicate(timeout=JOB_TIMEOUT)
            assert proc.returncode == 0, out[-4000:]
            logs.append(out)
    finally:
        for proc in procs:
            proc.kill()
    return logs


@pytest.fixture(scope='module', params=sorted(CONFIGS))
def trained(request, tmp_path_factory):
    """A 2-process training run of a shipped config: its checkpoint, the
    metrics it logged, and the options that shrink the job."""
    task = request.param
    root = tmp_path_factory.mktemp(task)
    options = shrink(task, str(root / 'data'))
    work_dir = str(root / 'train')
    log = torchrun(
        [TRAIN_TOOL, CONFIGS[task], '--work-dir', work_dir, '--cfg-options']
        + options
    )
    assert 'Distributed launcher: pytorch' in log
    return dict(
        task=task,
        root=root,
        options=options,
        checkpoint=osp.join(work_dir, 'iter_2.pth'),
        metrics=final_metrics(log, 'val'),
    )


def eval_command(trained, name: str) -> List[str]:
    return [
        TEST_TOOL,
        CONFIGS[trained['task']],
        trained['checkpoint'],
        '--work-dir',
        str(trained['root'] / name),
        '--cfg-options',
    ] + trained['options']


def test_one_process_evaluation_equals_the_training_run(trained):
    out = str(
        trained['root']
        / ('metrics.json' if trained['task'] == 'editing' else 'preds')
    )
    command = eval_command(trained, 'one')
    command[
        command.index('--cfg-options') : command.index('--cfg-options')
    ] = ['--out', out]
    log = check(run_job(command, timeout=JOB_TIMEOUT))
    assert final_metrics(log, 'test') == trained['metrics']
    if trained['task'] == 'editing':  # a list of metrics: --out is a file
        with open(out) as f:
            dumped = json.load(f)
        assert sorted(dumped) == [
            'MAE',
            'PSNR',
            'SSIM',
            'noisy_input/PSNR',
            'noisy_input/SSIM',
        ]
        for key, value in dumped.items():
            assert f'{key}: {value:.4f}' in trained['metrics']


def test_two_process_evaluation_equals_the_training_run(trained):
    log = torchrun(eval_command(trained, 'two'))
    assert final_metrics(log, 'test') == trained['metrics']


def test_two_nodes_evaluation_equals_the_training_run(trained):
    port = free_port()
    commands = [
        [
            TORCHRUN,
            '--nnodes=2',
            f'--node_rank={rank}',
            '--nproc_per_node=1',
            '--master_addr=127.0.0.1',
            f'--master_port={port}',
            *eval_command(trained, f'node{rank}'),
            '--launcher',
            'pytorch',
        ]
        for rank in (0, 1)
    ]
    logs = two_launches(commands, [{}, {}])
    assert final_metrics(logs[0], 'test') == trained['metrics']


def test_slurm_launcher_evaluation_equals_the_training_run(trained):
    port = str(free_port())
    envs = [
        dict(
            SLURM_PROCID=str(rank),
            SLURM_LOCALID=str(rank),
            SLURM_NTASKS='2',
            SLURM_NNODES='1',
            SLURM_NODEID='0',
            SLURM_NODELIST='localhost',
            SLURM_JOB_ID='4242',
            MASTER_PORT=port,
        )
        for rank in (0, 1)
    ]
    commands = [
        [sys.executable]
        + eval_command(trained, 'slurm')
        + ['--launcher', 'slurm']
    ] * 2
    logs = two_launches(commands, envs)
    assert 'Distributed launcher: slurm' in logs[0]
    assert final_metrics(logs[0], 'test') == trained['metrics']
