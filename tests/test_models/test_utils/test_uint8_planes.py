# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Writing uint8 channel planes with OpenCV, bit for bit torch's float32
``(x - mean) / std``."""

import numpy as np
import pytest
import torch

from mmflow_ext.models.utils import uint8_planes
from mmflow_ext.models.utils.uint8_planes import (
    channel_values,
    plane_op,
    uint8_layout,
    write_planes,
)

#: (mean, std) pairs of real configs and edge values, float32 like the
#: preprocessors' buffers
PAIRS = [
    (None, 255.0),
    (None, 127.5),
    (None, 58.395),
    (127.5, None),
    (123.675, None),
    (127.5, 127.5),
    (123.675, 58.395),
    (None, None),
    (0.5, 1e-3),
]


def _f32(value):
    return None if value is None else float(np.float32(value))


def test_uint8_layout_of_views_and_other_images():
    hwc = torch.zeros(6, 7, 3, dtype=torch.uint8)
    assert uint8_layout(hwc.permute(2, 0, 1)) == 'last'
    assert uint8_layout(hwc[1:5, 2:6].permute(2, 0, 1)) == 'last'
    chw = torch.zeros(3, 6, 7, dtype=torch.uint8)
    assert uint8_layout(chw) == 'first'
    assert uint8_layout(chw[:, 1:5, 2:6]) == 'first'  # rows apart
    for other in (
        chw.float(),
        chw[:1],  # one channel
        chw.unsqueeze(0),  # (T, C, H, W)
        chw[:, :, ::2],  # columns apart
        chw.transpose(1, 2),  # columns down
        torch.zeros(3, 0, 7, dtype=torch.uint8),
        torch.zeros(3, 2, 2, dtype=torch.uint8),  # OpenCV: a scalar
    ):
        assert uint8_layout(other) is None


@pytest.mark.parametrize('mean, std', PAIRS)
@pytest.mark.parametrize('width', [1, 7, 256, 1003])
def test_plane_op_is_bit_exact_in_vector_body_and_row_tail(mean, std, width):
    mean, std = _f32(mean), _f32(std)
    values = np.arange(256 * 4, dtype=np.int64) * 37 % 256
    plane = np.resize(values.astype(np.uint8), (5, width))
    expected = torch.from_numpy(plane).float()
    if mean is not None:
        expected = expected - torch.tensor(mean)
    if std is not None:
        expected = expected / torch.tensor(std)
    dst = np.full((5, width), np.nan, np.float32)
    written = plane_op(mean, std)(plane, dst)
    assert written is dst  # written in place
    assert np.array_equal(dst, expected.numpy())


def test_an_opencv_call_that_rounds_differently_is_not_used(monkeypatch):
    """The scalar division is probed: a stand-in that multiplies by the
    reciprocal (off by one ulp for some values) falls back to the
    lookup, still exact."""

    def by_reciprocal(src, value, dst=None, dtype=None):
        return np.multiply(
            src, np.float32(1 / value), out=dst, dtype=np.float32
        )

    std = _f32(58.395)
    plane_op.cache_clear()
    monkeypatch.setattr(uint8_planes.cv2, 'divide', by_reciprocal)
    op = plane_op(None, std)
    plane_op.cache_clear()
    assert op.__name__ == 'lookup'
    plane = np.arange(256, dtype=np.uint8).reshape(16, 16)
    out = op(plane, np.empty((16, 16), np.float32))
    expected = torch.from_numpy(plane).float() / torch.tensor(std)
    assert np.array_equal(out, expected.numpy())
    inexact = by_reciprocal(plane, std, None, None)
    assert not np.array_equal(inexact, expected.numpy())


@pytest.mark.parametrize('layout', ['first', 'last'])
@pytest.mark.parametrize('order', [None, [2, 1, 0]])
def test_write_planes_reorders_and_normalizes_crops(layout, order):
    gen = torch.Generator().manual_seed(3)
    full = torch.randint(0, 256, (3, 9, 11), dtype=torch.uint8, generator=gen)
    if layout == 'last':
        full = full.permute(1, 2, 0).contiguous().permute(2, 0, 1)
    image = full[:, 2:7, 1:9]  # 5x8, rows apart
    assert uint8_layout(image) == layout
    mean = torch.tensor([123.675, 116.28, 103.53]).view(3, 1, 1)
    std = torch.tensor([58.395, 57.12, 57.375]).view(3, 1, 1)
    region = np.full((3, 5, 8), np.nan, np.float32)
    means, stds = channel_values(mean, 3), channel_values(std, 3)
    write_planes(region, image, layout, order, means, stds)
    source = image if order is None else image[order]
    expected = (source.float() - mean) / std
    assert torch.equal(torch.from_numpy(region), expected)
    # one std for all channels, no mean
    stds = channel_values(torch.tensor(255.0), 3)
    write_planes(region, image, layout, order, [None] * 3, stds)
    assert torch.equal(torch.from_numpy(region), source.float() / 255)


def test_plane_op_takes_the_one_pass_scalar_calls_where_exact():
    """On the OpenCV this project pins, the scalar calls reproduce torch's
    arithmetic, so the std-only and mean-only configs get the faster
    call (a probe that wrongly refused them would only show as time)."""
    assert plane_op(None, 255.0).__name__ == 'scalar_op'
    assert plane_op(127.5, None).__name__ == 'scalar_op'
    assert plane_op(127.5, 127.5).__name__ == 'lookup'


def test_channel_values_only_for_per_channel_float32_cpu_values():
    assert channel_values(None, 2) == [None, None]
    assert (
        channel_values(torch.tensor([[[58.395]]]), 2)
        == [float(np.float32(58.395))] * 2
    )
    for other in (
        torch.tensor([1.0, 2.0]),  # broadcasts over the width
        torch.ones(3, 1, 1),  # three values for two channels
        torch.ones(2, 1, 1, dtype=torch.float64),
        torch.ones(1, 2, 1, 1),
        torch.ones(2, 1, 1, device='meta'),
    ):
        assert channel_values(other, 2) is None
