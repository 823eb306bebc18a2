# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Photometric segmentation transforms of MMSegmentation that mmcv lacks.

``Rerange``, ``CLAHE``, ``RGB2Gray`` and ``AdjustGamma`` change only the
image; label maps are untouched. They draw no random numbers.
"""

from typing import Optional, Sequence, Tuple

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform

from mmflow_ext.registry import TRANSFORMS

__all__ = ['Rerange', 'CLAHE', 'RGB2Gray', 'AdjustGamma']


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _image_name(results: dict) -> str:
    return results.get('img_path') or 'the image'


@TRANSFORMS.register_module()
class Rerange(BaseTransform):
    """Map the image's value range linearly onto ``[min_value, max_value]``.

    The result is float64, computed as upstream computes it.

    Args:
        min_value (float): New minimum. Defaults to 0.
        max_value (float): New maximum. Defaults to 255.

    Examples:
        >>> Rerange(0, 1)(dict(img=np.array([[10, 20, 30]])))['img']
        array([[0. , 0.5, 1. ]])
    """

    def __init__(self, min_value: float = 0, max_value: float = 255) -> None:
        if not (
            _is_number(min_value)
            and _is_number(max_value)
            and min_value < max_value
        ):
            raise ValueError(
                'Rerange needs numbers min_value < max_value, '
                f'got {min_value!r} and {max_value!r}'
            )
        self.min_value = min_value
        self.max_value = max_value

    def transform(self, results: dict) -> dict:
        """Rerange ``img``.

        Raises:
            ValueError: When the image is constant (no range to map).
        """
        img = results['img']
        low, high = np.min(img), np.max(img)
        if not low < high:
            raise ValueError(
                f'Rerange: {_image_name(results)} has a single '
                f'value ({low}), there is no range to map'
            )
        unit = (img - low) / (high - low)
        results['img'] = (
            unit * (self.max_value - self.min_value) + self.min_value
        )
        return results

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(min_value={self.min_value}, '
            f'max_value={self.max_value})'
        )


@TRANSFORMS.register_module()
class CLAHE(BaseTransform):
    """Contrast-limited adaptive histogram equalization, per channel.

    Each channel is cast to uint8 and equalized with ``mmcv.clahe``.

    Args:
        clip_limit (float): Contrast limit. Defaults to 40.0.
        tile_grid_size (tuple[int, int]): Tiles per row and column.
            Defaults to ``(8, 8)``.

    Examples:
        >>> CLAHE()
        CLAHE(clip_limit=40.0, tile_grid_size=(8, 8))
    """

    def __init__(
        self,
        clip_limit: float = 40.0,
        tile_grid_size: Tuple[int, int] = (8, 8),
    ) -> None:
        if not _is_number(clip_limit):
            raise ValueError(
                f'clip_limit must be a number, got {clip_limit!r}'
            )
        if not (
            isinstance(tile_grid_size, tuple)
            and len(tile_grid_size) == 2
            and all(isinstance(n, int) for n in tile_grid_size)
        ):
            raise ValueError(
                'tile_grid_size must be a tuple of two ints, '
                f'got {tile_grid_size!r}'
            )
        self.clip_limit = clip_limit
        self.tile_grid_size = tile_grid_size

    def transform(self, results: dict) -> dict:
        """Equalize each channel of ``img`` in place."""
        img = results['img']
        for channel in range(img.shape[2]):
            img[:, :, channel] = mmcv.clahe(
                np.array(img[:, :, channel], dtype=np.uint8),
                self.clip_limit,
                self.tile_grid_size,
            )
        return results

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(clip_limit={self.clip_limit}, '
            f'tile_grid_size={self.tile_grid_size})'
        )


@TRANSFORMS.register_module()
class RGB2Gray(BaseTransform):
    """Replace the image by the weighted mean of its channels.

    The float64 mean is repeated to ``out_channels`` channels (as many as
    the input has when None). ``img_shape`` is set to ``(h, w)``.

    Args:
        out_channels (int, optional): Output channels. Defaults to None.
        weights (tuple[float]): Weight per input channel.
            Defaults to ``(0.299, 0.587, 0.114)``.

    Examples:
        >>> out = RGB2Gray(out_channels=1)(dict(img=np.full((1, 1, 3), 10)))
        >>> out['img'].shape, round(float(out['img'][0, 0, 0]), 6)
        ((1, 1, 1), 10.0)
    """

    def __init__(
        self,
        out_channels: Optional[int] = None,
        weights: Sequence[float] = (0.299, 0.587, 0.114),
    ) -> None:
        if out_channels is not None and not out_channels > 0:
            raise ValueError(
                f'out_channels must be None or > 0, got {out_channels}'
            )
        if not (
            isinstance(weights, tuple) and all(_is_number(w) for w in weights)
        ):
            raise ValueError(
                f'weights must be a tuple of numbers, got {weights!r}'
            )
        self.out_channels = out_channels
        self.weights = weights

    def transform(self, results: dict) -> dict:
        """Make ``img`` gray.

        Raises:
            ValueError: When the image is not ``H×W×C`` with one weight per
                channel.
        """
        img = results['img']
        if img.ndim != 3 or img.shape[2] != len(self.weights):
            raise ValueError(
                f'RGB2Gray: {_image_name(results)} has shape {img.shape}; '
                f'it needs H×W×{len(self.weights)} (one channel per weight)'
            )
        weights = np.array(self.weights).reshape((1, 1, -1))
        gray = (img * weights).sum(2, keepdims=True)
        repeat = self.out_channels or len(self.weights)
        results['img'] = gray.repeat(repeat, axis=2)
        results['img_shape'] = results['img'].shape[:2]
        return results

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(out_channels={self.out_channels}, '
            f'weights={self.weights})'
        )


@TRANSFORMS.register_module()
class AdjustGamma(BaseTransform):
    """Gamma correction through a 256-entry lookup table.

    Value ``v`` becomes ``uint8((v / 255) ** (1 / gamma) * 255)``.

    Args:
        gamma (float): The gamma, > 0. Defaults to 1.0.

    Examples:
        >>> AdjustGamma(2.0).table[[0, 64, 255]].tolist()
        [0, 127, 255]
    """

    def __init__(self, gamma: float = 1.0) -> None:
        if not (_is_number(gamma) and gamma > 0):
            raise ValueError(f'gamma must be a number > 0, got {gamma!r}')
        self.gamma = gamma
        inv_gamma = 1.0 / gamma
        self.table = np.array(
            [(value / 255.0) ** inv_gamma * 255 for value in np.arange(256)]
        ).astype(np.uint8)

    def transform(self, results: dict) -> dict:
        """Apply the table to ``img`` (cast to uint8)."""
        results['img'] = mmcv.lut_transform(
            np.array(results['img'], dtype=np.uint8), self.table
        )
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(gamma={self.gamma})'
