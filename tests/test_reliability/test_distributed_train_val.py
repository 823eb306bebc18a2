# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Two gloo processes: training plus validation on odd-sized splits gives
the metrics of one process, and a rank that dies ends the whole job with a
non-zero exit status instead of a hang."""

import os.path as osp
import re
import sys

import cv2
import numpy as np
import pytest
import torch
from shapes_job import (
    NUM_VAL,
    TEST_TOOL,
    TRAIN_TOOL,
    free_port,
    run_job,
    write_job_config,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        torch.cuda.is_available(), reason='runs the CPU (gloo) path'
    ),
]

TORCHRUN = osp.join(osp.dirname(sys.executable), 'torchrun')
#: a hang shows up as a timeout of the job, far above its normal run time
JOB_TIMEOUT = 300


def torchrun(config: str, work_dir: str, *options: str, **env: str):
    return run_job(
        [
            TORCHRUN,
            '--nproc_per_node=2',
            f'--master_port={free_port()}',
            TRAIN_TOOL,
            config,
            '--launcher',
            'pytorch',
            '--work-dir',
            work_dir,
            '--cfg-options',
            *options,
        ],
        timeout=JOB_TIMEOUT,
        **env,
    )


def metrics_line(log: str) -> str:
    lines = re.findall(r'Iter\((?:val|test)\) \[\d+/\d+\]\s+(aAcc: .*)', log)
    assert lines, log[-3000:]
    return re.sub(r'\s+(data_time|time): \S+', '', lines[-1]).strip()


def labelled_pixels(data_root: str) -> int:
    total = 0
    for i in range(NUM_VAL):
        labels = cv2.imread(
            osp.join(data_root, 'ann_dir', 'val', f'{i:05d}.png'),
            cv2.IMREAD_UNCHANGED,
        )
        total += int((labels != 255).sum())
    return total


def test_two_process_train_and_val_equal_one_process(tmp_path):
    data_root = str(tmp_path / 'shapes')
    config = write_job_config(
        str(tmp_path), data_root, max_iters=4, checkpoint_interval=4
    )
    # a tiny learning rate keeps the predictions varied (a few steps at
    # a usual rate predict background everywhere)
    dist_dir = str(tmp_path / 'two')
    result = torchrun(
        config,
        dist_dir,
        'optim_wrapper.optimizer.lr=1e-5',
        f'val_evaluator.confusion_matrix_dir={dist_dir}/cm',
    )
    dist_log = result.stdout + result.stderr
    assert result.returncode == 0, dist_log[-3000:]
    assert 'Distributed launcher: pytorch' in dist_log

    single_dir = str(tmp_path / 'one')
    result = run_job(
        [
            TEST_TOOL,
            config,
            osp.join(dist_dir, 'iter_4.pth'),
            '--work-dir',
            single_dir,
            '--cfg-options',
            f'test_evaluator.confusion_matrix_dir={single_dir}',
        ]
    )
    single_log = result.stdout + result.stderr
    assert result.returncode == 0, single_log[-3000:]

    assert metrics_line(dist_log) == metrics_line(single_log)
    dist_matrix = np.load(osp.join(dist_dir, 'cm', 'confusion_matrix.npy'))
    single_matrix = np.load(osp.join(single_dir, 'confusion_matrix.npy'))
    assert np.array_equal(dist_matrix, single_matrix)
    # every val pixel counted once: the sampler's padded duplicate of
    # sample 0 on rank 1 was dropped
    assert dist_matrix.sum() == labelled_pixels(data_root)
    assert np.count_nonzero(dist_matrix.sum(axis=0)) > 1  # varied preds


def test_a_dying_rank_ends_the_job_with_an_error(tmp_path):
    config = write_job_config(
        str(tmp_path), str(tmp_path / 'shapes'), max_iters=6
    )
    result = torchrun(
        config,
        str(tmp_path / 'work'),
        'train_cfg.val_interval=6',
        MMFLOW_EXT_TEST_DIE_AT='1:2',
    )
    log = result.stdout + result.stderr
    assert result.returncode != 0, log[-3000:]
    assert re.search(r'exitcode\s*:\s*-9', log), log[-3000:]
    assert not osp.exists(tmp_path / 'work' / 'iter_6.pth')


def test_a_hang_becomes_an_error_naming_the_stage(tmp_path):
    """Rank 1 stalls after iteration 2; rank 0 waits for it in iteration
    3's gradient all-reduce until the collective timeout, then fails with
    an error naming its rank and the stage, and the job ends."""
    config = write_job_config(
        str(tmp_path), str(tmp_path / 'shapes'), max_iters=6
    )
    result = torchrun(
        config,
        str(tmp_path / 'work'),
        'train_cfg.val_interval=6',
        'env_cfg.dist_cfg.timeout=5',
        MMFLOW_EXT_TEST_STALL_AT='1:2',
    )
    log = result.stdout + result.stderr
    assert result.returncode != 0, log[-3000:]
    assert (
        'CollectiveTimeoutError: rank 0: a collective operation timed '
        'out during training iteration 3: another rank never reached it' in log
    ), log[-3000:]
