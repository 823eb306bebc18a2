# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Preprocessing steps shared by ``SegDataPreProcessor`` and the editing
``DataPreprocessor``.

- :func:`flipped_channels` / :func:`flip_channels`: the BGR <-> RGB swap
  (first and third channel; a fourth, alpha, stays in place);
- :func:`write_normalized`: one sample written into its slot of a
  preallocated float32 batch, channels reordered and normalized in place,
  one cache-sized block of rows at a time on the CPU. The arithmetic is
  the straightforward ``(x.float() - mean) / std`` in float32, so the
  result is the same bit for bit. A uint8 CPU sample (channels last, as
  ``PackSegInputs`` hands it over, or channels first) is written one
  channel plane at a time by one OpenCV call each
  (:mod:`.uint8_planes`); reading a channels-last view one byte in three
  through torch costs several times more, and torch's mixed-dtype
  arithmetic runs without its vector loops;
- :func:`active_normalization`: a zero mean or a unit std left out;
- :func:`fill_padding`: the bottom and right padding of that slot;
- :func:`check_std`: a std of 0 is refused when a preprocessor is built.

The batch shape itself comes from the padding contract
(:mod:`mmflow_ext.structures.padding`).
"""

from typing import List, Optional, Sequence, Tuple, Union

import torch

from .uint8_planes import channel_values, uint8_layout, write_planes

__all__ = [
    'flipped_channels',
    'flip_channels',
    'active_normalization',
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


def active_normalization(
    mean: Optional[torch.Tensor], std: Optional[torch.Tensor]
) -> Tuple[Optional[torch.Tensor], Optional[torch.Tensor]]:
    """``mean`` and ``std`` with the passes that change nothing left out.

    ``x - 0`` and ``x / 1`` are ``x`` exactly, so a zero mean (MMagic's
    usual std-only configs) or a unit std becomes None and costs no pass in
    :func:`write_normalized`. Decided once per batch: the check reads the
    tensors.

    Args:
        mean (Tensor, optional): Per-channel means; None: none.
        std (Tensor, optional): Per-channel stds; None: none.

    Returns:
        tuple: ``(mean or None, std or None)``. Values off the CPU are
        kept (checking them would wait for the device).

    Examples:
        >>> active_normalization(torch.zeros(3, 1, 1), torch.ones(1))
        (None, None)
        >>> active_normalization(torch.zeros(1), torch.tensor([255.0]))
        (None, tensor([255.]))
    """
    return (
        None if mean is None or _is_constant(mean, 0.0) else mean,
        None if std is None or _is_constant(std, 1.0) else std,
    )


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
            blocks, e.g. ``(C, 1, 1)``; None: nothing subtracted.
        std (Tensor, optional): Like ``mean``; None: no division.

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
    layout = uint8_layout(image)
    if layout is not None and _slot_takes_planes(out, image):
        channels, height = image.shape[:2]
        means = channel_values(mean, channels)
        stds = channel_values(std, channels)
        if means is not None and stds is not None:
            region = out.numpy()[..., :height, :]  # as wide as the image
            write_planes(region, image, layout, order, means, stds)
            return
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
        if mean is not None:
            block.sub_(mean)
        if std is not None:
            block.div_(std)


def _is_constant(value: torch.Tensor, constant: float) -> bool:
    """Whether a CPU tensor holds ``constant`` only (False elsewhere: the
    check would wait for the device)."""
    return value.device.type == 'cpu' and bool((value == constant).all())


def _slot_takes_planes(out: torch.Tensor, image: torch.Tensor) -> bool:
    """Whether OpenCV can write image planes into ``out``: a CPU float32
    slot as wide as the image (OpenCV writes a padded slot's rows through
    a temporary, slower than the block path)."""
    return (
        out.dtype == torch.float32
        and out.device.type == 'cpu'
        and out.shape[-1] == image.shape[-1]
        and not out.requires_grad
    )


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
