# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``_base_ = 'mmflow_ext::...'`` resolves our shipped configs, and leaves
MMEngine's lookup of every other package as it was."""

import os.path as osp
import subprocess
import sys

import pytest
from mmengine.config import Config
from mmengine.config import config as mmengine_config
from mmengine.utils import get_installed_path

from mmflow_ext.compat.config_prefix import enable_config_prefix, package_dir

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MAIN = 'segmentation/fcn-compactcnn_400it_shapes.py'


def write_user_config(folder: str) -> str:
    path = osp.join(folder, 'my_fcn.py')
    with open(path, 'w') as f:
        f.write(
            f"_base_ = 'mmflow_ext::{MAIN}'\ntrain_cfg = dict(max_iters=7)\n"
        )
    return path


def test_user_config_inherits_the_shipped_main_job(tmp_path):
    enable_config_prefix()
    cfg = Config.fromfile(write_user_config(str(tmp_path)))
    shipped = Config.fromfile(osp.join(REPO, 'configs', MAIN))
    assert cfg.train_cfg.max_iters == 7
    assert cfg.train_cfg.val_interval == shipped.train_cfg.val_interval
    assert cfg.model.backbone.type == shipped.model.backbone.type
    assert cfg.default_scope == 'mmflow_ext'
    assert cfg.train_dataloader.dataset.type == (
        shipped.train_dataloader.dataset.type
    )


def test_the_configs_come_from_the_imported_package():
    enable_config_prefix()
    ours = mmengine_config.get_installed_path('mmflow_ext')
    assert ours == package_dir()
    assert osp.isfile(osp.join(ours, '.mim', 'configs', *MAIN.split('/'))), (
        'setup.py provides .mim/configs in every install'
    )


def test_other_packages_resolve_as_before():
    enable_config_prefix()
    enable_config_prefix()  # idempotent: one wrapper, not two
    lookup = mmengine_config.get_installed_path
    assert lookup('mmengine') == get_installed_path('mmengine')
    assert not getattr(get_installed_path, '_mmflow_ext', False)


@pytest.mark.slow
def test_a_fresh_interpreter_needs_only_the_import(tmp_path):
    """Without ``import mmflow_ext`` MMEngine refuses the prefix; after it,
    the config loads."""
    path = write_user_config(str(tmp_path))
    code = (
        'import sys\n'
        'from mmengine.config import Config\n'
        'if sys.argv[2] == "1":\n'
        '    import mmflow_ext\n'
        'print(Config.fromfile(sys.argv[1]).train_cfg.max_iters)\n'
    )
    without = subprocess.run(
        [sys.executable, '-c', code, path, '0'],
        capture_output=True,
        text=True,
        cwd=str(tmp_path),
    )
    assert without.returncode != 0
    assert 'mmflow_ext' in without.stderr
    with_import = subprocess.run(
        [sys.executable, '-c', code, path, '1'],
        capture_output=True,
        text=True,
        cwd=str(tmp_path),
    )
    assert with_import.returncode == 0, with_import.stderr
    assert with_import.stdout.strip().splitlines()[-1] == '7'
