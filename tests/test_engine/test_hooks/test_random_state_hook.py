# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``RandomStateHook``: random states survive a checkpoint (through the
secure loader) and a resumed run draws what the uninterrupted run draws."""

import logging
import random

import numpy as np
import pytest
import torch
from conftest import TOY_CONFIG, TOY_DIR
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.hooks import Hook
from mmengine.logging import MMLogger
from mmengine.runner import Runner

from mmflow_ext.compat import TRUST_ENV_VAR, load_checkpoint_file
from mmflow_ext.engine.hooks import (
    RandomStateHook,
    get_random_states,
    set_random_states,
)
from mmflow_ext.registry import FUNCTIONS


def draw() -> tuple:
    return (random.random(), float(np.random.rand()), float(torch.rand(1)))


class DrawProbe(Hook):
    """Draws from every generator after each iteration, as a model with
    dropout or random augments would."""

    priority = 'HIGH'

    def __init__(self) -> None:
        self.draws = {}

    def after_train_iter(
        self, runner, batch_idx, data_batch=None, outputs=None
    ) -> None:
        self.draws[runner.iter + 1] = draw()


@FUNCTIONS.register_module(force=True)
def collate_with_random_augment(batch: list) -> dict:
    """``pseudo_collate`` after drawing from the generators, as random
    transforms of a pipeline do in a loader without workers."""
    draw()
    return pseudo_collate(batch)


@pytest.fixture
def toy_runner(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(TOY_DIR)
    monkeypatch.delenv(TRUST_ENV_VAR, raising=False)
    built = []

    def build(work_dir: str, probe: DrawProbe, **overrides) -> Runner:
        built.append(work_dir)
        cfg = Config.fromfile(TOY_CONFIG)
        cfg.work_dir = str(tmp_path / work_dir)
        cfg.custom_hooks = [dict(type='RandomStateHook')]
        cfg.train_dataloader.collate_fn = dict(
            type='mmflow_ext.collate_with_random_augment'
        )
        cfg.experiment_name = f'{tmp_path.name}-{len(built)}'
        if 'train_cfg' in overrides:  # replaced, not merged
            cfg.train_cfg = overrides.pop('train_cfg')
        cfg.merge_from_dict(overrides)
        runner = Runner.from_cfg(cfg)
        runner.register_hook(probe)
        return runner

    return build


def test_states_round_trip_through_a_safely_loaded_checkpoint(tmp_path):
    states = get_random_states()
    expected = draw()
    torch.save(dict(random_states=[states]), tmp_path / 'c.pth')
    loaded = load_checkpoint_file(tmp_path / 'c.pth')  # weights_only
    draw()
    set_random_states(loaded['random_states'][0])
    assert draw() == expected


def test_set_random_states_names_missing_keys():
    with pytest.raises(KeyError, match=r"lack \['numpy'\]"):
        set_random_states(dict(python=random.getstate(), torch=None))


def test_validation_leaves_the_states_unchanged():
    hook = RandomStateHook()
    hook.before_val(None)
    expected = draw()
    set_random_states(get_random_states())
    draw()  # validation draws
    hook.after_val(None)
    assert draw() == expected


@pytest.mark.parametrize('loop', ['epoch', 'iter'])
def test_resume_draws_like_the_uninterrupted_run(toy_runner, loop):
    if loop == 'epoch':  # 6 iterations per epoch, validation after each
        full = dict(train_cfg=dict(by_epoch=True, max_epochs=3))
        part = dict(train_cfg=dict(by_epoch=True, max_epochs=2))
        resume_point, last = 12, 18
    else:  # the loop replays 4 batches on resume, restarts its data at 6
        checkpoint = dict(checkpoint=dict(by_epoch=False, interval=4))
        full = dict(
            train_cfg=dict(by_epoch=False, max_iters=9, val_interval=9),
            default_hooks=checkpoint,
        )
        part = dict(
            train_cfg=dict(by_epoch=False, max_iters=4, val_interval=9),
            default_hooks=checkpoint,
        )
        resume_point, last = 4, 9
    straight = DrawProbe()
    toy_runner('straight', straight, **full).train()
    first = DrawProbe()
    toy_runner('crashed', first, **part).train()
    resumed = DrawProbe()
    toy_runner('crashed', resumed, resume=True, **full).train()
    assert sorted(resumed.draws) == list(range(resume_point + 1, last + 1))
    for step, values in resumed.draws.items():
        assert values == straight.draws[step], step


def test_load_from_keeps_the_fresh_seed(toy_runner, tmp_path):
    first = DrawProbe()
    toy_runner('a', first, train_cfg=dict(by_epoch=True, max_epochs=1)).train()
    fresh = DrawProbe()
    toy_runner('b', fresh, train_cfg=dict(by_epoch=True, max_epochs=1)).train()
    loaded = DrawProbe()
    toy_runner(
        'c',
        loaded,
        train_cfg=dict(by_epoch=True, max_epochs=1),
        load_from=str(tmp_path / 'a' / 'epoch_1.pth'),
    ).train()
    assert loaded.draws == fresh.draws


def test_other_world_size_warns_and_keeps_the_seed(monkeypatch):
    hook = RandomStateHook()
    hook.after_load_checkpoint(
        None, dict(meta=dict(iter=4), random_states=[get_random_states()] * 2)
    )
    runner = type('FakeRunner', (), {'iter': 4})()
    before = get_random_states()
    expected = draw()
    set_random_states(before)
    messages = []
    logger = MMLogger.get_current_instance()
    monkeypatch.setattr(
        logger,
        'log',
        lambda level, msg, *args, **kwargs: messages.append((level, msg)),
    )
    hook.before_train(runner)
    assert messages and messages[0][0] == logging.WARNING
    assert 'random states of 2 processes, this run has 1' in messages[0][1]
    assert draw() == expected  # the generators were not touched
