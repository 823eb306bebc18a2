# Copyright (c) mmflow_ext contributors. All rights reserved.
"""The main segmentation job, shrunk to seconds, for subprocess tests."""

import os.path as osp
import signal
import subprocess
import sys
import threading
from typing import List, Optional

from conftest import REPO_ROOT, free_port, subprocess_env  # noqa: F401

MAIN_CONFIG = osp.join(
    REPO_ROOT, 'configs', 'segmentation', 'fcn-compactcnn_400it_shapes.py'
)
TRAIN_TOOL = osp.join(REPO_ROOT, 'tools', 'train.py')
TEST_TOOL = osp.join(REPO_ROOT, 'tools', 'test.py')
HELPER_DIR = osp.dirname(osp.abspath(__file__))
#: odd sizes, so a 2-process sampler pads both splits
NUM_TRAIN, NUM_VAL, IMAGE_SIZE = 7, 5, 32

_TEMPLATE = '''\
_base_ = [{main!r}]
custom_imports = dict(imports=['fault_injection'], allow_failed_imports=False)
dataset_args = dict(
    data_root={data_root!r}, num_train={num_train}, num_val={num_val},
    image_size={size})
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomResize', scale=({size}, {size}), ratio_range=(1.0, 1.5),
         keep_ratio=True),
    dict(type='RandomCrop', crop_size=({size}, {size}), cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(**dataset_args, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1, num_workers=0, persistent_workers=False,
    dataset=dict(**dataset_args))
test_dataloader = val_dataloader
val_evaluator = dict(confusion_matrix=True, confusion_matrix_dir={cm_dir!r})
test_evaluator = val_evaluator
optim_wrapper = dict(optimizer=dict(lr=0.01))
train_cfg = dict(max_iters={max_iters}, val_interval={max_iters})
default_hooks = dict(
    checkpoint=dict(interval={interval}), logger=dict(interval=1))
custom_hooks = [
    dict(type='NumClassCheckHook'),
    dict(type='RandomStateHook'),
    dict(type='BroadcastBuffersHook'),
    dict(type='FaultInjectionHook')
]
randomness = dict(seed=0)
'''


def write_job_config(
    folder: str,
    data_root: str,
    max_iters: int = 6,
    checkpoint_interval: int = 2,
    cm_dir: Optional[str] = None,
) -> str:
    """Write the shrunk job's config into ``folder``.

    Args:
        folder (str): Where the config file goes.
        data_root (str): Folder of the generated shapes dataset.
        max_iters (int): Training iterations (one validation at the end).
        checkpoint_interval (int): Iterations between checkpoints.
        cm_dir (str, optional): Folder of the confusion matrix of each
            evaluation. Defaults to ``<folder>/confusion``.

    Returns:
        str: Path of the config.
    """
    path = osp.join(folder, 'shapes_job.py')
    with open(path, 'w') as f:
        f.write(
            _TEMPLATE.format(
                main=MAIN_CONFIG,
                data_root=data_root,
                num_train=NUM_TRAIN,
                num_val=NUM_VAL,
                size=IMAGE_SIZE,
                max_iters=max_iters,
                interval=checkpoint_interval,
                cm_dir=cm_dir or osp.join(folder, 'confusion'),
            )
        )
    return path


def job_env(**extra: str) -> dict:
    """Environment of a job: one thread, the fault hook importable."""
    env = subprocess_env([HELPER_DIR])
    env.update(extra)
    return env


def run_job(
    args: List[str], timeout: int = 300, **env: str
) -> subprocess.CompletedProcess:
    """Run ``python args...`` (or a launcher when ``args[0]`` is not a
    script) to completion."""
    command = [sys.executable] + args if args[0].endswith('.py') else args
    return subprocess.run(
        command,
        env=job_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_until(
    args: List[str], marker: str, timeout: int = 300, **env: str
) -> str:
    """Start ``python args...``, SIGKILL it once it prints ``marker``.

    Returns:
        str: Everything it printed.

    Raises:
        AssertionError: When it ends (or ``timeout`` seconds pass) without
            printing ``marker``.
    """
    proc = subprocess.Popen(
        [sys.executable] + args,
        env=job_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    watchdog = threading.Timer(timeout, proc.kill)
    watchdog.start()
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if marker in line:
                proc.send_signal(signal.SIGKILL)
                break
    finally:
        watchdog.cancel()
        proc.kill()
        proc.wait(timeout=timeout)
        proc.stdout.close()
    output = ''.join(lines)
    assert marker in output, output[-3000:]
    assert proc.returncode == -signal.SIGKILL
    return output
