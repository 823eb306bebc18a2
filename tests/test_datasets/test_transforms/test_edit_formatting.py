# Copyright (c) mmflow_ext contributors. All rights reserved.
import numpy as np
import pytest
import torch

from mmflow_ext.datasets.transforms.edit_formatting import PackInputs
from mmflow_ext.structures import DataSample


def _results(**extra):
    results = dict(
        img=np.arange(12, dtype=np.uint8).reshape(2, 2, 3),
        gt=np.ones((4, 4, 3), np.uint8),
        gt_path='gt.png',
        img_path='img.png',
        ori_gt_shape=(4, 4, 3),
    )
    results.update(extra)
    return results


def test_one_key_gives_a_tensor_and_maps_the_rest():
    packed = PackInputs()(_results())
    inputs, sample = packed['inputs'], packed['data_samples']
    assert isinstance(sample, DataSample)
    assert torch.equal(
        inputs,
        torch.arange(12, dtype=torch.uint8).reshape(2, 2, 3).permute(2, 0, 1),
    )
    assert set(sample.keys()) == {'gt_img'}
    assert 'img' not in sample
    assert sample.gt_path == 'gt.png' and sample.img_path == 'img.png'
    assert sample.ori_gt_shape == (4, 4, 3)


def test_several_keys_give_a_dict_and_none_gives_empty_dict():
    results = _results(merged=np.zeros((4, 4, 3), np.uint8))
    inputs = PackInputs(keys=['img', 'merged'])(results)['inputs']
    assert sorted(inputs) == ['img', 'merged']
    assert inputs['merged'].shape == (3, 4, 4)
    assert PackInputs(keys='noise')(_results())['inputs'] == {}
    assert PackInputs(keys=['img', 'noise'])(_results(noise=None))[
        'inputs'
    ].shape == (3, 2, 2)


def test_meta_and_data_keys():
    packed = PackInputs(meta_keys=['scale'], data_keys='gt')(_results(scale=4))
    sample = packed['data_samples']
    assert sample.scale == 4
    assert 'gt' in sample and 'gt_img' not in sample
    assert sample.gt.shape == (3, 4, 4)
    with pytest.raises(TypeError, match='keys must be a key or a list'):
        PackInputs(keys=None)


def test_repr_is_mmagics():
    assert repr(PackInputs(keys='img', meta_keys=['a'])) == 'PackInputs'
    formatting = pytest.importorskip('mmagic.datasets.transforms.formatting')
    for kwargs in (dict(), dict(keys='img', meta_keys=['a'], data_keys='b')):
        assert repr(PackInputs(**kwargs)) == repr(
            formatting.PackInputs(**kwargs)
        )
