# Copyright (c) mmflow_ext contributors. All rights reserved.
import mmcv
import numpy as np
import pytest
from seg_reference import (
    assert_same_results,
    compare_seeded,
    run_seeded,
    seg_results,
    upstream_transforms,
)

from mmflow_ext.datasets.transforms import (
    RandomRotate,
    RandomRotFlip,
    ResizeShortestEdge,
    ResizeToMultiple,
    SegRescale,
)
from mmflow_ext.registry import TRANSFORMS


def test_resize_to_multiple_rounds_each_side_up():
    out = ResizeToMultiple(size_divisor=16)(seg_results(20, 33))
    assert out['img'].shape == (32, 48, 3)
    assert out['gt_seg_map'].shape == (32, 48)
    assert out['img_shape'] == out['pad_shape'] == (32, 48)
    # nearest: no new labels
    assert set(np.unique(out['gt_seg_map'])) <= set(
        np.unique(seg_results(20, 33)['gt_seg_map'])
    )


def test_resize_shortest_edge_caps_the_long_side():
    t = ResizeShortestEdge(scale=(32, 64), max_size=40)
    # short side 32 (the smaller of the tuple), long side 64 > 40
    assert t.output_shape(20, 10) == (20, 40)
    assert t.output_shape(10, 10) == (32, 32)
    out = t(seg_results(24, 32))
    assert out['img'].shape == (30, 40, 3)
    assert out['gt_seg_map'].shape == (30, 40)
    assert out['keep_ratio'] is True
    assert repr(t) == 'ResizeShortestEdge(scale=(32, 64), max_size=40)'


def test_seg_rescale_only_touches_maps():
    results = seg_results(8, 12)
    out = SegRescale(scale_factor=0.5)(dict(results))
    assert out['gt_seg_map'].shape == (4, 6)
    assert out['img'].shape == (8, 12, 3)
    assert np.array_equal(out['gt_seg_map'], results['gt_seg_map'][::2, ::2])
    assert SegRescale()(dict(results))['gt_seg_map'] is results['gt_seg_map']


def test_random_rotate_rotates_maps_nearest_with_seg_pad_val():
    t = RandomRotate(prob=1.0, degree=(90, 90), seg_pad_val=200)
    results = seg_results(10, 10)
    out = t(dict(results))
    # mmcv turns positive angles clockwise
    assert np.array_equal(
        out['gt_seg_map'], np.rot90(results['gt_seg_map'], -1)
    )
    t = RandomRotate(prob=1.0, degree=(45, 45), seg_pad_val=200)
    out = t(dict(seg_results(10, 10)))
    assert out['gt_seg_map'][0, 0] == 200
    assert set(np.unique(out['gt_seg_map'])) <= set(
        np.unique(results['gt_seg_map'])
    ) | {200}


def test_random_rot_flip_keeps_labels_and_pairs():
    results = seg_results(16, 16)
    labels = set(np.unique(results['gt_seg_map']))
    for seed in range(10):
        np.random.seed(seed)
        out = RandomRotFlip(rotate_prob=0.5, flip_prob=0.5)(dict(results))
        # label maps rotate nearest: no invented labels (upstream:
        # bilinear)
        assert set(np.unique(out['gt_seg_map'])) <= labels | {0}


@pytest.mark.parametrize(
    'kwargs,message',
    [
        (dict(prob=1.5, degree=10), r'prob must be in \[0, 1\], got 1.5'),
        (dict(prob=0.5, degree=-3), 'degree -3 should be positive'),
        (
            dict(prob=0.5, degree=(1, 2, 3)),
            r'degree \(1, 2, 3\) should be a '
            r'tuple of \(min, max\)',
        ),
    ],
)
def test_bad_rotate_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RandomRotate(**kwargs)


