# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``torchrun`` with the pytorch launcher on a CPU-only machine: our tools
fall back to gloo and wrap the model with our CPU-aware DDP wrapper."""

import os.path as osp
import re
import shutil
import sys

import pytest
import torch
from conftest import REPO_ROOT, TOY_CONFIG, free_port, run_tool
from mmengine.model import (
    MMDistributedDataParallel as MMEngineDistributedDataParallel,
)

from mmflow_ext.compat import MMDistributedDataParallel
from mmflow_ext.registry import MODEL_WRAPPERS


def test_our_wrapper_is_registered_under_mmengine_name():
    assert (
        MODEL_WRAPPERS.get('MMDistributedDataParallel')
        is MMDistributedDataParallel
    )
    assert issubclass(
        MMDistributedDataParallel, MMEngineDistributedDataParallel
    )
    assert (
        MMDistributedDataParallel.__init__
        is not MMEngineDistributedDataParallel.__init__
    )


@pytest.mark.slow
@pytest.mark.skipif(
    torch.cuda.is_available(), reason='checks the CPU-only path'
)
def test_two_process_training_falls_back_to_gloo(tmp_path):
    torchrun = shutil.which('torchrun') or osp.join(
        osp.dirname(sys.executable), 'torchrun'
    )
    work_dir = tmp_path / 'work'
    result = run_tool(
        [
            torchrun,
            '--nproc_per_node=2',
            f'--master_port={free_port()}',
            osp.join(REPO_ROOT, 'tools', 'train.py'),
            TOY_CONFIG,
            '--launcher',
            'pytorch',
            '--work-dir',
            str(work_dir),
            '--cfg-options',
            'env_cfg.dist_cfg.backend=nccl',
            'train_cfg.max_epochs=1',
        ]
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    assert 'using the "gloo" backend instead of "nccl"' in log
    assert re.search(r'Distributed launcher: pytorch', log)
    assert (work_dir / 'epoch_1.pth').is_file()
    assert 'mmflow_ext.MMDistributedDataParallel' in log  # the config
    assert "'timeout': 600" in log  # the collective timeout of the tools
