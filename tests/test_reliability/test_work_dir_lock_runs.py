# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``tools/train.py`` refuses a work dir another run holds, alone and under
2-process ``torchrun`` (every rank stops: no rank waits in a collective the
others never reach)."""

import os
import os.path as osp
import sys

import pytest
from conftest import REPO_ROOT, TOY_CONFIG, run_tool
from shapes_job import free_port

from mmflow_ext.engine.work_dir_lock import acquire_work_dir_lock

pytestmark = pytest.mark.slow

TRAIN = osp.join(REPO_ROOT, 'tools', 'train.py')
TORCHRUN = osp.join(osp.dirname(sys.executable), 'torchrun')


@pytest.mark.parametrize('processes', [1, 2])
def test_a_held_work_dir_is_refused_naming_the_holder(tmp_path, processes):
    work_dir = str(tmp_path / 'work')
    lock = acquire_work_dir_lock(work_dir)  # "another run": this process
    try:
        command = [
            TRAIN,
            TOY_CONFIG,
            '--work-dir',
            work_dir,
            '--cfg-options',
            'train_cfg.max_epochs=1',
        ]
        if processes == 1:
            command = [sys.executable] + command
        else:
            command = (
                [
                    TORCHRUN,
                    '--nproc_per_node=2',
                    f'--master_port={free_port()}',
                ]
                + command
                + ['--launcher', 'pytorch']
            )
        result = run_tool(command, timeout=300)
    finally:
        lock.release()
    log = result.stdout + result.stderr
    assert result.returncode != 0, log[-3000:]
    refusal = (
        f'WorkDirLockedError: work dir {work_dir} is in use by '
        f'another run: pid {os.getpid()} on '
    )
    assert log.count(refusal) >= processes, log[-3000:]  # every rank
    assert not [f for f in os.listdir(work_dir) if f.endswith('.pth')]
