# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``mim train`` / ``mim test`` against a real (non-editable) install.

The package is built into a wheel and installed into a throwaway virtualenv
whose other packages come from the test environment (a ``.pth`` line), so
mim finds the tools and configs shipped in ``mmflow_ext/.mim/``.
"""

import glob
import os.path as osp
import re
import shutil
import subprocess
import sys
import sysconfig

import pytest
from conftest import REPO_ROOT, subprocess_env

pytestmark = pytest.mark.slow

MAIN_CONFIG = 'fcn-compactcnn_400it_shapes.py'

pytest.importorskip('mim', reason='needs the [mim] extra')


def run(args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, capture_output=True, text=True, timeout=600, **kwargs
    )


@pytest.fixture(scope='module')
def installed_python(tmp_path_factory) -> str:
    """Python of a throwaway venv with mmflow_ext installed from a wheel."""
    root = tmp_path_factory.mktemp('mim')
    source = root / 'source'
    shutil.copytree(
        REPO_ROOT,
        source,
        ignore=shutil.ignore_patterns(
            '.git',
            '.ci-venv',
            'venv',
            '.venv',
            'work_dirs',
            'data',
            'build',
            '*.egg-info',
            '__pycache__',
            '.mim',
        ),
    )
    wheels = root / 'wheels'
    built = run(
        [
            sys.executable,
            '-m',
            'pip',
            'wheel',
            '--no-deps',
            '--no-build-isolation',
            '-w',
            str(wheels),
            str(source),
        ]
    )
    assert built.returncode == 0, built.stderr[-3000:]
    venv = root / 'venv'
    subprocess.run(
        [sys.executable, '-m', 'venv', '--without-pip', str(venv)], check=True
    )
    python = str(venv / 'bin' / 'python')
    site = run(
        [
            python,
            '-c',
            'import sysconfig; print(sysconfig.get_paths()["purelib"])',
        ]
    ).stdout.strip()
    with open(osp.join(site, 'test_env.pth'), 'w') as f:
        f.write(sysconfig.get_paths()['purelib'] + '\n')
    wheel = glob.glob(str(wheels / 'mmflow_ext-*.whl'))[0]
    installed = run(
        [
            sys.executable,
            '-m',
            'pip',
            '--python',
            python,
            'install',
            '--no-deps',
            wheel,
        ]
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    return python


def test_wheel_ships_tools_and_configs(installed_python, tmp_path):
    where = run(
        [
            installed_python,
            '-c',
            'import mmflow_ext, os.path as p; '
            'print(p.dirname(mmflow_ext.__file__))',
        ],
        env=subprocess_env(),
        cwd=str(tmp_path),
    ).stdout.strip()
    assert where.startswith(osp.dirname(osp.dirname(installed_python)))
    assert osp.isfile(osp.join(where, '.mim', 'tools', 'train.py'))
    assert osp.isfile(osp.join(where, '.mim', 'tools', 'test.py'))
    assert osp.isdir(osp.join(where, '.mim', 'configs'))


def shrink_main_job(data_root: str) -> list:
    """``--cfg-options`` that shrink the main job to a few seconds."""
    options = [
        'train_cfg.max_iters=2',
        'train_cfg.val_interval=2',
        'default_hooks.checkpoint.interval=2',
    ]
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        options += [
            f'{loader}.num_workers=0',
            f'{loader}.persistent_workers=False',
            f'{loader}.dataset.data_root={data_root}',
            f'{loader}.dataset.num_train=4',
            f'{loader}.dataset.num_val=2',
        ]
    return options


def test_mim_train_then_test_by_config_basename(installed_python, tmp_path):
    """What README's main-job command does, shrunk: mim finds the config
    by its basename among the configs shipped in the install."""
    work_dir = str(tmp_path / 'work')
    options = shrink_main_job(str(tmp_path / 'shapes'))
    trained = run(
        [
            installed_python,
            '-m',
            'mim',
            'train',
            'mmflow_ext',
            MAIN_CONFIG,
            '--work-dir',
            work_dir,
            '--cfg-options',
        ]
        + options,
        env=subprocess_env(),
        cwd=str(tmp_path),
    )
    log = trained.stdout + trained.stderr
    assert trained.returncode == 0, log[-3000:]
    assert osp.join('.mim', 'tools', 'train.py') in log
    assert osp.join('.mim', 'configs', 'segmentation', MAIN_CONFIG) in log
    checkpoint = osp.join(work_dir, 'iter_2.pth')
    assert osp.isfile(checkpoint)
    tested = run(
        [
            installed_python,
            '-m',
            'mim',
            'test',
            'mmflow_ext',
            MAIN_CONFIG,
            '--checkpoint',
            checkpoint,
            '--work-dir',
            work_dir,
            '--cfg-options',
        ]
        + options,
        env=subprocess_env(),
        cwd=str(tmp_path),
    )
    log = tested.stdout + tested.stderr
    assert tested.returncode == 0, log[-3000:]
    assert re.search(r'Iter\(test\) \[2/2\].*mIoU: \d+\.\d+', log)
