# Copyright (c) mmflow_ext contributors. All rights reserved.
"""One way to read a field from a data sample or its ``to_dict()`` form."""

import numpy as np
import pytest
import torch
from mmengine.structures import BaseDataElement, PixelData

from mmflow_ext.structures import (
    DataSample,
    SegDataSample,
    field_data,
    field_keys,
    get_field,
    has_field,
    sample_source,
)


def edit_sample():
    sample = DataSample(metainfo=dict(gt_path='gt/baboon.png'))
    sample.gt_img = torch.full((3, 2, 2), 4.0)
    sample.output = DataSample(pred_img=torch.full((3, 2, 2), 5.0))
    return sample


@pytest.mark.parametrize('as_dict', [False, True])
def test_sample_and_its_dict_read_the_same(as_dict):
    sample = edit_sample()
    source = sample.to_dict() if as_dict else sample
    assert get_field(source, 'gt_path') == 'gt/baboon.png'  # metainfo
    assert torch.equal(get_field(source, 'gt_img'), sample.gt_img)
    assert torch.equal(
        get_field(source, 'output.pred_img'), sample.output.pred_img
    )
    assert has_field(source, 'output.pred_img')
    assert not has_field(source, 'output.gt_img')
    assert not has_field(source, 'gt_img.data')  # a tensor has no fields


def test_missing_keys_name_the_key_and_what_is_there():
    source = edit_sample().to_dict()
    with pytest.raises(
        KeyError,
        match=r'"gt_sem_seg" is not in the data sample; keys present: '
        r'\[gt_img, gt_path, output\]',
    ):
        get_field(source, 'gt_sem_seg')
    with pytest.raises(
        KeyError,
        match=r'"output.pred" is not in the evaluated sample: "output" '
        r'has keys \[pred_img\]',
    ):
        get_field(source, 'output.pred', where='the evaluated sample')
    with pytest.raises(
        KeyError,
        match=r'"gt_img.x.y" .* "gt_img" has keys '
        r'\[\]',
    ):
        get_field(source, 'gt_img.x.y')


def test_no_silent_fallback_to_another_field():
    """MMagic's lookup returns the ``data`` entry for any missing key."""
    source = dict(data=torch.ones(2), output=dict(pred_img=torch.zeros(2)))
    with pytest.raises(KeyError, match='"gt_img" is not in'):
        get_field(source, 'gt_img')
    marker = object()
    assert get_field(source, 'gt_img', default=marker) is marker
    assert get_field(source, 'output.none', default=None) is None


def test_field_data_unwraps_pixel_data_in_both_forms():
    labels = torch.tensor([[[0, 1]]])
    sample = SegDataSample()
    sample.gt_sem_seg = PixelData(data=labels)
    assert field_data(get_field(sample, 'gt_sem_seg')) is labels
    assert field_data(get_field(sample.to_dict(), 'gt_sem_seg')) is labels
    array = np.zeros(2)
    assert field_data(array) is array
    assert field_data(dict(other=1)) == dict(other=1)


def test_field_keys():
    element = BaseDataElement(metainfo=dict(b=1), a=torch.zeros(1))
    assert field_keys(element) == ['a', 'b']
    assert field_keys({'z': 1, 'y': 2}) == ['y', 'z']
    assert field_keys(torch.zeros(1)) == []


def test_sample_source_names_the_label_map_first():
    seg = SegDataSample(metainfo=dict(img_path='a.jpg', seg_map_path='a.png'))
    assert sample_source(seg) == 'a.png'
    assert sample_source(seg.to_dict(), keys=('img_path',)) == 'a.jpg'
    assert sample_source(dict(img_path='b.jpg')) == 'b.jpg'
    assert sample_source(dict(gt_img=torch.zeros(1))) == '<array>'
