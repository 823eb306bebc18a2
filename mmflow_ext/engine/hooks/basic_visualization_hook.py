# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``BasicVisualizationHook``: save a row per predicted sample in val/test."""

import warnings
from typing import Any, Dict, Optional, Sequence, Union

import numpy as np
from mmengine.dist import is_main_process
from mmengine.hooks import Hook

from mmflow_ext.registry import HOOKS
from mmflow_ext.visualization import ConcatImageVisualizer

from .runner_step import current_iter

__all__ = ['BasicVisualizationHook']

MODES = ('val', 'test')
PerMode = Union[int, Dict[str, int]]
PerModeLimit = Union[None, int, Dict[str, Optional[int]]]


def _check_per_mode(name: str, value: Any, allow_none: bool) -> None:
    values = value.items() if isinstance(value, dict) else [(None, value)]
    for mode, item in values:
        if mode is not None and mode not in ('train',) + MODES:
            raise ValueError(
                f'{name} has an unknown mode "{mode}"; use "val" or "test"'
            )
        if item is None and allow_none:
            continue
        low = 0 if allow_none else 1
        if isinstance(item, bool) or not isinstance(item, int) or item < low:
            raise ValueError(
                f'{name} must be an int >= {low}'
                f'{" or None" if allow_none else ""}, or a dict '
                f'of them per mode; got {value!r}'
            )


@HOOKS.register_module()
class BasicVisualizationHook(Hook):
    """Draw the predicted samples of the val and test loops.

    In each enabled loop, every sample of the batches whose index is a
    multiple of ``interval`` (the first batch always) is passed to the
    runner's :class:`~mmflow_ext.visualization.ConcatImageVisualizer` with
    the training iteration as ``step`` (0 in a test run, whose train loop
    is never built: see :func:`.runner_step.current_iter`), until
    ``max_samples`` samples were drawn in that run of the loop. So each
    evaluation saves the same samples, under names that carry the training
    iteration.

    Takes the arguments of MMagic's hook of the same name; ``draw`` and
    ``max_samples`` are additions.

    Args:
        interval (int | dict): Draw every ``interval``-th batch, or a dict
            ``{'val': n, 'test': m}`` (modes left out use 1). Defaults to 1.
        on_train (bool): Must be False: training iterations return losses,
            not samples. Defaults to False.
        on_val (bool): Draw in the val loop. Defaults to True.
        on_test (bool): Draw in the test loop. Defaults to True.
        draw (bool): Master switch. Defaults to True.
        max_samples (int | dict, optional): Most samples drawn per run of a
            loop, or a dict of them per mode (modes left out are
            unlimited). Defaults to None (unlimited).
        show (bool): Also display each row in a window. Defaults to False.
        wait_time (float): Seconds a shown row stays. Defaults to 0.
    """

    priority = 'NORMAL'

    def __init__(
        self,
        interval: PerMode = 1,
        on_train: bool = False,
        on_val: bool = True,
        on_test: bool = True,
        draw: bool = True,
        max_samples: PerModeLimit = None,
        show: bool = False,
        wait_time: float = 0.0,
    ) -> None:
        if on_train:
            raise ValueError(
                f'{type(self).__name__}(on_train=True) is not supported: '
                'training iterations return losses, not data samples'
            )
        _check_per_mode('interval', interval, allow_none=False)
        _check_per_mode('max_samples', max_samples, allow_none=True)
        self.interval = interval
        self.on_val = on_val
        self.on_test = on_test
        self.draw = draw
        self.max_samples = max_samples
        self.show = show
        self.wait_time = wait_time
        self._drawn = 0
        if not draw:
            warnings.warn(
                f'{type(self).__name__}(draw=False): no image will be saved'
            )

    def interval_of(self, mode: str) -> int:
        """Batch interval of ``mode`` (``'val'`` or ``'test'``)."""
        if isinstance(self.interval, dict):
            return self.interval.get(mode, 1)
        return self.interval

    def max_samples_of(self, mode: str) -> Optional[int]:
        """Sample limit per loop run of ``mode``; None is unlimited."""
        if isinstance(self.max_samples, dict):
            return self.max_samples.get(mode)
        return self.max_samples

    def before_val_epoch(self, runner) -> None:
        """Start counting the samples drawn in this val run."""
        self._drawn = 0

    def before_test_epoch(self, runner) -> None:
        """Start counting the samples drawn in this test run."""
        self._drawn = 0

    def after_val_iter(
        self,
        runner,
        batch_idx: int,
        data_batch: Any = None,
        outputs: Optional[Sequence[Any]] = None,
    ) -> None:
        """Draw the samples of a selected val batch."""
        if self.on_val:
            self._draw_batch(runner, batch_idx, outputs, 'val')

    def after_test_iter(
        self,
        runner,
        batch_idx: int,
        data_batch: Any = None,
        outputs: Optional[Sequence[Any]] = None,
    ) -> None:
        """Draw the samples of a selected test batch."""
        if self.on_test:
            self._draw_batch(runner, batch_idx, outputs, 'test')

    def _draw_batch(
        self,
        runner,
        batch_idx: int,
        outputs: Optional[Sequence[Any]],
        mode: str,
    ) -> None:
        if (
            not self.draw
            or not outputs
            or not is_main_process()
            or batch_idx % self.interval_of(mode) != 0
        ):
            return
        limit = self.max_samples_of(mode)
        visualizer = self._visualizer(runner)
        for data_sample in outputs:
            if limit is not None and self._drawn >= limit:
                return
            row = self._draw(runner, visualizer, data_sample)
            self._drawn += 1
            if self.show:
                visualizer.show(
                    row,
                    win_name=f'{mode}_{visualizer.file_stem(data_sample)}',
                    wait_time=self.wait_time,
                )

    def _visualizer(self, runner) -> ConcatImageVisualizer:
        visualizer = runner.visualizer
        if not isinstance(visualizer, ConcatImageVisualizer):
            raise TypeError(
                f'{type(self).__name__} draws with a ConcatImageVisualizer; '
                f'the runner\'s visualizer is a {type(visualizer).__name__} '
                '(set `visualizer = dict(type="ConcatImageVisualizer", ...)`)'
            )
        return visualizer

    def _draw(
        self, runner, visualizer: ConcatImageVisualizer, data_sample: Any
    ) -> np.ndarray:
        """Draw one sample and return its row; subclasses add images."""
        return visualizer.add_datasample(
            data_sample, step=current_iter(runner)
        )
