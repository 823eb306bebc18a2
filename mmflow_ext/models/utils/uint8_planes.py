# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Normalizing a uint8 CPU image into a float32 slot with OpenCV, one
channel plane at a time (the fast path of
:func:`~mmflow_ext.models.utils.preprocessing.write_normalized`).

- :func:`uint8_layout`: whether an image is a CPU uint8 ``(C, h, w)``
  tensor whose channels OpenCV can read: channels last (the CHW view of
  an HWC array that ``PackSegInputs`` hands over; each channel is pulled
  into one reused plane by ``cv2.extractChannel``) or channels first with
  contiguous rows (each channel is a plane already);
- :func:`channel_values`: a mean or std as one float per channel;
- :func:`write_planes`: every plane written into its slot channel by one
  OpenCV call, chosen per ``(mean, std)`` by :func:`plane_op`.

Every call is checked once, on all 256 values in both of OpenCV's loops
(the vector body and the scalar row tail), against the straightforward
float32 ``(x - mean) / std`` of torch; only a call that reproduces it bit
for bit is used. ``cv2.divide`` / ``cv2.subtract`` by a scalar (one pass,
the usual std-only or mean-only configs) come first, ``cv2.LUT`` through
the float32 table of the 256 values (also one pass, but a gather) is the
fallback that is exact by construction.
"""

from functools import lru_cache
from typing import Callable, List, Optional, Sequence

import cv2
import numpy as np
import torch

from mmflow_ext.utils import ALL_UINT8, loop_probes

__all__ = ['uint8_layout', 'channel_values', 'write_planes', 'plane_op']

#: ``op(plane, dst)`` writes the normalized uint8 ``plane`` into the
#: float32 ``dst`` and returns what it wrote (``dst`` unless OpenCV could
#: not write in place)
PlaneOp = Callable[[np.ndarray, np.ndarray], np.ndarray]


def uint8_layout(image: torch.Tensor) -> Optional[str]:
    """How OpenCV can read the channels of ``image``.

    Args:
        image (Tensor): A sample ``(C, h, w)``.

    Returns:
        str | None: ``'last'`` for channels-last storage (rows may be
        apart, as in a crop), ``'first'`` for channel planes with
        contiguous rows, None for any other image (not a CPU uint8
        ``(C, h, w)`` tensor with 2 to 4 channels and more than 4 pixels).

    Examples:
        >>> hwc = torch.zeros(4, 5, 3, dtype=torch.uint8)
        >>> uint8_layout(hwc.permute(2, 0, 1))
        'last'
        >>> uint8_layout(hwc.permute(2, 0, 1).contiguous())
        'first'
        >>> uint8_layout(hwc.permute(2, 0, 1).float()) is None
        True
    """
    if (
        image.dim() != 3
        or image.dtype != torch.uint8
        or image.device.type != 'cpu'
        or image.requires_grad
        or not 1 < image.shape[0] <= 4
        # OpenCV's arithmetic takes an array of up to 4 values for a scalar
        or image.shape[1] * image.shape[2] <= 4
    ):
        return None
    channels, height, width = image.shape
    channel_stride, row_stride, col_stride = image.stride()
    if (
        channel_stride == 1
        and col_stride == channels
        and row_stride >= width * channels
    ):
        return 'last'
    if (
        col_stride == 1
        and row_stride >= width
        and channel_stride >= row_stride * height
    ):
        return 'first'
    return None


def write_planes(
    region: np.ndarray,
    image: torch.Tensor,
    layout: str,
    order: Optional[Sequence[int]],
    means: Sequence[Optional[float]],
    stds: Sequence[Optional[float]],
) -> None:
    """Write ``(image[order] - mean) / std`` into ``region``.

    Args:
        region (np.ndarray): The float32 ``(C, h, w)`` destination, rows
            contiguous.
        image (Tensor): The uint8 sample, of :func:`uint8_layout`
            ``layout``.
        layout (str): ``'last'`` or ``'first'``.
        order (Sequence[int], optional): Source channel of each output
            channel; None keeps the order.
        means (Sequence[float | None]): The mean of each output channel
            (:func:`channel_values`); None: nothing subtracted.
        stds (Sequence[float | None]): The std of each output channel;
            None: no division.
    """
    channels, height, width = image.shape
    if layout == 'last':
        hwc = image.permute(1, 2, 0).numpy()
        plane = np.empty((height, width), np.uint8)
    else:
        chw = image.numpy()
    for dst, src in enumerate(range(channels) if order is None else order):
        if layout == 'last':
            cv2.extractChannel(hwc, src, dst=plane)
            source = plane
        else:
            source = chw[src]
        target = region[dst]
        written = plane_op(means[dst], stds[dst])(source, target)
        if written is not target:
            target[...] = written  # OpenCV could not write in place


def channel_values(
    value: Optional[torch.Tensor], channels: int
) -> Optional[List[Optional[float]]]:
    """A float32 CPU mean or std as one Python float per channel.

    Args:
        value (Tensor, optional): ``channels`` values or one for all, in
            any shape that broadcasts over the channel axis of a
            ``(C, h, w)`` image (``(C, 1, 1)``, ``(1, 1)``, ``()``...).
        channels (int): Channels of the image.

    Returns:
        list | None: ``channels`` floats (each exactly its float32; all
        None for a None ``value``), or None when ``value`` is not such a
        tensor.

    Examples:
        >>> channel_values(torch.tensor([1.0, 2.0]).view(2, 1, 1), 2)
        [1.0, 2.0]
        >>> channel_values(torch.tensor(255.0), 3)
        [255.0, 255.0, 255.0]
        >>> channel_values(torch.tensor([1.0, 2.0]), 2) is None  # by width
        True
    """
    if value is None:
        return [None] * channels
    if (
        value.dtype != torch.float32
        or value.device.type != 'cpu'
        or value.dim() > 3
        or any(size != 1 for size in value.shape[-2:])
        or value.numel() not in (1, channels)
    ):
        return None
    values = value.reshape(-1).tolist()
    return values * channels if len(values) == 1 else values


@lru_cache(maxsize=256)
def plane_op(mean: Optional[float], std: Optional[float]) -> PlaneOp:
    """The fastest OpenCV call that writes ``(plane - mean) / std`` bit for
    bit as torch's float32 arithmetic does.

    Args:
        mean (float, optional): A float32 value; None: nothing subtracted.
        std (float, optional): A float32 value; None: no division.

    Returns:
        Callable: ``op(plane, dst)``.

    Examples:
        >>> plane = np.array([[0, 51, 255]], np.uint8)
        >>> plane_op(None, 255.0)(plane, np.empty((1, 3), np.float32))
        array([[0. , 0.2, 1. ]], dtype=float32)
    """
    table = torch.arange(256, dtype=torch.float32)
    if mean is not None:
        table.sub_(torch.tensor(mean, dtype=torch.float32))
    if std is not None:
        table.div_(torch.tensor(std, dtype=torch.float32))
    values = table.numpy()
    if mean is None and std is not None:

        def scalar_op(plane: np.ndarray, dst: np.ndarray) -> np.ndarray:
            return cv2.divide(plane, std, dst=dst, dtype=cv2.CV_32F)

    elif std is None and mean is not None:

        def scalar_op(plane: np.ndarray, dst: np.ndarray) -> np.ndarray:
            return cv2.subtract(plane, mean, dst=dst, dtype=cv2.CV_32F)

    else:
        scalar_op = None
    if scalar_op is not None and _reproduces(scalar_op, values):
        return scalar_op

    def lookup(plane: np.ndarray, dst: np.ndarray) -> np.ndarray:
        return cv2.LUT(plane, values, dst=dst)

    return lookup


def _reproduces(op: PlaneOp, values: np.ndarray) -> bool:
    """Whether ``op`` maps every uint8 value to ``values`` in both of
    OpenCV's loops (:func:`~mmflow_ext.utils.loop_probes`)."""
    for plane in loop_probes(ALL_UINT8):
        try:
            written = op(plane, np.empty(plane.shape, np.float32))
        except cv2.error:
            return False
        if not np.array_equal(written, values[plane]):
            return False
    return True
