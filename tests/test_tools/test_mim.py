# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``mim train`` / ``mim test`` against a real (non-editable) install.

The package is built into a wheel and installed into a throwaway virtualenv
whose other packages come from the test environment (a ``.pth`` line), so
mim finds the tools and configs shipped in ``mmflow_ext/.mim/``.
"""
import glob
import os
import os.path as osp
import shutil
import subprocess
import sys
import sysconfig

import pytest
from conftest import REPO_ROOT, TOY_CONFIG, subprocess_env

pytestmark = pytest.mark.slow

pytest.importorskip('mim', reason='needs the [mim] extra')


def run(args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, capture_output=True, text=True, timeout=600, **kwargs)


@pytest.fixture(scope='module')
def installed_python(tmp_path_factory) -> str:
    """Python of a throwaway venv with mmflow_ext installed from a wheel."""
    root = tmp_path_factory.mktemp('mim')
    source = root / 'source'
    shutil.copytree(
        REPO_ROOT,
        source,
        ignore=shutil.ignore_patterns('.git', '.ci-venv', 'venv', '.venv',
                                      'work_dirs', 'data', 'build',
                                      '*.egg-info', '__pycache__', '.mim'))
    wheels = root / 'wheels'
    built = run([
        sys.executable, '-m', 'pip', 'wheel', '--no-deps',
        '--no-build-isolation', '-w',
        str(wheels),
        str(source)
    ])
    assert built.returncode == 0, built.stderr[-3000:]
    venv = root / 'venv'
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip',
                    str(venv)],
                   check=True)
    python = str(venv / 'bin' / 'python')
    site = run([
        python, '-c', 'import sysconfig; print(sysconfig.get_paths()'
        '["purelib"])'
    ]).stdout.strip()
    with open(osp.join(site, 'test_env.pth'), 'w') as f:
        f.write(sysconfig.get_paths()['purelib'] + '\n')
    wheel = glob.glob(str(wheels / 'mmflow_ext-*.whl'))[0]
    installed = run([
        sys.executable, '-m', 'pip', '--python', python, 'install',
        '--no-deps', wheel
    ])
    assert installed.returncode == 0, installed.stderr[-3000:]
    return python


def test_wheel_ships_tools_and_configs(installed_python, tmp_path):
    where = run([
        installed_python, '-c',
        'import mmflow_ext, os.path as p; '
        'print(p.dirname(mmflow_ext.__file__))'
    ],
                env=subprocess_env(),
                cwd=str(tmp_path)).stdout.strip()
    assert where.startswith(osp.dirname(osp.dirname(installed_python)))
    assert osp.isfile(osp.join(where, '.mim', 'tools', 'train.py'))
    assert osp.isfile(osp.join(where, '.mim', 'tools', 'test.py'))
    assert osp.isdir(osp.join(where, '.mim', 'configs'))


def test_mim_train_then_test(installed_python, tmp_path):
    env = subprocess_env([osp.dirname(TOY_CONFIG)])
    work_dir = str(tmp_path / 'work')
    trained = run([
        installed_python, '-m', 'mim', 'train', 'mmflow_ext', TOY_CONFIG,
        '--work-dir', work_dir, '--cfg-options', 'train_cfg.max_epochs=1'
    ],
                  env=env,
                  cwd=str(tmp_path))
    log = trained.stdout + trained.stderr
    assert trained.returncode == 0, log[-3000:]
    checkpoint = osp.join(work_dir, 'epoch_1.pth')
    assert osp.isfile(checkpoint)
    tested = run([
        installed_python, '-m', 'mim', 'test', 'mmflow_ext', TOY_CONFIG,
        '--checkpoint', checkpoint, '--work-dir', work_dir
    ],
                 env=env,
                 cwd=str(tmp_path))
    log = tested.stdout + tested.stderr
    assert tested.returncode == 0, log[-3000:]
    assert 'mse:' in log
    # mim ran the copy of the tools shipped inside the install
    assert '.mim' in log or os.sep + 'site-packages' + os.sep in log
