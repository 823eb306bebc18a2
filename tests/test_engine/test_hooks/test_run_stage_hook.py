# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``name_collective_timeouts``: a collective timeout names the stage; any
other error passes through unchanged."""

import pytest

from mmflow_ext.engine.hooks import (
    CollectiveTimeoutError,
    RunStageHook,
    name_collective_timeouts,
)


class FakeRunner:
    def __init__(self):
        self.hooks = []
        self.iter = 4

    def register_hook(self, hook):
        self.hooks.append(hook)


def test_timeout_names_rank_and_stage():
    runner = FakeRunner()
    gloo = RuntimeError(
        '[unbound_buffer.cc:78] Timed out waiting 5000ms '
        'for recv operation to complete'
    )
    with pytest.raises(CollectiveTimeoutError) as info:
        with name_collective_timeouts(runner) as hook:
            assert runner.hooks == [hook]
            hook.before_train_iter(runner, 0)
            raise gloo
    assert str(info.value).startswith(
        'rank 0: a collective operation timed out during training '
        'iteration 5: another rank never reached it'
    )
    assert info.value.__cause__ is gloo


def test_other_errors_pass_through_and_stages_follow_the_run():
    runner = FakeRunner()
    with pytest.raises(RuntimeError, match='^shape mismatch$'):
        with name_collective_timeouts(runner):
            raise RuntimeError('shape mismatch')
    hook = RunStageHook()
    steps = [
        (hook.before_val_iter, (runner, 1), 'validation batch 2'),
        (hook.before_save_checkpoint, (runner, {}), 'saving a checkpoint'),
        (hook.before_test_iter, (runner, 0), 'test batch 1'),
        (hook.after_test_epoch, (runner,), 'the end of testing'),
    ]
    for method, args, stage in steps:
        method(*args)
        assert hook.stage == stage
