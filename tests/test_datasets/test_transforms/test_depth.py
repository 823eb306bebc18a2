# Copyright (c) mmflow_ext contributors. All rights reserved.
import cv2
import numpy as np
import pytest
import torch
from seg_reference import compare_seeded

from mmflow_ext.datasets.transforms import (
    LoadDepthAnnotation,
    PackSegInputs,
    RandomDepthMix,
)

SEEDS = range(12)


def depth_results(height=12, width=16, channels=3, seed=0):
    rng = np.random.default_rng(seed)
    shape = (height, width, channels) if channels else (height, width)
    return dict(
        img=rng.integers(0, 256, shape, dtype=np.uint8),
        gt_depth_map=rng.uniform(0.5, 9.0, (height, width)).astype(np.float32),
        depth_rescale_factor=1e-3,
        seg_fields=['gt_depth_map'],
        img_shape=(height, width),
    )


def write_depth(tmp_path, depth=None):
    depth = (
        np.arange(12, dtype=np.uint16).reshape(3, 4) * 1000
        if depth is None
        else depth
    )
    path = str(tmp_path / 'kitchen_0001.png')
    cv2.imwrite(path, depth)
    return path, depth


def test_load_depth_rescales_16bit_png(tmp_path):
    path, depth = write_depth(tmp_path)
    results = LoadDepthAnnotation(depth_rescale_factor=1e-3)(
        dict(depth_map_path=path, seg_fields=[])
    )
    assert results['gt_depth_map'].dtype == np.float32
    np.testing.assert_allclose(
        results['gt_depth_map'], depth.astype(np.float32) * 1e-3
    )
    assert results['seg_fields'] == ['gt_depth_map']
    assert results['depth_rescale_factor'] == 1e-3


def test_load_depth_numpy_keeps_dtype(tmp_path):
    path = str(tmp_path / 'd.npy')
    np.save(path, np.array([[1, 2]], np.uint16))
    out = LoadDepthAnnotation('numpy', to_float32=False)(
        dict(depth_map_path=path, seg_fields=[])
    )
    assert out['gt_depth_map'].dtype == np.uint16
    assert out['gt_depth_map'].tolist() == [[1, 2]]


def test_undecodable_depth_names_file(tmp_path):
    path = tmp_path / 'broken.png'
    path.write_bytes(b'not a png')
    with pytest.raises(ValueError, match='broken.png does not decode'):
        LoadDepthAnnotation()(dict(depth_map_path=str(path), seg_fields=[]))
    with pytest.raises(ValueError, match='decode_backend must be one of'):
        LoadDepthAnnotation('tiff')(
            dict(depth_map_path=str(path), seg_fields=[])
        )


def test_depth_mix_hand_computed():
    results = depth_results(2, 4, channels=0)
    results['img'] = np.zeros((2, 4), np.float32)
    results['depth_rescale_factor'] = 0.5
    np.random.seed(0)
    draws = np.random.random(3)
    np.random.seed(0)
    out = RandomDepthMix(prob=1.0)(results)
    left = int(4 * draws[0])
    width = int(max(1, (4 - left) * 0.75 * draws[1]))
    expected = np.zeros((2, 4), np.float32)
    cols = slice(left, left + width)
    expected[:, cols] = results['gt_depth_map'][:, cols] / 0.5
    np.testing.assert_array_equal(out['img'], expected)


def test_depth_mix_rejects_4d_image():
    results = depth_results()
    results['img'] = results['img'][None]
    with pytest.raises(ValueError, match=r'\(H, W\) or \(H, W, C\)'):
        RandomDepthMix(prob=1.0)(results)


def test_pack_depth_map():
    results = depth_results()
    packed = PackSegInputs()(results)['data_samples']
    depth = packed.gt_depth_map.data
    assert depth.shape == (1, 12, 16) and depth.dtype == torch.float32
    assert torch.equal(depth[0], torch.from_numpy(results['gt_depth_map']))


def mmseg_transforms():
    return pytest.importorskip('mmseg.datasets.transforms')


