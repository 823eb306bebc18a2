# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Preprocessing steps shared by ``SegDataPreProcessor`` and the editing
``DataPreprocessor``.

- :func:`flipped_channels` / :func:`flip_channels`: the BGR <-> RGB swap
  (first and third channel; a fourth, alpha, stays in place);
- :func:`write_normalized`: one sample written into its slot of a
  preallocated float32 batch, channels reordered and normalized in place,
  one cache-sized block of rows at a time on the CPU. The arithmetic is
  the straightforward ``(x.float() - mean) / std`` in float32, so the
  result is the same bit for bit. A uint8 CPU sample in channels-last
  layout (the CHW view of an HWC array that ``PackSegInputs`` hands over)
  is written channel by channel through a float32 table of its 256
  values (built with that same arithmetic): ``cv2.extractChannel`` into
  one reused plane, then ``cv2.LUT`` into the slot; reading it through
  the view, one byte in three, costs several times more;
- :func:`fill_padding`: the bottom and right padding of that slot;
- :func:`check_std`: a std of 0 is refused when a preprocessor is built.

The batch shape itself comes from the padding contract
(:mod:`mmflow_ext.structures.padding`).
"""

from typing import List, Optional, Sequence, Union

import cv2
import numpy as np
import torch

__all__ = [
    'flipped_channels',
    'flip_channels',
    'write_normalized',
    'fill_padding',
    'check_std',
]

#: elements per channel of one normalization block on the CPU (the block of
#: all channels stays in the L2 cache)
BLOCK_ELEMENTS = 1 << 16


def flipped_channels(channels: int) -> List[int]:
    """The channel order that swaps BGR and RGB.

    Args:
        channels (int): 3, or 4 (the alpha channel stays last).

    Returns:
        list[int]: Source channel of each output channel.

    Examples:
        >>> flipped_channels(3), flipped_channels(4)
        ([2, 1, 0], [2, 1, 0, 3])
    """
    if channels == 3:
        return [2, 1, 0]
    if channels == 4:
        return [2, 1, 0, 3]
    raise ValueError(
        'only 3- or 4-channel images can be converted between '
        f'BGR and RGB, got {channels} channels'
    )


def flip_channels(tensor: torch.Tensor, dim: int) -> torch.Tensor:
    """A new tensor with BGR and RGB swapped along ``dim``.

    Args:
        tensor (Tensor): Images.
        dim (int): The channel axis.

    Returns:
        Tensor: The converted images.
    """
    order = flipped_channels(tensor.shape[dim])
    return tensor.index_select(dim, torch.tensor(order, device=tensor.device))


def write_normalized(
    out: torch.Tensor,
    image: torch.Tensor,
    order: Optional[Sequence[int]] = None,
    mean: Optional[torch.Tensor] = None,
    std: Optional[torch.Tensor] = None,
) -> None:
    """Write ``image`` into the top left of its batch slot ``out``.

    ``out[..., :h, :w]`` becomes ``(image[order] - mean) / std`` in
    ``out``'s dtype; the rest of ``out`` is left as it is (see
    :func:`fill_padding`).

    Args:
        out (Tensor): The slot, ``(C, H, W)`` or ``(T, C, H, W)``.
        image (Tensor): The sample, ``(C, h, w)`` or ``(T, C, h, w)``, any
            dtype, on ``out``'s device.
        order (Sequence[int], optional): Source channel of each output
            channel (axis ``-3``); None keeps the order.
        mean (Tensor, optional): Broadcasts against ``(C, rows, w)``
            blocks, e.g. ``(C, 1, 1)``; None: no normalization.
        std (Tensor, optional): Like ``mean``.

    Examples:
        >>> out = torch.full((3, 2, 3), -1.0)
        >>> img = torch.arange(6, dtype=torch.uint8).view(3, 1, 2)
        >>> write_normalized(out, img, [2, 1, 0], torch.ones(3, 1, 1),
        ...                  torch.full((3, 1, 1), 2.0))
        >>> out[:, 0]
        tensor([[ 1.5000,  2.0000, -1.0000],
                [ 0.5000,  1.0000, -1.0000],
                [-0.5000,  0.0000, -1.0000]])
    """
    hwc = _channels_last(image)
    if hwc is not None and _lookup_applies(out, image, mean, std):
        _write_by_lookup(out, hwc, order, mean, std)
        return
    # x - 0 and x / 1 are x exactly: a zero mean (MMagic's usual
    # std-only configs) or a unit std costs no pass over the block
    subtract = mean is not None and not _is_constant(mean, 0.0)
    divide = mean is not None and not _is_constant(std, 1.0)
    height, width = image.shape[-2:]
    rows = (
        max(1, BLOCK_ELEMENTS // max(width, 1))
        if image.device.type == 'cpu'
        else height
    )
    region = out[..., :height, :width]
    for top in range(0, height, rows):
        if rows >= height:
            block, source = region, image
        else:
            count = min(rows, height - top)
            block = region.narrow(-2, top, count)
            source = image.narrow(-2, top, count)
        if order is None:
            block.copy_(source)
        else:
            for dst, src in enumerate(order):
                block.select(-3, dst).copy_(source.select(-3, src))
        if subtract:
            block.sub_(mean)
        if divide:
            block.div_(std)


def _is_constant(value: torch.Tensor, constant: float) -> bool:
    """Whether a CPU tensor holds ``constant`` only (False elsewhere: the
    check would wait for the device)."""
    return value.device.type == 'cpu' and bool((value == constant).all())


def _lookup_applies(
    out: torch.Tensor,
    image: torch.Tensor,
    mean: Optional[torch.Tensor],
    std: Optional[torch.Tensor],
) -> bool:
    """Whether uint8 planes can be written into ``out`` by lookup: a CPU
    float32 slot as wide as the image (OpenCV writes a padded slot's
    rows through a temporary, slower than the block path), and one mean
    and std per channel (or one in all)."""
    if out.dtype != torch.float32 or out.device.type != 'cpu':
        return False
    if out.shape[-1] != image.shape[-1]:
        return False
    if out.requires_grad:
        return False
    return mean is None or all(
        value.device.type == 'cpu'
        and value.dim() <= 3
        and all(size == 1 for size in value.shape[-2:])
        for value in (mean, std)
    )


def _write_by_lookup(
    out: torch.Tensor,
    hwc: np.ndarray,
    order: Optional[Sequence[int]],
    mean: Optional[torch.Tensor],
    std: Optional[torch.Tensor],
) -> None:
    """:func:`write_normalized` of a channels-last uint8 image, one
    channel at a time.

    The very ops of the block path, applied to the 256 values of each
    channel, give a float32 table per channel. Each channel is pulled out
    of the interleaved image into one reused plane (``cv2.extractChannel``)
    and ``cv2.LUT`` writes ``table[plane]`` straight into the slot.
    """
    height, width, channels = hwc.shape
    tables = torch.empty((channels, 1, 256), dtype=torch.float32)
    tables.copy_(torch.arange(256, dtype=torch.uint8).expand_as(tables))
    if mean is not None:
        tables.sub_(mean).div_(std)
    region = out[..., :height, :width].numpy()
    plane = np.empty((height, width), np.uint8)
    for dst, src in enumerate(range(channels) if order is None else order):
        cv2.extractChannel(hwc, src, dst=plane)
        written = cv2.LUT(plane, tables[dst, 0].numpy(), dst=region[dst])
        if written.ctypes.data != region[dst].ctypes.data:
            region[dst] = written  # OpenCV could not write in place


def _channels_last(image: torch.Tensor) -> Optional[np.ndarray]:
    """The ``(h, w, C)`` array under a CPU uint8 ``(C, h, w)`` image in
    channels-last layout (rows may be apart, as in a crop), or None for
    any other image."""
    if (
        image.dim() != 3
        or image.dtype != torch.uint8
        or image.device.type != 'cpu'
        or image.requires_grad
        or not 1 < image.shape[0] <= 4
        or 0 in image.shape
    ):
        return None
    channels, _, width = image.shape
    channel_stride, row_stride, col_stride = image.stride()
    if (
        channel_stride != 1
        or col_stride != channels
        or row_stride < width * channels
    ):
        return None
    return image.permute(1, 2, 0).numpy()


def fill_padding(
    out: torch.Tensor,
    height: int,
    width: int,
    value: Union[float, torch.Tensor],
) -> None:
    """Fill what lies below row ``height`` or right of column ``width``.

    Args:
        out (Tensor): A batch slot ``(..., H, W)``.
        height (int): Rows of real content.
        width (int): Columns of real content.
        value (float | Tensor): The padding value; a tensor broadcasts
            against ``out``'s ``(..., rows, cols)`` regions (e.g. one value
            per channel, ``(C, 1, 1)``).
    """
    if height < out.shape[-2]:
        _fill(out[..., height:, :], value)
    if width < out.shape[-1]:
        _fill(out[..., :height, width:], value)


def _fill(region: torch.Tensor, value: Union[float, torch.Tensor]) -> None:
    if isinstance(value, torch.Tensor):
        region.copy_(value)
    else:
        region.fill_(value)


def check_std(std: Union[None, float, Sequence[float]], owner: str) -> None:
    """Refuse a std that holds 0 (it would turn the inputs into inf).

    Args:
        std (float | Sequence[float], optional): The configured std.
        owner (str): The preprocessor, named in the error.

    Raises:
        ValueError: ``std`` contains 0.

    Examples:
        >>> check_std([58.4, 0, 57.4], 'SegDataPreProcessor')
        Traceback (most recent call last):
        ...
        ValueError: SegDataPreProcessor: std must not contain 0, got std=[58.4, 0, 57.4]
    """  # noqa: E501
    if std is None:
        return
    values = torch.as_tensor(std, dtype=torch.float64).flatten()
    if bool((values == 0).any()):
        raise ValueError(f'{owner}: std must not contain 0, got std={std!r}')
