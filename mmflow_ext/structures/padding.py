# Copyright (c) mmflow_ext contributors. All rights reserved.
"""The padding contract shared by both task families.

One definition of the three things every batch goes through:

1. **Padding a batch** (:func:`padded_shape`, :func:`bottom_right_padding`):
   every image is padded at the bottom and right to one ``(h, w)``; a
   sample's padding is a :class:`Padding` ``(left, right, top, bottom)`` in
   pixels of the padded input, like :func:`torch.nn.functional.pad`.
2. **Recording it** in the form upstream writes (drop-in compatibility):
   :func:`seg_padding_size` gives MMSegmentation's int tuple
   (``padding_size`` in training, ``img_padding_size`` in testing) and
   :func:`edit_padding_size` MMagic's float tensor with one value per
   dimension of an input (``padding_size``). Both preprocessors also record
   the padded ``(h, w)`` as ``pad_shape``. :func:`read_padding` reads either
   form back.
3. **Cropping back to the real content** (:func:`crop_padding`), with the
   padding scaled to the tensor's size first (:func:`scale_padding`) when an
   output is larger than the padded input (an upscaled output).

Examples:
    >>> import torch
    >>> shape = padded_shape([(5, 7), (6, 3)], size_divisor=4)
    >>> shape
    (8, 8)
    >>> padding = bottom_right_padding((5, 7), shape)
    >>> padding
    Padding(left=0, right=1, top=0, bottom=3)
    >>> seg_padding_size(padding), edit_padding_size(padding, 3)
    ((0, 1, 0, 3), tensor([0., 3., 1.]))
    >>> read_padding(edit_padding_size(padding, 3)) == padding
    True
    >>> crop_padding(torch.zeros(3, 16, 16), padding, shape).shape
    torch.Size([3, 10, 14])
"""

import math
from typing import NamedTuple, Optional, Sequence, Tuple, Union

import torch

__all__ = [
    'Padding',
    'padded_shape',
    'bottom_right_padding',
    'seg_padding_size',
    'edit_padding_size',
    'read_padding',
    'sample_padding',
    'scale_padding',
    'crop_padding',
]

Shape = Tuple[int, int]

#: metainfo keys of a recorded padding, in the order they are looked up
PADDING_KEYS = ('img_padding_size', 'padding_size')


class Padding(NamedTuple):
    """Pixels added on each side of an image, as
    :func:`torch.nn.functional.pad` takes them for the last two dims."""

    left: int
    right: int
    top: int
    bottom: int


def _pair(value: Union[int, Sequence[int]], name: str) -> Shape:
    """An ``(h, w)`` pair from an int or a two-item sequence."""
    if isinstance(value, int):
        return value, value
    if len(value) != 2:
        raise ValueError(f'{name} must be an int or (h, w), got {value!r}')
    return int(value[0]), int(value[1])


def padded_shape(
    shapes: Sequence[Shape],
    size: Optional[Union[int, Sequence[int]]] = None,
    size_divisor: Optional[int] = None,
    names: Optional[Sequence[Optional[str]]] = None,
    size_name: str = 'size',
) -> Shape:
    """The ``(h, w)`` that every image of a batch is padded to.

    ``size`` when it is given (an image larger than it raises: padding
    cannot shrink it), else the largest height and width of the batch,
    rounded up to a multiple of ``size_divisor``.

    Args:
        shapes (Sequence[tuple[int, int]]): ``(h, w)`` of every image.
        size (int | Sequence[int], optional): Fixed ``(h, w)`` to pad to.
        size_divisor (int, optional): The padded sides are multiples of it.
        names (Sequence[str], optional): What to call each image in an
            error (e.g. its path).
        size_name (str): What to call ``size`` in an error.

    Returns:
        tuple[int, int]: The padded ``(h, w)``.

    Raises:
        ValueError: An image is larger than ``size``.

    Examples:
        >>> padded_shape([(5, 7), (6, 3)])
        (6, 7)
        >>> padded_shape([(5, 7), (6, 3)], size_divisor=4)
        (8, 8)
        >>> padded_shape([(5, 7)], size=(8, 9))
        (8, 9)
    """
    if size is not None:
        target = _pair(size, size_name)
        for index, (height, width) in enumerate(shapes):
            if height <= target[0] and width <= target[1]:
                continue
            name = names[index] if names is not None else None
            where = f' ({name})' if name else ''
            raise ValueError(
                f'image {index}{where} is {height}x{width}, larger than '
                f'{size_name}={target}: padding cannot shrink it. Add '
                f"dict(type='RandomCrop', crop_size={target}) to the "
                f'pipeline, or raise {size_name}.'
            )
        return target
    height = max(h for h, _ in shapes)
    width = max(w for _, w in shapes)
    if size_divisor is not None:
        height = math.ceil(height / size_divisor) * size_divisor
        width = math.ceil(width / size_divisor) * size_divisor
    return height, width