def test_registered():
    for name in (
        'ResizeToMultiple',
        'ResizeShortestEdge',
        'SegRescale',
        'RandomRotate',
        'RandomRotFlip',
    ):
        assert TRANSFORMS.get(name).__module__.endswith('seg_geometric')


# ---------------------------------------------------------------------------
# differential tests against MMSegmentation (reference environment only)

SEEDS = range(12)


@pytest.mark.parametrize(
    'kwargs',
    [
        dict(),
        dict(size_divisor=7, interpolation='bicubic'),
    ],
)
def test_resize_to_multiple_as_mmseg(kwargs):
    upstream = upstream_transforms()
    ours, theirs = (
        ResizeToMultiple(**kwargs),
        upstream.ResizeToMultiple(**kwargs),
    )
    assert repr(ours) == repr(theirs)
    compare_seeded(ours, theirs, seg_results(45, 50), [0])


@pytest.mark.parametrize(
    'kwargs',
    [
        dict(scale=20, max_size=100),
        dict(scale=(12, 30), max_size=25),
        dict(scale=64, max_size=70),
    ],
)
@pytest.mark.parametrize('shape', [(24, 32), (40, 18), (30, 30)])
def test_resize_shortest_edge_as_mmseg(kwargs, shape):
    upstream = upstream_transforms()
    from mmengine.registry import DefaultScope

    with DefaultScope.overwrite_default_scope('mmflow_ext'):
        ours = ResizeShortestEdge(**kwargs)
    with DefaultScope.overwrite_default_scope('mmseg'):
        theirs = upstream.ResizeShortestEdge(**kwargs)
    compare_seeded(ours, theirs, seg_results(*shape), [0])


def test_seg_rescale_as_mmseg():
    upstream = upstream_transforms()
    for factor in (1, 0.5, 2, 0.3):
        ours, theirs = SegRescale(factor), upstream.SegRescale(factor)
        assert repr(ours) == repr(theirs)
        compare_seeded(ours, theirs, seg_results(17, 23), [0])


@pytest.mark.parametrize(
    'kwargs',
    [
        dict(prob=0.5, degree=20),
        dict(prob=1.0, degree=(-45, 30), pad_val=7, seg_pad_val=9),
        dict(prob=0.7, degree=(10, 170), center=(3, 5)),
        dict(prob=0.6, degree=[-90, 90], auto_bound=True),
    ],
)
def test_random_rotate_as_mmseg(kwargs):
    upstream = upstream_transforms()
    ours, theirs = RandomRotate(**kwargs), upstream.RandomRotate(**kwargs)
    assert repr(ours) == repr(theirs)
    compare_seeded(ours, theirs, seg_results(20, 28), SEEDS)


@pytest.mark.parametrize(
    'kwargs',
    [
        dict(),
        dict(rotate_prob=0.3, flip_prob=0.9, degree=40),
        dict(rotate_prob=0.0, flip_prob=1.0),
    ],
)
def test_random_rot_flip_as_mmseg(kwargs):
    """Same image and draws; label maps equal upstream's except where
    upstream interpolates labels bilinearly in the free rotation."""
    upstream = upstream_transforms()
    ours, theirs = RandomRotFlip(**kwargs), upstream.RandomRotFlip(**kwargs)
    assert repr(ours) == repr(theirs)
    results = seg_results(20, 20)
    for seed in SEEDS:
        out_ours, next_ours = run_seeded(ours, results, seed)
        out_theirs, next_theirs = run_seeded(theirs, results, seed)
        assert next_ours == next_theirs
        assert_same_results(out_ours, out_theirs, skip=('gt_seg_map',))
        np.random.seed(seed)
        if np.random.random() < ours.rotate_prob:
            angle = np.random.uniform(min(ours.degree), max(ours.degree))
            expected = mmcv.imrotate(
                results['gt_seg_map'], angle, interpolation='nearest'
            )
        else:
            expected = out_theirs['gt_seg_map']
        assert np.array_equal(out_ours['gt_seg_map'], expected)
