# Copyright (c) mmflow_ext contributors. All rights reserved.
"""The training iteration of a runner, read without side effects."""

from typing import Any

from mmengine.runner import BaseLoop

__all__ = ['current_iter']


def current_iter(runner: Any) -> int:
    """``runner.iter``, without building the train loop.

    MMEngine's ``Runner.iter`` builds the train loop (and so its dataloader
    and dataset) when it is still a config. In a test or val run that can
    block: a dataset that prepares data on rank 0 behind a barrier stops
    rank 0 alone while the other ranks wait elsewhere. Here a train loop
    that is not built yet counts as iteration 0, which is what
    ``Runner.iter`` would return right after building it.

    Args:
        runner (Runner | Any): A :class:`~mmengine.runner.Runner`, or any
            object with an ``iter`` attribute (a stand-in in tests).

    Returns:
        int: The current training iteration.

    Examples:
        >>> from types import SimpleNamespace
        >>> current_iter(SimpleNamespace(iter=7))
        7
        >>> current_iter(SimpleNamespace(_train_loop=dict(type='X'), iter=3))
        0
    """
    if hasattr(runner, '_train_loop'):
        loop = runner._train_loop  # the Runner keeps configs here unbuilt
        return loop.iter if isinstance(loop, BaseLoop) else 0
    return runner.iter