def bottom_right_padding(shape: Shape, pad_shape: Shape) -> Padding:
    """The padding that takes an image of ``shape`` to ``pad_shape``.

    Args:
        shape (tuple[int, int]): ``(h, w)`` of the image.
        pad_shape (tuple[int, int]): The padded ``(h, w)``.

    Returns:
        Padding: All of it at the bottom and right.
    """
    return Padding(
        0, int(pad_shape[1] - shape[1]), 0, int(pad_shape[0] - shape[0])
    )


def seg_padding_size(padding: Padding) -> Tuple[int, int, int, int]:
    """MMSegmentation's form: an int tuple ``(left, right, top, bottom)``.

    Args:
        padding (Padding): The padding.

    Returns:
        tuple[int, int, int, int]: What ``padding_size`` and
        ``img_padding_size`` hold.
    """
    return tuple(padding)


def edit_padding_size(padding: Padding, ndim: int) -> torch.Tensor:
    """MMagic's form: a float32 tensor, one value per dimension of an input.

    The last two values are the padding at the bottom and at the right;
    the others (channels, frames) are 0. MMagic writes ``ndim=3`` for a
    batch given as one tensor, also a 5-D ``(N, T, C, H, W)`` one, and the
    number of dimensions of one sample for a list of samples.

    Args:
        padding (Padding): The padding (only bottom and right).
        ndim (int): Number of values, at least 2.

    Returns:
        Tensor: What MMagic's ``padding_size`` holds.
    """
    if padding.left or padding.top:
        raise ValueError(
            'MMagic records padding at the bottom and right '
            f'only, got {padding}'
        )
    return torch.tensor(
        [0.0] * (ndim - 2) + [float(padding.bottom), float(padding.right)]
    )


def read_padding(value: Union[torch.Tensor, Sequence[int]]) -> Padding:
    """A recorded padding in either form, as a :class:`Padding`.

    Args:
        value (Tensor | Sequence[int]): MMagic's tensor (its last two
            values are bottom and right) or MMSegmentation's
            ``(left, right, top, bottom)``.

    Returns:
        Padding: The padding.

    Examples:
        >>> read_padding((1, 2, 3, 4))
        Padding(left=1, right=2, top=3, bottom=4)
        >>> read_padding(torch.tensor([0., 0., 5., 6.]))
        Padding(left=0, right=6, top=0, bottom=5)
    """
    if isinstance(value, torch.Tensor):
        if value.ndim != 1 or len(value) < 2:
            raise ValueError(
                'padding_size as a tensor must hold one value '
                'per dimension (at least 2), got shape '
                f'{tuple(value.shape)}'
            )
        bottom, right = value[-2:].tolist()
        return Padding(0, int(right), 0, int(bottom))
    if len(value) != 4:
        raise ValueError(
            f'padding_size must be (left, right, top, bottom), got {value!r}'
        )
    return Padding(*(int(p) for p in value))


def sample_padding(metainfo: dict) -> Optional[Padding]:
    """The padding recorded in a sample's metainfo, or None.

    ``img_padding_size`` (MMSegmentation's test-time key) is read before
    ``padding_size``.

    Args:
        metainfo (dict): The sample's metainfo.

    Returns:
        Padding | None: The padding, None when none is recorded.
    """
    for key in PADDING_KEYS:
        value = metainfo.get(key)
        if value is not None:
            return read_padding(value)
    return None


def scale_padding(
    padding: Padding, size: Shape, pad_shape: Optional[Shape]
) -> Padding:
    """The padding of a tensor of ``size`` made from the padded input.

    An output larger (or smaller) than the padded input, e.g. an upscaled
    one, holds the padding scaled by ``size / pad_shape`` on each axis,
    rounded to whole pixels. Without ``pad_shape`` (unknown) or at the same
    size the padding is returned as it is.

    Args:
        padding (Padding): The input's padding.
        size (tuple[int, int]): ``(h, w)`` of the tensor to crop.
        pad_shape (tuple[int, int], optional): ``(h, w)`` of the padded
            input.

    Returns:
        Padding: The padding of the tensor.

    Examples:
        >>> scale_padding(Padding(0, 3, 0, 1), (20, 30), (10, 15))
        Padding(left=0, right=6, top=0, bottom=2)
    """
    if pad_shape is None or tuple(size) == tuple(pad_shape[:2]):
        return padding
    scale_h = size[0] / pad_shape[0]
    scale_w = size[1] / pad_shape[1]
    return Padding(
        round(padding.left * scale_w),
        round(padding.right * scale_w),
        round(padding.top * scale_h),
        round(padding.bottom * scale_h),
    )


def crop_padding(
    tensor: torch.Tensor, padding: Padding, pad_shape: Optional[Shape] = None
) -> torch.Tensor:
    """A view of ``tensor`` without its padding (last two dims).

    Args:
        tensor (Tensor): ``(..., H, W)``.
        padding (Padding): The padding of the input.
        pad_shape (tuple[int, int], optional): ``(h, w)`` of the padded
            input; the padding is scaled when ``tensor`` has another size
            (see :func:`scale_padding`).

    Returns:
        Tensor: The view of the real content.
    """
    height, width = tensor.shape[-2:]
    left, right, top, bottom = scale_padding(
        padding, (height, width), pad_shape
    )
    return tensor[..., top : height - bottom, left : width - right]
