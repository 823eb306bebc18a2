# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Turn one image-like value into an ``H×W×3`` uint8 tile.

Accepted values (the forms MMagic's ``ConcatImageVisualizer`` draws):

- a tensor ``C×H×W`` or ``T×C×H×W`` (frames are stacked top to bottom);
- an array ``H×W×C``, ``T×H×W×C`` or ``H×W``;
- a :class:`~mmengine.structures.PixelData` or its ``to_dict()`` form
  (a dict with a ``'data'`` entry) holding one of the above;

with ``C`` equal to 1 (gray, repeated to three channels) or 3.

uint8 values are drawn as they are. Other dtypes are first mapped from
``pixel_range`` (when given) to ``[0, 255]``, then clamped and rounded half to
even. The arithmetic runs in the value's own dtype and in the same order as
MMagic's, so the tiles are bit-identical to MMagic's; it runs once per pixel
on the channel-first data, before channels are repeated or reordered.
"""

from typing import Any, Optional, Tuple

import numpy as np
import torch

from mmflow_ext.structures.sample_access import field_data

__all__ = ['image_to_tile']


def _to_numpy(value: Any, key: str) -> Tuple[np.ndarray, bool]:
    """Returns the array and whether its channels come first."""
    value = field_data(value)
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        if value.dtype == torch.bfloat16:  # numpy has no bfloat16
            value = value.float()
        return value.numpy(), True
    if isinstance(value, np.ndarray):
        return value, False
    raise TypeError(
        f'"{key}" must hold a tensor, an array or PixelData to '
        f'be drawn, got {type(value).__name__}'
    )


def _to_uint8(
    array: np.ndarray, pixel_range: Optional[Tuple[float, float]]
) -> np.ndarray:
    """Map to [0, 255], clamp and round, reusing one work buffer."""
    if pixel_range is not None:
        low, high = pixel_range
        work = np.subtract(array, low)
        scale = high - low
        for ufunc, operand in ((np.true_divide, scale), (np.multiply, 255)):
            same = (
                work.dtype.kind == 'f'
                and np.result_type(work, operand) == work.dtype
            )
            work = ufunc(work, operand, out=work if same else None)
        np.clip(work, 0, 255, out=work)
    else:
        work = np.clip(array, 0, 255)
    if work.dtype.kind == 'f':
        np.rint(work, out=work)
    return work.astype(np.uint8)


def image_to_tile(
    value: Any,
    key: str = 'image',
    bgr2rgb: bool = False,
    pixel_range: Optional[Tuple[float, float]] = None,
) -> np.ndarray:
    """Convert an image-like value into an ``H×W×3`` uint8 tile.

    Args:
        value (Any): The image (see the module docstring for the forms).
        key (str): Name of the value, used in error messages.
            Defaults to ``'image'``.
        bgr2rgb (bool): Reverse the channel order. Defaults to False.
        pixel_range (tuple[float, float], optional): ``(min, max)`` of a
            non-uint8 image, mapped to ``(0, 255)``. Defaults to None
            (the values are taken as ``0..255``).

    Returns:
        np.ndarray: ``H×W×3`` uint8 (``T·H×W×3`` for ``T`` frames). It may be
        a read-only view of ``value`` when no conversion is needed.

    Raises:
        TypeError: When ``value`` is neither a tensor nor an array.
        ValueError: When the shape is not one of the accepted ones, or
            ``pixel_range`` is empty.

    Examples:
        >>> import torch
        >>> tile = image_to_tile(torch.tensor([[[0.4, 254.6]]]))
        >>> tile.shape, tile[0, 1].tolist()
        ((1, 2, 3), [255, 255, 255])
        >>> image_to_tile(torch.tensor([[[-1.0]], [[0.0]], [[1.0]]]),
        ...               bgr2rgb=True, pixel_range=(-1, 1))[0, 0].tolist()
        [255, 128, 0]
    """
    array, channels_first = _to_numpy(value, key)
    if array.ndim not in (2, 3, 4):
        raise ValueError(
            f'"{key}" must be C×H×W or T×C×H×W (tensor), H×W×C, T×H×W×C or '
            f'H×W (array); got shape {tuple(array.shape)}'
        )
    if array.ndim == 2:
        array = array[..., None]
        channels_first = False
    channel_axis = -3 if channels_first else -1
    if array.shape[channel_axis] not in (1, 3):
        raise ValueError(
            f'"{key}" must have 1 or 3 channels; got shape '
            f'{tuple(array.shape)} (channel axis {channel_axis})'
        )
    if pixel_range is not None and not pixel_range[1] > pixel_range[0]:
        raise ValueError(
            f'pixel_range of "{key}" must be (min, max) with '
            f'max > min, got {tuple(pixel_range)}'
        )

    if array.dtype != np.uint8:
        array = _to_uint8(array, pixel_range)
    if channels_first:
        array = np.moveaxis(array, -3, -1)
    if array.ndim == 4:
        array = array.reshape(-1, *array.shape[2:])
    if array.shape[2] == 1:
        return np.broadcast_to(array, (*array.shape[:2], 3))
    return array[..., ::-1] if bgr2rgb else array
