# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``SegVisualizationHook``: image | GT | prediction rows for segmentation."""
from typing import Any, Optional

import mmcv
import numpy as np
from mmengine import fileio

from mmflow_ext.registry import HOOKS
from mmflow_ext.visualization import ConcatImageVisualizer
from .basic_visualization_hook import (BasicVisualizationHook, PerMode,
                                       PerModeLimit)

__all__ = ['SegVisualizationHook']


@HOOKS.register_module()
class SegVisualizationHook(BasicVisualizationHook):
    """Draw segmentation predictions over the original image.

    Label maps after ``postprocess_result`` are at ``ori_shape``, so the
    image is read again from the sample's ``img_path`` (in the channel order
    the visualizer expects: BGR when its ``bgr2rgb`` is set, else RGB) and
    handed to the visualizer as ``image_key``. It is read only when the
    visualizer draws that key or blends over it.

    Takes the arguments of MMSegmentation's hook of the same name, with
    defaults that save images: ``draw`` is True and the first batch of each
    loop run is always drawn, so ``interval=50`` on a 20-image val set draws
    one image instead of none. Batches are chosen by their index in the
    loop alone, so each evaluation draws the same images.

    Args:
        draw (bool): Master switch. Defaults to True.
        interval (int | dict): Draw every ``interval``-th batch (see
            :class:`BasicVisualizationHook`). Defaults to 50.
        show (bool): Also display each row in a window (rows are still
            saved). Defaults to False.
        wait_time (float): Seconds a shown row stays. Defaults to 0.
        backend_args (dict, optional): File backend arguments for reading
            ``img_path``. Defaults to None.
        on_val (bool): Draw in the val loop. Defaults to True.
        on_test (bool): Draw in the test loop. Defaults to True.
        max_samples (int | dict, optional): Most samples drawn per run of a
            loop (see :class:`BasicVisualizationHook`). Defaults to None.
        image_key (str): Key under which the image read from ``img_path``
            is drawn. Defaults to ``'img'``.
    """

    def __init__(self,
                 draw: bool = True,
                 interval: PerMode = 50,
                 show: bool = False,
                 wait_time: float = 0.,
                 backend_args: Optional[dict] = None,
                 on_val: bool = True,
                 on_test: bool = True,
                 max_samples: PerModeLimit = None,
                 image_key: str = 'img') -> None:
        super().__init__(
            interval=interval,
            on_val=on_val,
            on_test=on_test,
            draw=draw,
            max_samples=max_samples,
            show=show,
            wait_time=wait_time)
        self.backend_args = dict(backend_args) if backend_args else None
        self.image_key = image_key

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

    def _draw(self, runner, visualizer: ConcatImageVisualizer,
              data_sample: Any) -> np.ndarray:
        extra_images = None
        wanted = (
            self.image_key in visualizer.img_keys
            or visualizer.blend_key == self.image_key)
        img_path = data_sample.get('img_path')
        if wanted and img_path is not None:
            order = 'bgr' if visualizer.bgr2rgb else 'rgb'
            extra_images = {self.image_key: self.read_image(img_path, order)}
        return visualizer.add_datasample(
            data_sample, step=runner.iter, extra_images=extra_images)
