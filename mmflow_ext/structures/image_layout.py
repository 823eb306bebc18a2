# Copyright (c) mmflow_ext contributors. All rights reserved.
"""From pipeline arrays (``H×W×C``) to model tensors (``C×H×W``).

Transforms hand images over as NumPy arrays in ``H×W×C`` order; data
samples and models hold ``C×H×W`` tensors. The conversion has two named
behaviours:

- :func:`hwc_to_chw_view`: a ``C×H×W`` *view* (permuted strides) over a
  private ``H×W×C`` copy. The copy is a straight memory copy, many times
  cheaper than the transposing copy; the one transposing pass happens later,
  when the data preprocessor converts the batch to float. The caller's array
  is neither shared nor changed. Used by ``PackSegInputs``.
- :func:`hwc_to_chw_contiguous`: a contiguous ``C×H×W`` copy, what MMagic's
  ``image_to_tensor`` returns. Used by the editing ``DataSample`` and
  ``PackInputs``.

:func:`owned_tensor` is the private copy both start from, and
:func:`all_to_tensor` applies :func:`hwc_to_chw_contiguous` to an image or a
list of frames.
"""

import warnings
from typing import Any

import numpy as np
import torch

__all__ = [
    'owned_tensor',
    'hwc_to_chw_view',
    'hwc_to_chw_contiguous',
    'all_to_tensor',
    'is_image_like',
]


def _wrap(array: np.ndarray) -> torch.Tensor:
    """``torch.from_numpy`` that accepts read-only arrays silently (the
    tensor is only read, or copied right away)."""
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', message='The given NumPy array')
        return torch.from_numpy(array)


def owned_tensor(array: np.ndarray) -> torch.Tensor:
    """A C-contiguous tensor copy of ``array`` that shares no memory with it.

    A flipped array (negative strides, e.g. after ``RandomFlip``) is copied
    by ``torch.flip`` of its positively strided view: NumPy copies an
    ``H×W×3`` array with a reversed ``W`` axis pixel by pixel, many times
    slower.

    Args:
        array (np.ndarray): Any array; it is not modified.

    Returns:
        torch.Tensor: Same shape, dtype and values, own memory.

    Examples:
        >>> a = np.arange(6, dtype=np.uint8).reshape(2, 3)
        >>> t = owned_tensor(a[:, ::-1])
        >>> t.tolist(), a.flags.writeable
        ([[2, 1, 0], [5, 4, 3]], True)
        >>> owned_tensor(a).data_ptr() == a.ctypes.data
        False
    """
    flipped = tuple(
        axis for axis, step in enumerate(array.strides) if step < 0
    )
    if flipped:
        return _wrap(np.flip(array, flipped)).flip(flipped).contiguous()
    return torch.from_numpy(np.array(array, order='C', copy=True))


def _as_hwc(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return image[..., None]
    if image.ndim != 3:
        raise ValueError(
            f'expected an (H, W) or (H, W, C) image, got shape {image.shape}'
        )
    return image


def hwc_to_chw_view(image: np.ndarray) -> torch.Tensor:
    """``C×H×W`` permuted view over a private ``H×W×C`` copy of ``image``.

    Args:
        image (np.ndarray): ``H×W`` or ``H×W×C``; it is neither shared nor
            modified.

    Returns:
        torch.Tensor: ``C×H×W`` (``1×H×W`` for 2-D input), not contiguous
        when ``C > 1``; its dtype is the image's.

    Examples:
        >>> img = np.arange(12, dtype=np.uint8).reshape(2, 2, 3)
        >>> t = hwc_to_chw_view(img)
        >>> t.shape, t.is_contiguous(), t[2].tolist()
        (torch.Size([3, 2, 2]), False, [[2, 5], [8, 11]])
    """
    return owned_tensor(_as_hwc(image)).permute(2, 0, 1)


def hwc_to_chw_contiguous(image: np.ndarray) -> torch.Tensor:
    """Contiguous ``C×H×W`` tensor copy of ``image``.

    Args:
        image (np.ndarray): ``H×W`` or ``H×W×C``; its dtype is kept.

    Returns:
        torch.Tensor: ``C×H×W`` (``1×H×W`` for 2-D input), contiguous.

    Examples:
        >>> hwc_to_chw_contiguous(np.zeros((4, 5), np.uint8)).shape
        torch.Size([1, 4, 5])
    """
    chw = _as_hwc(image).transpose(2, 0, 1)
    if any(step < 0 for step in chw.strides):
        return owned_tensor(chw)
    return torch.from_numpy(np.ascontiguousarray(chw))


def is_image_like(value: Any) -> bool:
    """Whether :func:`all_to_tensor` converts ``value``: an array of two or
    more dimensions, a tensor, or a non-empty list of those."""
    if isinstance(value, (list, tuple)):
        return len(value) > 0 and all(is_image_like(v) for v in value)
    if isinstance(value, np.ndarray):
        return value.ndim > 1
    return isinstance(value, torch.Tensor)


def all_to_tensor(value: Any) -> Any:
    """Turn an image, or a list of frames, into a tensor.

    ``H×W(×C)`` arrays become ``C×H×W`` tensors keeping their dtype (see
    :func:`hwc_to_chw_contiguous`); a list or tuple of frames becomes
    ``T×C×H×W``; tensors pass unchanged. Anything that is not image-like
    (numbers, strings, 1-D arrays) is returned as is.

    Args:
        value (Any): The value to convert.

    Returns:
        Any: The tensor, or ``value`` itself when it is not image-like.

    Examples:
        >>> all_to_tensor(np.zeros((4, 5, 3), np.uint8)).shape
        torch.Size([3, 4, 5])
        >>> all_to_tensor([np.zeros((4, 5)), np.zeros((4, 5))]).shape
        torch.Size([2, 1, 4, 5])
        >>> all_to_tensor('a.png')
        'a.png'
    """
    if not is_image_like(value):
        return value
    if isinstance(value, (list, tuple)):
        return torch.stack([all_to_tensor(v) for v in value])
    if isinstance(value, np.ndarray):
        return hwc_to_chw_contiguous(value)
    return value
