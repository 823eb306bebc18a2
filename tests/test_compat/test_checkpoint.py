# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Checkpoints: MMEngine's own files load on torch >= 2.6 (a Runner of our
scope resumes), a file whose pickle would run code is refused unless the
user opts in, and a truncated file is named."""

import os
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner import Runner

from mmflow_ext.compat import (
    TRUST_ENV_VAR,
    CorruptCheckpointError,
    UnsafeCheckpointError,
    load_checkpoint_file,
    trusted_checkpoints,
)
from mmflow_ext.engine.hooks import CheckpointHook

TOY_DIR = osp.join(osp.dirname(osp.dirname(__file__)), 'data', 'toy')


class WriteMarker:
    """A pickle payload: unpickling it creates ``path`` (a harmless stand-in
    for an attacker's command)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (self.path, 'w'))


class ReachMethodThroughGetattr:
    """A payload that asks the unpickler for ``getattr`` on a class other
    than ``HistoryBuffer``'s statistics."""

    def __reduce__(self):
        return (getattr, (HistoryBuffer, '__init__'))


@pytest.fixture
def toy_runner_factory(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(TOY_DIR)

    def build(work_dir: str, **overrides) -> Runner:
        cfg = Config.fromfile(osp.join(TOY_DIR, 'toy_line_regression.py'))
        cfg.work_dir = work_dir
        cfg.merge_from_dict(overrides)
        return Runner.from_cfg(cfg)

    return build


@pytest.fixture
def malicious_checkpoint(tmp_path):
    marker = tmp_path / 'payload-ran'
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'meta': WriteMarker(str(marker))}, path)
    return str(path), marker


def test_resume_round_trip(toy_runner_factory, tmp_path):
    """A user's own ``Runner.from_cfg`` with ``default_scope='mmflow_ext'``
    gets our CheckpointHook and resumes on torch >= 2.6."""
    work_dir = str(tmp_path / 'work')
    runner = toy_runner_factory(work_dir, train_cfg=dict(max_epochs=2))
    assert [type(h) for h in runner.hooks].count(CheckpointHook) == 1
    runner.train()
    trained = {k: v.clone() for k, v in runner.model.state_dict().items()}
    assert (tmp_path / 'work' / 'last_checkpoint').read_text() == osp.join(
        work_dir, 'epoch_2.pth'
    )
    assert not [f for f in os.listdir(work_dir) if f.startswith('.')]

    checkpoint = load_checkpoint_file(osp.join(work_dir, 'epoch_2.pth'))
    buffers = checkpoint['message_hub']['log_scalars']
    assert isinstance(buffers['train/loss'], HistoryBuffer)
    assert buffers['train/loss'].statistics('mean') == pytest.approx(
        runner.message_hub.get_scalar('train/loss').mean()
    )

    resumed = toy_runner_factory(
        work_dir, train_cfg=dict(max_epochs=2), resume=True
    )
    resumed.train()  # resumes at the end: nothing left to train
    assert resumed.epoch == 2 and resumed.iter == runner.iter
    for key, value in resumed.model.state_dict().items():
        assert torch.equal(value, trained[key]), key


def test_malicious_checkpoint_is_refused_and_payload_never_runs(
    malicious_checkpoint, monkeypatch
):
    monkeypatch.delenv(TRUST_ENV_VAR, raising=False)
    path, marker = malicious_checkpoint
    with pytest.raises(UnsafeCheckpointError) as info:
        load_checkpoint_file(path)
    message = str(info.value)
    assert path in message
    assert 'builtins.open' in message or 'io.open' in message
    assert TRUST_ENV_VAR in message and '--trust-checkpoint' in message
    assert not marker.exists()


def test_opt_in_loads_a_trusted_file(malicious_checkpoint, monkeypatch):
    """The same file loads (and its payload runs) once the user opts in,
    which shows that the refusal above really prevented code execution."""
    monkeypatch.delenv(TRUST_ENV_VAR, raising=False)
    path, marker = malicious_checkpoint
    with trusted_checkpoints():
        load_checkpoint_file(path)
    assert marker.exists()
    marker.unlink()
    monkeypatch.setenv(TRUST_ENV_VAR, '1')
    load_checkpoint_file(path)
    assert marker.exists()


def test_getattr_is_limited_to_history_buffer_statistics(tmp_path):
    path = tmp_path / 'getattr.pth'
    torch.save({'x': ReachMethodThroughGetattr()}, path)
    with pytest.raises(UnsafeCheckpointError, match='getattr.pth'):
        load_checkpoint_file(path)


def test_missing_file_names_the_path(tmp_path):
    missing = str(tmp_path / 'nope.pth')
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_checkpoint_file(missing)


def test_plain_state_dict_loads(tmp_path):
    path = tmp_path / 'weights.pth'
    weights = {'w': torch.arange(3.0)}
    torch.save(weights, path)
    assert torch.equal(load_checkpoint_file(path)['w'], weights['w'])


@pytest.mark.parametrize('keep', [0, 1, 100, -22])
def test_truncated_file_is_named(tmp_path, keep):
    """An empty file, or one cut anywhere (the zip directory comes last),
    is a CorruptCheckpointError naming it, not torch's reader error."""
    whole = tmp_path / 'whole.pth'
    torch.save({'state_dict': {'w': torch.arange(50.0)}}, whole)
    data = whole.read_bytes()
    cut = tmp_path / 'cut.pth'
    cut.write_bytes(data[:keep] if keep >= 0 else data[: len(data) + keep])
    with pytest.raises(CorruptCheckpointError) as info:
        load_checkpoint_file(cut)
    assert f'Checkpoint file "{cut}" is' in str(info.value)
    assert ('empty' if keep == 0 else 'truncated') in str(info.value)
