# Copyright (c) mmflow_ext contributors. All rights reserved.
import pytest
import torch
from mmengine.structures import PixelData

from mmflow_ext.structures import SegDataSample


@pytest.mark.parametrize('name', ['gt_sem_seg', 'pred_sem_seg', 'seg_logits'])
def test_typed_fields_refuse_other_types_and_stay_unset(name):
    sample = SegDataSample()
    with pytest.raises(
        TypeError,
        match=f'^SegDataSample.{name} must be a PixelData, got Tensor$',
    ):
        setattr(sample, name, torch.zeros(1, 2, 2))
    assert name not in sample and sample.keys() == []
    with pytest.raises(TypeError, match=f'SegDataSample.{name} must be'):
        sample.set_data({name: 1})
    assert sample.keys() == []


def test_typed_field_accepts_pixel_data_and_keeps_values():
    labels = torch.tensor([[[0, 1], [2, 255]]], dtype=torch.uint8)
    sample = SegDataSample(metainfo=dict(img_shape=(2, 2)))
    sample.gt_sem_seg = PixelData(data=labels)
    sample.seg_logits = PixelData(data=torch.ones(3, 2, 2))
    assert sample.gt_sem_seg.data is labels
    assert sorted(sample.keys()) == ['gt_sem_seg', 'seg_logits']
    assert sample.to_dict()['gt_sem_seg']['data'].tolist() == labels.tolist()


def test_untyped_fields_and_metainfo_are_free():
    sample = SegDataSample()
    sample.gt_edge_map = torch.zeros(1, 2, 2)  # not typed
    sample.set_metainfo(dict(seg_map_path='a.png'))
    assert sample.keys() == ['gt_edge_map']
    assert sample.seg_map_path == 'a.png'


def test_a_failed_assignment_leaves_the_old_value():
    old = PixelData(data=torch.zeros(1, 2, 2))
    sample = SegDataSample(gt_sem_seg=old)
    with pytest.raises(TypeError):
        sample.gt_sem_seg = 'labels'
    assert sample.gt_sem_seg is old


def test_same_fields_as_mmsegmentation():
    mmseg = pytest.importorskip('mmseg.structures')
    theirs = mmseg.SegDataSample()
    theirs.gt_sem_seg = PixelData(data=torch.zeros(1, 2, 2))
    ours = SegDataSample(gt_sem_seg=PixelData(data=torch.zeros(1, 2, 2)))
    assert ours.keys() == [k.lstrip('_') for k in theirs.keys()]
    with pytest.raises(AssertionError):  # theirs: a bare AssertionError
        theirs.pred_sem_seg = torch.zeros(1, 2, 2)
