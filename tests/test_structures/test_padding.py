# Copyright (c) mmflow_ext contributors. All rights reserved.
"""The padding contract: batch shape, recorded forms, crop and scaling."""

import pytest
import torch
import torch.nn.functional as F

from mmflow_ext.structures.padding import (
    Padding,
    bottom_right_padding,
    crop_padding,
    edit_padding_size,
    padded_shape,
    read_padding,
    sample_padding,
    scale_padding,
    seg_padding_size,
)


def test_padded_shape():
    assert padded_shape([(5, 7), (6, 3)]) == (6, 7)
    assert padded_shape([(5, 7)], size_divisor=1) == (5, 7)
    assert padded_shape([(5, 7)], size_divisor=4) == (8, 8)
    assert padded_shape([(5, 7), (9, 1)], size_divisor=4) == (12, 8)
    assert padded_shape([(1, 1)], size=4) == (4, 4)
    assert padded_shape([(8, 8)], size=(8, 8)) == (8, 8)
    # an image larger than size is refused (it used to be kept whole, a
    # branch no preprocessor could reach)
    with pytest.raises(
        ValueError,
        match=r'image 1 \(b\.jpg\) is 9x7, larger than size=\(8, 8\): '
        r'padding cannot shrink it.*RandomCrop',
    ):
        padded_shape([(1, 1), (9, 7)], size=(8, 8), names=['a.jpg', 'b.jpg'])
    with pytest.raises(
        ValueError,
        match=r'image 0 is 2x9, larger than '
        r'test_cfg\.size=\(4, 4\)',
    ):
        padded_shape([(2, 9)], size=4, size_name='test_cfg.size')
    with pytest.raises(ValueError, match=r'size must be an int or \(h, w\)'):
        padded_shape([(2, 2)], size=(1, 2, 3))


def test_recorded_forms_round_trip():
    padding = bottom_right_padding((3, 5), (8, 6))
    assert padding == Padding(left=0, right=1, top=0, bottom=5)
    seg = seg_padding_size(padding)
    assert seg == (0, 1, 0, 5) and type(seg) is tuple
    assert all(type(v) is int for v in seg)
    for ndim in (2, 3, 4):
        edit = edit_padding_size(padding, ndim)
        assert edit.dtype == torch.float32 and edit.shape == (ndim,)
        assert edit[-2:].tolist() == [5.0, 1.0] and not edit[:-2].any()
        assert read_padding(edit) == padding
    assert read_padding(seg) == padding
    assert read_padding([1, 2, 3, 4]) == Padding(1, 2, 3, 4)
    with pytest.raises(ValueError, match='bottom and right only'):
        edit_padding_size(Padding(1, 0, 0, 0), 3)
    with pytest.raises(ValueError, match=r'\(left, right, top, bottom\)'):
        read_padding((0, 1, 2))
    with pytest.raises(ValueError, match='at least 2'):
        read_padding(torch.zeros(1))


def test_sample_padding_reads_the_test_key_first():
    assert sample_padding(dict()) is None
    assert sample_padding(dict(padding_size=(0, 1, 0, 2))) == (0, 1, 0, 2)
    meta = dict(img_padding_size=(0, 3, 0, 4), padding_size=(0, 1, 0, 2))
    assert sample_padding(meta) == (0, 3, 0, 4)
    assert sample_padding(
        dict(padding_size=torch.tensor([0.0, 2.0, 1.0]))
    ) == Padding(0, 1, 0, 2)


def test_crop_undoes_f_pad_at_any_scale():
    gen = torch.Generator().manual_seed(0)
    image = torch.rand(2, 3, 5, 7, generator=gen)
    padding = Padding(1, 2, 3, 4)
    padded = F.pad(image, padding, value=-1.0)
    assert torch.equal(crop_padding(padded, padding), image)
    pad_shape = tuple(padded.shape[-2:])
    # an output at the padded input's size: the padding as it is
    assert torch.equal(crop_padding(padded, padding, pad_shape), image)
    # an upscaled output holds the padding scaled by the same factor
    upscaled = F.interpolate(padded, scale_factor=2, mode='nearest')
    assert torch.equal(
        crop_padding(upscaled, padding, pad_shape),
        F.interpolate(image, scale_factor=2, mode='nearest'),
    )
    crop = crop_padding(padded, padding)
    assert (
        crop.untyped_storage().data_ptr()
        == padded.untyped_storage().data_ptr()
    )  # a view, no copy


def test_scale_padding_rounds_each_axis():
    padding = Padding(0, 3, 0, 1)
    assert scale_padding(padding, (20, 30), (10, 15)) == (0, 6, 0, 2)
    assert scale_padding(padding, (10, 15), (10, 15)) is padding
    assert scale_padding(padding, (7, 7), None) is padding
    # 3 * 5 / 3 = 5 columns, 1 * 4 / 3 = 1.33 -> 1 row
    assert scale_padding(padding, (4, 5), (3, 3)) == (0, 5, 0, 1)
    # pad_shape may carry a channel count after (h, w)
    assert scale_padding(padding, (20, 30), (10, 15, 3)) == (0, 6, 0, 2)
