# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``FiniteLossHook``: a NaN loss stops training before the weights change
(every checkpoint stays finite), or its step is skipped."""

import math
import os

import pytest
import torch
from conftest import TOY_CONFIG, TOY_DIR, runner_log
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmflow_ext.compat import load_checkpoint_file
from mmflow_ext.engine.hooks import FiniteLossHook
from mmflow_ext.engine.hooks.finite_loss_hook import non_finite_terms
from mmflow_ext.registry import MODELS

pytestmark = pytest.mark.slow  # trains the toy model


def register_nan_loss_model() -> None:
    """Register the toy regressor whose ``loss_aux`` is NaN at iteration
    ``at`` (in the test process only)."""
    toy_components = pytest.importorskip('toy_components')

    @MODELS.register_module(force=True)
    class NanLossRegressor(toy_components.ToyLineRegressor):
        def __init__(self, at: int):
            super().__init__()
            self.calls = 0
            self.at = at

        def forward(self, inputs, data_samples=None, mode='tensor'):
            out = super().forward(inputs, data_samples, mode)
            if mode == 'loss':
                self.calls += 1
                aux = out['loss'] * 0
                out['loss_aux'] = (
                    aux + math.nan if self.calls == self.at else aux
                )
            return out


class RecordWeights(Hook):
    """Keeps the weights after each training iteration."""

    def __init__(self):
        self.weights = []

    def after_train_iter(
        self, runner, batch_idx, data_batch=None, outputs=None
    ):
        self.weights.append(runner.model.linear.weight.detach().clone())


@pytest.fixture
def toy_runner(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(TOY_DIR)

    def build(nan_at: int, on_non_finite: str) -> Runner:
        cfg = Config.fromfile(TOY_CONFIG)
        cfg.work_dir = str(tmp_path / 'work')
        cfg.train_cfg.max_epochs = 2
        cfg.custom_hooks = [
            dict(type='FiniteLossHook', on_non_finite=on_non_finite)
        ]
        register_nan_loss_model()
        cfg.model = dict(type='NanLossRegressor', at=nan_at)
        return Runner.from_cfg(cfg)

    return build


def test_nan_loss_stops_before_the_weights_change(toy_runner, tmp_path):
    runner = toy_runner(nan_at=8, on_non_finite='raise')  # epoch 2, iter 2
    recorder = RecordWeights()
    runner.register_hook(recorder)
    with pytest.raises(FloatingPointError) as info:
        runner.train()
    assert str(info.value).startswith(
        'non-finite loss at iteration 8 (epoch 2): loss_aux=nan. '
        'Training stopped before this step changed the weights'
    )
    assert len(recorder.weights) == 7
    assert torch.equal(runner.model.linear.weight, recorder.weights[-1])
    assert torch.isfinite(runner.model.linear.weight).all()
    work_dir = tmp_path / 'work'
    assert sorted(f for f in os.listdir(work_dir) if f.endswith('.pth')) == [
        'epoch_1.pth'
    ]
    saved = load_checkpoint_file(work_dir / 'epoch_1.pth')['state_dict']
    assert all(torch.isfinite(v).all() for v in saved.values())


def test_skip_leaves_the_weights_of_that_step_unchanged(toy_runner):
    runner = toy_runner(nan_at=3, on_non_finite='skip')
    recorder = RecordWeights()
    runner.register_hook(recorder)
    runner.train()
    assert (
        'non-finite loss at iteration 3 (epoch 1): loss_aux=nan; '
        'skipping this step.' in runner_log(runner)
    )
    assert len(recorder.weights) == 12  # the run went on to the end
    assert torch.equal(recorder.weights[2], recorder.weights[1])
    assert not torch.equal(recorder.weights[3], recorder.weights[2])
    assert torch.isfinite(runner.model.linear.weight).all()


def test_terms_and_bad_action():
    assert non_finite_terms(
        {
            'loss': torch.tensor(-math.inf),
            'acc': torch.tensor(math.nan),
            'loss_ok': torch.tensor(2.0),
        }
    ) == ['loss=-inf']
    with pytest.raises(
        ValueError, match="one of \\('raise', 'skip'\\), got 'ignore'"
    ):
        FiniteLossHook(on_non_finite='ignore')


def test_registered_in_our_scope_and_in_the_default_runtime():
    assert MODELS.scope == 'mmflow_ext'
    from mmflow_ext.registry import HOOKS

    assert HOOKS.get('FiniteLossHook') is FiniteLossHook
    runtime = Config.fromfile(
        os.path.join(
            os.path.dirname(TOY_DIR),
            '..',
            '..',
            'configs',
            '_base_',
            'default_runtime.py',
        )
    )
    assert (
        dict(type='FiniteLossHook', on_non_finite='raise')
        in runtime.custom_hooks
    )
