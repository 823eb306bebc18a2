# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``SegVisualizationHook``: draw val/test predictions with any visualizer."""

import os.path as osp
from typing import Any, Optional, Sequence

import mmcv
import numpy as np
from mmengine import fileio
from mmengine.dist import is_main_process
from mmengine.visualization import Visualizer

from mmflow_ext.registry import HOOKS
from mmflow_ext.structures import get_field
from mmflow_ext.visualization import ConcatImageVisualizer

from .basic_visualization_hook import (
    BasicVisualizationHook,
    PerMode,
    PerModeLimit,
)
from .runner_step import current_iter

__all__ = ['SegVisualizationHook']


def _current_visualizer() -> Optional[Visualizer]:
    """The latest visualizer built in this process, if any."""
    try:
        return Visualizer.get_current_instance()
    except RuntimeError:  # none was built yet
        return None


@HOOKS.register_module()
class SegVisualizationHook(BasicVisualizationHook):
    """Draw segmentation predictions over the original image.

    Takes the arguments of MMSegmentation's hook of the same name and works
    with any visualizer: the runner's (the one
    ``Visualizer.get_current_instance()`` returns once the Runner built it).

    - With a :class:`~mmflow_ext.visualization.ConcatImageVisualizer`, the
      image is read again from the sample's ``img_path`` (BGR when its
      ``bgr2rgb`` is set, else RGB; only when the visualizer draws
      ``image_key`` or blends over it) and one row per sample is saved.
    - With any other visualizer (``SegLocalVisualizer``, MMSegmentation's
      own), the image is read in RGB and handed over as upstream does:
      ``add_datasample(f'{mode}_{basename}', image, data_sample=sample,
      show=show, wait_time=wait_time, step=iteration)``.

    Batches are chosen per iteration of the loop as upstream chooses them
    (batch ``i`` when ``(i + 1) % interval == 0``), and the first batch of
    every loop run is drawn too, so ``interval=50`` on a 20-image val set
    draws one image instead of none. ``draw`` defaults to True (upstream:
    False), and with ``show`` the images are still saved (upstream then
    drops the visualizer's backends). The iteration in saved names is the
    training iteration, 0 in a test-only run: the train loop is never
    built for it (see :func:`current_iter`).

    Args:
        draw (bool): Master switch. Defaults to True.
        interval (int | dict): Draw every ``interval``-th batch, or a dict
            ``{'val': n, 'test': m}`` (see :class:`BasicVisualizationHook`).
            Defaults to 50.
        show (bool): Also display each image in a window. Defaults to
            False.
        wait_time (float): Seconds a shown image stays. Defaults to 0.
        backend_args (dict, optional): File backend arguments for reading
            ``img_path``. Defaults to None.
        on_val (bool): Draw in the val loop. Defaults to True.
        on_test (bool): Draw in the test loop. Defaults to True.
        max_samples (int | dict, optional): Most samples drawn per run of a
            loop (see :class:`BasicVisualizationHook`). Defaults to None.
        image_key (str): Key under which a ``ConcatImageVisualizer`` draws
            the image read from ``img_path``. Defaults to ``'img'``.
    """

    def __init__(
        self,
        draw: bool = True,
        interval: PerMode = 50,
        show: bool = False,
        wait_time: float = 0.0,
        backend_args: Optional[dict] = None,
        on_val: bool = True,
        on_test: bool = True,
        max_samples: PerModeLimit = None,
        image_key: str = 'img',
    ) -> None:
        super().__init__(
            interval=interval,
            on_val=on_val,
            on_test=on_test,
            draw=draw,
            max_samples=max_samples,
            show=show,
            wait_time=wait_time,
        )
        self.backend_args = dict(backend_args) if backend_args else None
        self.image_key = image_key
        self._visualizer_at_build = _current_visualizer()

    def read_image(self, img_path: str, channel_order: str) -> np.ndarray:
        """Read an image as an ``H×W×3`` uint8 array.

        Args:
            img_path (str): Path or URI of the image.
            channel_order (str): ``'bgr'`` or ``'rgb'``.

        Returns:
            np.ndarray: The decoded image.

        Raises:
            ValueError: When the file cannot be decoded as an image.
        """
        content = fileio.get(img_path, backend_args=self.backend_args)
        image = mmcv.imfrombytes(content, flag='color', channel_order='bgr')
        if image is None:
            raise ValueError(f'cannot decode the image "{img_path}"')
        return mmcv.bgr2rgb(image) if channel_order == 'rgb' else image

    def is_drawn_batch(self, batch_idx: int, mode: str) -> bool:
        """Whether batch ``batch_idx`` of a ``mode`` loop run is drawn.

        Args:
            batch_idx (int): Index of the batch in the loop run.
            mode (str): ``'val'`` or ``'test'``.

        Returns:
            bool: True for the first batch and for every batch with
            ``(batch_idx + 1) % interval == 0``.

        Examples:
            >>> hook = SegVisualizationHook(interval=3)
            >>> [i for i in range(8) if hook.is_drawn_batch(i, 'val')]
            [0, 2, 5]
        """
        return batch_idx == 0 or (batch_idx + 1) % self.interval_of(mode) == 0

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
            or not self.is_drawn_batch(batch_idx, mode)
        ):
            return
        limit = self.max_samples_of(mode)
        visualizer = self._visualizer(runner)
        step = current_iter(runner)
        for data_sample in outputs:
            if limit is not None and self._drawn >= limit:
                return
            if isinstance(visualizer, ConcatImageVisualizer):
                self._draw_row(visualizer, data_sample, step, mode)
            else:
                self._draw_upstream(visualizer, data_sample, step, mode)
            self._drawn += 1

    def _visualizer(self, runner) -> Visualizer:
        visualizer = getattr(runner, 'visualizer', None)
        if visualizer is None:
            visualizer = self._visualizer_at_build or _current_visualizer()
        if visualizer is None:
            raise RuntimeError(
                f'{type(self).__name__} found no visualizer: the runner has '
                'none and no Visualizer was built in this process'
            )
        return visualizer

    def _draw_row(
        self,
        visualizer: ConcatImageVisualizer,
        data_sample: Any,
        step: int,
        mode: str,
    ) -> None:
        extra_images = None
        wanted = (
            self.image_key in visualizer.img_keys
            or visualizer.blend_key == self.image_key
        )
        img_path = get_field(data_sample, 'img_path', default=None)
        if wanted and img_path is not None:
            order = 'bgr' if visualizer.bgr2rgb else 'rgb'
            extra_images = {self.image_key: self.read_image(img_path, order)}
        row = visualizer.add_datasample(
            data_sample, step=step, extra_images=extra_images
        )
        if self.show:
            visualizer.show(
                row,
                win_name=f'{mode}_{visualizer.file_stem(data_sample)}',
                wait_time=self.wait_time,
            )

    def _draw_upstream(
        self, visualizer: Visualizer, data_sample: Any, step: int, mode: str
    ) -> None:
        img_path = get_field(data_sample, 'img_path')
        visualizer.add_datasample(
            f'{mode}_{osp.basename(img_path)}',
            self.read_image(img_path, 'rgb'),
            data_sample=data_sample,
            show=self.show,
            wait_time=self.wait_time,
            step=step,
        )
