# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``torchrun`` with the pytorch launcher on a CPU-only machine."""
import os.path as osp
import re
import shutil
import sys

import pytest
import torch
from conftest import REPO_ROOT, TOY_CONFIG, run_tool

pytestmark = pytest.mark.slow


@pytest.mark.skipif(
    torch.cuda.is_available(), reason='checks the CPU-only path')
def test_two_process_training_falls_back_to_gloo(tmp_path):
    torchrun = shutil.which('torchrun') or osp.join(
        osp.dirname(sys.executable), 'torchrun')
    work_dir = tmp_path / 'work'
    result = run_tool([
        torchrun, '--nproc_per_node=2', '--master_port=29731',
        osp.join(REPO_ROOT, 'tools', 'train.py'), TOY_CONFIG, '--launcher',
        'pytorch', '--work-dir',
        str(work_dir), '--cfg-options', 'env_cfg.dist_cfg.backend=nccl',
        'train_cfg.max_epochs=1'
    ])
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    assert 'using the "gloo" backend instead of "nccl"' in log
    assert re.search(r'Distributed launcher: pytorch', log)
    assert (work_dir / 'epoch_1.pth').is_file()
