# Copyright (c) mmflow_ext contributors. All rights reserved.
"""The preprocessing steps both data preprocessors share."""

import re

import pytest
import torch

from mmflow_ext.models.utils import (
    active_normalization,
    check_std,
    fill_padding,
    flip_channels,
    flipped_channels,
    preprocessing,
    write_normalized,
)
from mmflow_ext.models.utils.uint8_planes import uint8_layout


def test_flipped_channels_keep_alpha_and_refuse_other_counts():
    assert flipped_channels(3) == [2, 1, 0]
    assert flipped_channels(4) == [2, 1, 0, 3]
    with pytest.raises(ValueError, match='got 1 channels'):
        flipped_channels(1)
    video = torch.arange(2 * 4 * 1 * 1).view(2, 4, 1, 1)
    assert flip_channels(video, 1)[:, :, 0, 0].tolist() == [
        [2, 1, 0, 3],
        [6, 5, 4, 7],
    ]


@pytest.mark.parametrize('shape', [(3, 7, 5), (2, 3, 7, 5)])
@pytest.mark.parametrize('flip', [False, True])
def test_write_normalized_is_bit_exact_in_several_blocks(
    monkeypatch, shape, flip
):
    # 2 rows per block: 7 rows take 4 blocks, the last one short
    monkeypatch.setattr(preprocessing, 'BLOCK_ELEMENTS', 10)
    gen = torch.Generator().manual_seed(0)
    image = torch.randint(0, 256, shape, dtype=torch.uint8, generator=gen)
    mean = torch.tensor([123.675, 116.28, 103.53]).view(-1, 1, 1)
    std = torch.tensor([58.395, 57.12, 57.375]).view(-1, 1, 1)
    out = torch.full(shape[:-2] + (9, 6), 7.0)
    order = flipped_channels(3) if flip else None
    write_normalized(out, image, order, mean, std)
    source = image.flip(-3) if flip else image
    expected = (source.float() - mean) / std
    assert torch.equal(out[..., :7, :5], expected)
    # what lies outside the image is left alone
    assert (out[..., 7:, :] == 7).all() and (out[..., :, 5:] == 7).all()
    plain = torch.empty(shape, dtype=torch.float32)
    write_normalized(plain, image)
    assert torch.equal(plain, image.float())


@pytest.mark.parametrize('channels', [3, 4])
@pytest.mark.parametrize('flip', [False, True])
@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_write_normalized_of_a_channels_last_crop_view(
    monkeypatch, channels, flip, dtype
):
    """The CHW view of an HWC crop (PackSegInputs' layout) is looked up
    channel by channel (float32) or normalized block by block (other
    dtypes); the numbers are those of the plain arithmetic."""
    monkeypatch.setattr(preprocessing, 'BLOCK_ELEMENTS', 10)
    gen = torch.Generator().manual_seed(1)
    hwc = torch.randint(
        0, 256, (11, 13, channels), dtype=torch.uint8, generator=gen
    )
    image = hwc[2:9, 3:8].permute(2, 0, 1)  # 7x5, rows 13 pixels apart
    assert uint8_layout(image) == 'last'
    mean = torch.arange(channels, dtype=torch.float32).view(-1, 1, 1) * 40
    std = torch.arange(1, channels + 1, dtype=torch.float32).view(-1, 1, 1)
    out = torch.full((channels, 9, 6), 7.0, dtype=dtype)
    order = flipped_channels(channels) if flip else None
    write_normalized(out, image, order, mean, std)
    source = (image[order] if flip else image).to(dtype)
    assert torch.equal(out[:, :7, :5], (source - mean) / std)
    assert (out[:, 7:, :] == 7).all() and (out[:, :, 5:] == 7).all()


@pytest.mark.parametrize(
    'mean, std', [(0.0, 255.0), (127.5, 1.0), (0.0, 1.0), (-0.0, 255.0)]
)
@pytest.mark.parametrize(
    'shape, dtype',
    [
        ((3, 16, 16), torch.uint8),  # OpenCV planes
        ((2, 3, 16, 16), torch.uint8),  # blocks (video)
        ((3, 16, 16), torch.float64),  # blocks (float)
    ],
)
def test_active_normalization_leaves_out_no_op_passes_exactly(
    mean, std, shape, dtype
):
    """A zero mean or a unit std becomes None; the numbers written stay
    those of ``(x.float() - mean) / std``."""
    image = torch.arange(256, dtype=torch.uint8).view(16, 16)
    image = image.expand(shape).to(dtype).contiguous()
    mean_t = torch.full((3, 1, 1), mean)
    std_t = torch.full((3, 1, 1), std)
    active = active_normalization(mean_t, std_t)
    assert (active[0] is None) == (mean == 0)
    assert (active[1] is None) == (std == 1)
    out = torch.empty(shape)
    write_normalized(out, image, None, *active)
    expected = (image.float() - mean_t) / std_t
    assert torch.equal(out, expected)
    assert out[..., 0, 15, 15].flatten()[0].item() == (255 - mean) / std


def test_active_normalization_keeps_device_values_unread():
    meta = torch.zeros(3, 1, 1, device='meta')
    assert active_normalization(meta, meta) == (meta, meta)
    assert active_normalization(None, None) == (None, None)


@pytest.mark.parametrize('size', [(1, 1), (2, 2), (1, 5), (5, 1)])
def test_write_normalized_of_tiny_images(size):
    """Planes of up to 4 pixels (which OpenCV would read as a scalar) take
    the block path; the numbers are the plain arithmetic either way."""
    image = torch.arange(3 * size[0] * size[1], dtype=torch.uint8)
    image = image.view(3, *size).mul(37)
    std = torch.tensor([1.0, 1.0, 0.5]).view(3, 1, 1)
    out = torch.empty(3, *size)
    write_normalized(out, image, [2, 1, 0], None, std)
    assert torch.equal(out, image[[2, 1, 0]].float() / std)


def test_fill_padding_with_a_value_or_one_per_channel():
    out = torch.zeros(2, 3, 4)
    fill_padding(out, 2, 3, 5.0)
    assert out[0].tolist() == [[0, 0, 0, 5], [0, 0, 0, 5], [5, 5, 5, 5]]
    per_channel = torch.tensor([1.0, 2.0]).view(2, 1, 1)
    fill_padding(out, 1, 2, per_channel)
    assert out[1].tolist() == [[0, 0, 2, 2], [2, 2, 2, 2], [2, 2, 2, 2]]
    whole = torch.zeros(1, 2, 2)
    fill_padding(whole, 2, 2, 9.0)
    assert not whole.any()


@pytest.mark.parametrize('std', [0, [1.0, 0.0, 2.0], (0.0,)])
def test_check_std_names_the_value(std):
    with pytest.raises(
        ValueError,
        match=re.escape(f'Pre: std must not contain 0, got std={std!r}'),
    ):
        check_std(std, 'Pre')
    check_std(None, 'Pre')
    check_std([1e-9, 3], 'Pre')
