# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``LocalVisBackend`` whose images are written atomically.

MMEngine's ``LocalVisBackend.add_image`` writes with :func:`cv2.imwrite`,
so a kill mid-write leaves a truncated PNG under its final name. This
subclass is registered under the same name in the ``mmflow_ext`` scope: a
config with ``default_scope='mmflow_ext'`` and
``vis_backends=[dict(type='LocalVisBackend')]`` (every shipped config) gets
it, while MMEngine's class and any other scope's configs are unchanged.
``type='mmengine.LocalVisBackend'`` still selects MMEngine's.
"""

import os.path as osp

import cv2
import numpy as np
from mmengine.visualization import LocalVisBackend as MMEngineLocalVisBackend
from mmengine.visualization.vis_backend import force_init_env

from mmflow_ext.registry import VISBACKENDS

from .image_file import write_image

__all__ = ['LocalVisBackend']


@VISBACKENDS.register_module()
class LocalVisBackend(MMEngineLocalVisBackend):
    """MMEngine's local backend (same arguments and file names) with
    atomic image files.

    Examples:
        >>> import tempfile, os
        >>> backend = LocalVisBackend(save_dir=tempfile.mkdtemp())
        >>> backend.add_image('row', np.zeros((2, 2, 3), np.uint8), step=3)
        >>> os.listdir(osp.join(backend._save_dir, 'vis_image'))
        ['row_3.png']
    """

    @force_init_env
    def add_image(
        self, name: str, image: np.ndarray, step: int = 0, **kwargs
    ) -> None:
        """Write an RGB image to ``<save_dir>/<img_save_dir>/<name>_<step>
        .png`` atomically.

        Args:
            name (str): The image identifier.
            image (np.ndarray): ``H×W×3`` uint8 RGB image.
            step (int): Global step, appended to the name. Defaults to 0.
            **kwargs: Ignored, as by MMEngine's backend.

        Raises:
            TypeError: When ``image`` is not uint8.
        """
        if image.dtype != np.uint8:
            raise TypeError(
                f'{type(self).__name__}.add_image("{name}") '
                f'needs a uint8 image, got {image.dtype}'
            )
        write_image(
            osp.join(self._img_save_dir, f'{name}_{step}.png'),
            cv2.cvtColor(image, cv2.COLOR_RGB2BGR),
        )
