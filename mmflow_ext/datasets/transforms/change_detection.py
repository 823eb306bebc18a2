# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Change-detection inputs: an image pair loaded and stacked channel-wise.

MMSegmentation's LEVIR-CD configs load ``img_path`` and ``img_path2`` with
``LoadMultipleRSImageFromFile`` and stack them with ``ConcatCDInput`` into
one ``H×W×2C`` input.
"""

from typing import Optional, Sequence

import numpy as np
from mmcv.transforms import BaseTransform

from mmflow_ext.registry import TRANSFORMS

from .image_loading import LoadImageFromFile

__all__ = ['LoadMultipleRSImageFromFile', 'ConcatCDInput']


@TRANSFORMS.register_module()
class LoadMultipleRSImageFromFile(BaseTransform):
    """Load the two images of a change-detection sample.

    Both are decoded as RGB colour images (the band order GDAL, which
    upstream reads them with, gives for RGB files; GDAL is not needed) with
    the checks of :class:`LoadImageFromFile`. Sets ``img``, ``img2``,
    ``img_shape`` and ``ori_shape``.

    Args:
        to_float32 (bool): Return float32 instead of uint8. Defaults to
            True, as upstream.
        backend_args (dict, optional): Arguments of the file backend.
            Defaults to None.

    Raises:
        ValueError: When the two images differ in shape (both files are
            named), or one cannot be decoded.

    Examples:
        >>> import tempfile, cv2
        >>> folder = tempfile.mkdtemp()
        >>> _ = cv2.imwrite(folder + '/a.png', np.zeros((2, 3, 3), np.uint8))
        >>> _ = cv2.imwrite(folder + '/b.png', np.ones((2, 3, 3), np.uint8))
        >>> out = LoadMultipleRSImageFromFile()(dict(
        ...     img_path=folder + '/a.png', img_path2=folder + '/b.png'))
        >>> out['img'].dtype, out['img2'].shape, out['img_shape']
        (dtype('float32'), (2, 3, 3), (2, 3))
    """

    def __init__(
        self, to_float32: bool = True, backend_args: Optional[dict] = None
    ) -> None:
        self.to_float32 = to_float32
        self._load = LoadImageFromFile(
            channel_order='rgb',
            to_float32=to_float32,
            backend_args=backend_args,
        )

    def transform(self, results: dict) -> dict:
        """Load ``img_path`` into ``img`` and ``img_path2`` into ``img2``."""
        first = self._load(dict(img_path=results['img_path']))['img']
        second = self._load(dict(img_path=results['img_path2']))['img']
        if first.shape != second.shape:
            raise ValueError(
                f'the images of a change-detection pair differ in shape: '
                f'"{results["img_path"]}" is {first.shape}, '
                f'"{results["img_path2"]}" is {second.shape}'
            )
        results['img'] = first
        results['img2'] = second
        results['img_shape'] = first.shape[:2]
        results['ori_shape'] = first.shape[:2]
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(to_float32={self.to_float32})'


@TRANSFORMS.register_module()
class ConcatCDInput(BaseTransform):
    """Stack the images of ``input_keys`` channel-wise into ``img``.

    The keys are removed and their concatenation (along the channel axis,
    in ``input_keys`` order) becomes ``img``.

    Args:
        input_keys (Sequence[str]): Image keys. Defaults to
            ``('img', 'img2')``.

    Examples:
        >>> out = ConcatCDInput()(dict(img=np.zeros((2, 2, 3)),
        ...                            img2=np.ones((2, 2, 3))))
        >>> out['img'].shape, 'img2' in out
        ((2, 2, 6), False)
    """

    def __init__(self, input_keys: Sequence[str] = ('img', 'img2')) -> None:
        self.input_keys = input_keys

    def transform(self, results: dict) -> dict:
        """Replace the ``input_keys`` images by their concatenation."""
        images = [results.pop(key) for key in self.input_keys]
        results['img'] = np.concatenate(images, axis=2)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(input_keys={self.input_keys})'
