# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Resuming when the newest checkpoint or ``last_checkpoint`` is damaged:
the run falls back to the newest intact checkpoint with a warning naming
the bad file, or stops with an error naming every damaged file."""

import os.path as osp

import pytest
from conftest import TOY_CONFIG, TOY_DIR, runner_log
from mmengine.config import Config
from mmengine.runner import Runner

from mmflow_ext.compat import CorruptCheckpointError

pytestmark = pytest.mark.slow


@pytest.fixture
def toy(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(TOY_DIR)
    work_dir = tmp_path / 'work'

    def build(max_epochs: int, **overrides) -> Runner:
        cfg = Config.fromfile(TOY_CONFIG)
        cfg.work_dir = str(work_dir)
        cfg.train_cfg.max_epochs = max_epochs
        cfg.merge_from_dict(overrides)
        return Runner.from_cfg(cfg)

    build(3).train()
    return build, work_dir


def truncate(path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_truncated_newest_checkpoint_falls_back_with_a_warning(toy):
    build, work_dir = toy
    truncate(work_dir / 'epoch_3.pth')
    runner = build(3, resume=True)
    runner.train()
    log = runner_log(runner)
    bad = str(work_dir / 'epoch_3.pth')
    assert (
        f'Cannot resume from "{bad}": Checkpoint file "{bad}" is '
        'truncated' in log
    )
    assert (
        'Auto resumed from the latest intact checkpoint '
        f'{work_dir / "epoch_2.pth"}' in log
    )
    assert 'resumed epoch: 2' in log
    assert runner.epoch == 3  # epoch 3 trained again and saved
    assert (work_dir / 'last_checkpoint').read_text() == bad


def test_empty_last_checkpoint_falls_back_to_the_newest_file(toy):
    """What a kill during MMEngine's plain ``open()`` write leaves."""
    build, work_dir = toy
    (work_dir / 'last_checkpoint').write_text('')
    runner = build(4, resume=True)
    runner.train()
    log = runner_log(runner)
    assert (
        f'"{work_dir / "last_checkpoint"}" names no existing '
        "checkpoint ('')" in log
    )
    assert 'resumed epoch: 3' in log and runner.epoch == 4


def test_every_checkpoint_damaged_is_an_error_naming_them(toy):
    build, work_dir = toy
    for epoch in (1, 2, 3):
        truncate(work_dir / f'epoch_{epoch}.pth')
    with pytest.raises(CorruptCheckpointError) as info:
        build(3, resume=True).train()
    names = ', '.join(
        str(work_dir / f'epoch_{epoch}.pth') for epoch in (3, 2, 1)
    )
    assert str(info.value) == (
        f'no checkpoint in {work_dir} can be resumed from; all are damaged: '
        f'{names}'
    )


def test_explicit_truncated_checkpoint_is_an_error_naming_it(toy):
    build, work_dir = toy
    bad = work_dir / 'epoch_2.pth'
    truncate(bad)
    with pytest.raises(
        CorruptCheckpointError, match=f'Checkpoint file "{bad}" is truncated'
    ):
        build(3, resume=True, load_from=str(bad)).train()
    assert osp.getsize(work_dir / 'epoch_3.pth') > 0