@pytest.mark.parametrize(
    'kwargs', [dict(), dict(prob=1.0), dict(prob=0.6, mix_scale_ratio=0.3)]
)
@pytest.mark.parametrize('channels', [0, 3])
def test_depth_mix_as_mmseg(kwargs, channels):
    upstream = mmseg_transforms()
    ours, theirs = RandomDepthMix(**kwargs), upstream.RandomDepthMix(**kwargs)
    compare_seeded(ours, theirs, depth_results(channels=channels), SEEDS)


@pytest.mark.parametrize(
    'kwargs',
    [
        dict(depth_rescale_factor=1e-3),
        dict(decode_backend='cv2', depth_rescale_factor=0.5),
        dict(backend_args=dict(backend='local')),
    ],
)
def test_load_depth_as_mmseg(tmp_path, kwargs):
    upstream = mmseg_transforms()
    path, _ = write_depth(tmp_path)
    ours = LoadDepthAnnotation(**kwargs)
    theirs = upstream.LoadDepthAnnotation(**kwargs)
    assert repr(ours) == repr(theirs)
    out_ours = ours(dict(depth_map_path=path, seg_fields=[]))
    out_theirs = theirs(dict(depth_map_path=path, seg_fields=[]))
    assert set(out_ours) == set(out_theirs)
    assert out_ours['gt_depth_map'].dtype == out_theirs['gt_depth_map'].dtype
    np.testing.assert_array_equal(
        out_ours['gt_depth_map'], out_theirs['gt_depth_map']
    )
    assert out_ours['seg_fields'] == out_theirs['seg_fields']


def test_pack_depth_as_mmseg():
    upstream = mmseg_transforms()
    results = depth_results()
    ours = PackSegInputs()(dict(results))['data_samples']
    theirs = upstream.PackSegInputs()(dict(results))['data_samples']
    assert torch.equal(ours.gt_depth_map.data, theirs.gt_depth_map.data)
    assert ours.gt_depth_map.data.dtype == theirs.gt_depth_map.data.dtype


@pytest.mark.parametrize('direction', ['horizontal', 'vertical'])
def test_flip_moves_depth_with_image(direction):
    from mmflow_ext.datasets.transforms import RandomFlip

    results = depth_results()
    out = RandomFlip(prob=1.0, direction=direction)(dict(results))
    axis = 1 if direction == 'horizontal' else 0
    np.testing.assert_array_equal(
        out['gt_depth_map'], np.flip(results['gt_depth_map'], axis)
    )
    np.testing.assert_array_equal(out['img'], np.flip(results['img'], axis))


def test_flip_as_mmseg():
    from mmflow_ext.datasets.transforms import RandomFlip

    upstream = mmseg_transforms()
    results = depth_results()
    results['gt_seg_map'] = (results['gt_depth_map'] > 4).astype(np.uint8)
    results['seg_fields'] = ['gt_seg_map', 'gt_depth_map']
    kwargs = dict(prob=0.5, direction='horizontal')
    compare_seeded(
        RandomFlip(**kwargs), upstream.RandomFlip(**kwargs), results, SEEDS
    )


@pytest.mark.parametrize('keep_ratio', [True, False])
def test_resize_depth_as_mmseg(keep_ratio):
    from mmflow_ext.datasets.transforms import Resize

    upstream = mmseg_transforms()
    results = depth_results()
    results['gt_seg_map'] = (results['gt_depth_map'] > 4).astype(np.uint8)
    results['seg_fields'] = ['gt_seg_map', 'gt_depth_map']
    kwargs = dict(scale=(24, 30), keep_ratio=keep_ratio)
    ours = Resize(**kwargs)(dict(results))
    theirs = upstream.Resize(**kwargs)(dict(results))
    for key in ('img', 'gt_seg_map', 'gt_depth_map'):
        np.testing.assert_array_equal(ours[key], theirs[key])
    assert ours['gt_depth_map'].shape == ours['img'].shape[:2]
