# Copyright (c) mmflow_ext contributors. All rights reserved.
"""The preprocessing steps both data preprocessors share."""

import re

import pytest
import torch

from mmflow_ext.models.utils import (
    check_std,
    fill_padding,
    flip_channels,
    flipped_channels,
    preprocessing,
    write_normalized,
)


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
