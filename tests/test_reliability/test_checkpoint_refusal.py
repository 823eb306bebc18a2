# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Every path that loads a checkpoint refuses a pickle that would run code,
and the explicit opt-in (``--trust-checkpoint``, ``trust_checkpoint=True``)
loads it."""
import fractions
import os.path as osp
import sys

import pytest
import torch
from conftest import REPO_ROOT, TOY_CONFIG, TOY_DIR, run_tool
from mmengine.config import Config
from mmengine.runner import Runner

from mmflow_ext.compat import (TRUST_ENV_VAR, UnsafeCheckpointError,
                               load_checkpoint_file, trusted_checkpoints)

MAIN_CONFIG = osp.join(REPO_ROOT, 'configs', 'segmentation',
                       'fcn-compactcnn_400it_shapes.py')


class CreateFile:
    """Unpickling it creates ``path``: a harmless stand-in for an
    attacker's command."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (self.path, 'w'))


@pytest.fixture(autouse=True)
def no_trust(monkeypatch):
    monkeypatch.delenv(TRUST_ENV_VAR, raising=False)


@pytest.fixture
def evil(tmp_path):
    """A checkpoint whose unpickling would create ``marker``."""
    marker = tmp_path / 'payload-ran'
    path = tmp_path / 'evil.pth'
    torch.save(
        dict(
            state_dict={},
            meta=dict(epoch=1, iter=6),
            payload=CreateFile(str(marker))), path)
    return str(path), marker


@pytest.fixture
def toy_runner(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(TOY_DIR)

    def build(**overrides) -> Runner:
        cfg = Config.fromfile(TOY_CONFIG)
        cfg.work_dir = str(tmp_path / 'work')
        cfg.merge_from_dict(overrides)
        return Runner.from_cfg(cfg)

    return build


def assert_refused(message: str, path: str, marker) -> None:
    """The message names the file and the code-carrying global, and the
    payload did not run."""
    assert f'Refusing to load checkpoint "{path}"' in message, message[-3000:]
    assert 'builtins.open' in message or 'io.open' in message
    assert not marker.exists()


def test_load_from_refuses(evil, toy_runner):
    path, marker = evil
    runner = toy_runner(load_from=path)
    with pytest.raises(UnsafeCheckpointError) as info:
        runner.load_or_resume()
    assert_refused(str(info.value), path, marker)


def test_auto_resume_refuses_the_latest_checkpoint(evil, toy_runner, tmp_path):
    path, marker = evil
    work_dir = tmp_path / 'work'
    work_dir.mkdir()
    (work_dir / 'last_checkpoint').write_text(path)
    runner = toy_runner(resume=True)
    with pytest.raises(UnsafeCheckpointError) as info:
        runner.load_or_resume()
    assert_refused(str(info.value), path, marker)


@pytest.mark.slow
def test_train_tool_resume_refuses(evil, tmp_path):
    path, marker = evil
    result = run_tool([
        sys.executable,
        osp.join(REPO_ROOT, 'tools', 'train.py'), TOY_CONFIG, '--work-dir',
        str(tmp_path / 'work'), '--resume', path
    ])
    log = result.stdout + result.stderr
    assert result.returncode != 0
    assert 'UnsafeCheckpointError' in log
    assert_refused(log, path, marker)


def test_init_model_refuses_and_the_opt_in_loads(evil):
    apis = pytest.importorskip('mmflow_ext.apis')
    path, marker = evil
    with pytest.raises(UnsafeCheckpointError) as info:
        apis.init_model(MAIN_CONFIG, path)
    assert_refused(str(info.value), path, marker)
    apis.init_model(MAIN_CONFIG, path, trust_checkpoint=True)
    assert marker.exists()  # the refusal above is what kept it from running


@pytest.fixture
def toy_checkpoint_with_fraction(toy_runner, tmp_path):
    """A real toy checkpoint whose meta carries a ``fractions.Fraction``:
    harmless, but outside the data-only types a safe load allows."""
    runner = toy_runner(train_cfg=dict(max_epochs=1))
    runner.train()
    with trusted_checkpoints():
        checkpoint = load_checkpoint_file(
            osp.join(runner.work_dir, 'epoch_1.pth'))
    checkpoint['meta']['ratio'] = fractions.Fraction(1, 3)
    path = str(tmp_path / 'with_fraction.pth')
    torch.save(checkpoint, path)
    return path


@pytest.mark.slow
def test_test_tool_refuses_and_trust_checkpoint_loads(
        toy_checkpoint_with_fraction, tmp_path):
    path = toy_checkpoint_with_fraction
    command = [
        sys.executable,
        osp.join(REPO_ROOT, 'tools', 'test.py'), TOY_CONFIG, path,
        '--work-dir',
        str(tmp_path / 'test')
    ]
    refused = run_tool(command)
    log = refused.stdout + refused.stderr
    assert refused.returncode != 0
    assert 'UnsafeCheckpointError' in log
    assert f'Refusing to load checkpoint "{path}"' in log, log[-3000:]
    assert 'fractions.Fraction' in log and '--trust-checkpoint' in log

    trusted = run_tool(command + ['--trust-checkpoint'])
    log = trusted.stdout + trusted.stderr
    assert trusted.returncode == 0, log[-3000:]
    assert 'mse' in log.lower()
