# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``RunStageHook``: which stage a run is in, to name it when a collective
times out.

A collective that one rank never reaches makes the others wait until
``env_cfg.dist_cfg.timeout`` and then fail with gloo's ``Timed out waiting
...ms for recv operation``, which says nothing about where. Our tools keep
this hook on their Runner and, through :func:`name_collective_timeouts`,
turn such an error into a :class:`CollectiveTimeoutError` that names the
rank and the stage (``training iteration 3``, ``validation batch 2``,
``saving a checkpoint``, ...).
"""

import contextlib
from typing import Iterator

from mmengine.dist import get_rank
from mmengine.hooks import Hook

__all__ = [
    'RunStageHook',
    'CollectiveTimeoutError',
    'name_collective_timeouts',
]

#: words of the errors torch raises when a collective times out
_TIMEOUT_WORDS = ('timed out', 'timeout')


class CollectiveTimeoutError(RuntimeError):
    """A collective operation timed out: a rank never reached it."""


class RunStageHook(Hook):
    """Record the stage of the run (not registered: our tools add it).

    Examples:
        >>> hook = RunStageHook()
        >>> hook.stage
        'setting up'
    """

    priority = 'HIGHEST'

    def __init__(self) -> None:
        self.stage = 'setting up'

    def before_train(self, runner) -> None:
        self.stage = 'the start of training'

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        self.stage = f'training iteration {runner.iter + 1}'

    def before_val(self, runner) -> None:
        self.stage = 'the start of validation'

    def before_val_iter(self, runner, batch_idx, data_batch=None) -> None:
        self.stage = f'validation batch {batch_idx + 1}'

    def after_val_epoch(self, runner, metrics=None) -> None:
        self.stage = 'the end of validation'

    def before_test(self, runner) -> None:
        self.stage = 'the start of testing'

    def before_test_iter(self, runner, batch_idx, data_batch=None) -> None:
        self.stage = f'test batch {batch_idx + 1}'

    def after_test_epoch(self, runner, metrics=None) -> None:
        self.stage = 'the end of testing'

    def before_save_checkpoint(self, runner, checkpoint) -> None:
        self.stage = 'saving a checkpoint'


@contextlib.contextmanager
def name_collective_timeouts(runner) -> Iterator[RunStageHook]:
    """Run a block of ``runner`` (``runner.train()``, ``runner.test()``)
    with a :class:`RunStageHook`, re-raising a collective timeout as a
    :class:`CollectiveTimeoutError` that names the rank and the stage.

    Args:
        runner (Runner): The runner.

    Yields:
        RunStageHook: The hook.
    """
    hook = RunStageHook()
    runner.register_hook(hook)
    try:
        yield hook
    except RuntimeError as error:
        if isinstance(error, CollectiveTimeoutError) or not any(
            word in str(error).lower() for word in _TIMEOUT_WORDS
        ):
            raise
        raise CollectiveTimeoutError(
            f'rank {get_rank()}: a collective operation timed out during '
            f'{hook.stage}: another rank never reached it (the limit is '
            'env_cfg.dist_cfg.timeout, in seconds). Original error: '
            f'{error}'
        ) from error
