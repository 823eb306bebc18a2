# Copyright (c) mmflow_ext contributors. All rights reserved.
import numpy as np
import pytest
from seg_reference import (
    assert_same_results,
    compare_seeded,
    run_seeded,
    seg_results,
    upstream_transforms,
)

from mmflow_ext.datasets.transforms import RandomCutOut, RandomMosaic


def test_cutout_fills_holes_in_image_and_maps():
    results = seg_results(8, 8)
    t = RandomCutOut(
        prob=1.0,
        n_holes=1,
        cutout_shape=(3, 2),
        fill_in=(1, 2, 3),
        seg_fill_in=7,
    )
    np.random.seed(0)
    np.random.rand()
    n = np.random.randint(1, 2)
    x, y = np.random.randint(0, 8), np.random.randint(0, 8)
    np.random.seed(0)
    out = t(
        dict(
            results,
            img=results['img'].copy(),
            gt_seg_map=results['gt_seg_map'].copy(),
        )
    )
    assert n == 1
    hole = (slice(y, min(y + 2, 8)), slice(x, min(x + 3, 8)))
    assert (out['img'][hole] == [1, 2, 3]).all()
    assert (out['gt_seg_map'][hole] == 7).all()
    outside = np.ones((8, 8), bool)
    outside[hole] = False
    assert np.array_equal(out['img'][outside], results['img'][outside])


def test_cutout_ratio_and_bad_arguments():
    t = RandomCutOut(prob=1.0, n_holes=(1, 3), cutout_ratio=[(0.5, 0.5)])
    assert repr(t) == (
        'RandomCutOut(prob=1.0, n_holes=(1, 3), '
        'cutout_ratio=[(0.5, 0.5)], fill_in=(0, 0, 0), '
        'seg_fill_in=None)'
    )
    with pytest.raises(ValueError, match='exactly one of them'):
        RandomCutOut(prob=1.0, n_holes=1)
    with pytest.raises(ValueError, match='exactly one of them'):
        RandomCutOut(
            prob=1.0, n_holes=1, cutout_shape=(1, 1), cutout_ratio=(1, 1)
        )
    with pytest.raises(ValueError, match=r'0 <= min < max, got \(3, 1\)'):
        RandomCutOut(prob=1.0, n_holes=(3, 1), cutout_shape=(1, 1))
    with pytest.raises(
        ValueError,
        match=r'seg_fill_in must be None or an '
        r'int in \[0, 255\], got 256',
    ):
        RandomCutOut(prob=1.0, n_holes=1, cutout_shape=(1, 1), seg_fill_in=256)


def four_tiles():
    tiles = [seg_results(12 + 4 * i, 16 - 2 * i, seed=i) for i in range(4)]
    results = tiles[0]
    results['mix_results'] = tiles[1:]
    return results


def test_mosaic_places_the_tiles_around_the_centre():
    t = RandomMosaic(
        prob=1.0,
        img_scale=(8, 8),
        center_ratio_range=(1.0, 1.0),
        seg_pad_val=99,
    )
    results = four_tiles()
    out = t(results)
    assert out['img'].shape == (16, 16, 3) and out['gt_seg_map'].shape == (
        16,
        16,
    )
    assert out['img_shape'] == out['ori_shape'] == (16, 16)
    # first tile, 12x16 scaled by 0.5 to 6x8, ends at the centre (8, 8);
    # the second, 16x14 scaled to 8x7, starts there going right
    assert (out['gt_seg_map'][:2, :8] == 99).all()
    assert (out['img'][:2, :8] == 0).all()
    assert 99 not in out['gt_seg_map'][2:8, :8]
    assert (out['gt_seg_map'][:8, 15] == 99).all()
    assert 99 not in out['gt_seg_map'][:8, 8:15]


def test_mosaic_outside_a_mix_dataset_is_a_clear_error():
    with pytest.raises(
        KeyError, match='use it in the pipeline of a MultiImageMixDataset'
    ):
        RandomMosaic(prob=1.0)(seg_results())


# ---------------------------------------------------------------------------
# differential tests against MMSegmentation (reference environment only)

SEEDS = range(15)


@pytest.mark.parametrize(
    'kwargs',
    [
        dict(prob=0.5, n_holes=3, cutout_shape=(4, 4)),
        dict(
            prob=1.0,
            n_holes=(0, 4),
            cutout_shape=[(4, 4), (2, 8), (9, 1)],
            fill_in=(255, 0, 10),
            seg_fill_in=3,
        ),
        dict(
            prob=0.8,
            n_holes=(1, 5),
            cutout_ratio=[(0.2, 0.4), (0.5, 0.1)],
            seg_fill_in=255,
        ),
    ],
)
def test_cutout_as_mmseg(kwargs):
    upstream = upstream_transforms()
    ours, theirs = RandomCutOut(**kwargs), upstream.RandomCutOut(**kwargs)
    assert repr(ours) == repr(theirs)
    compare_seeded(ours, theirs, seg_results(21, 27), SEEDS)


@pytest.mark.parametrize(
    'kwargs',
    [
        dict(prob=1.0, img_scale=(10, 12)),
        dict(
            prob=0.6,
            img_scale=(9, 7),
            center_ratio_range=(0.2, 1.9),
            pad_val=5,
            seg_pad_val=77,
        ),
    ],
)
def test_mosaic_as_mmseg(kwargs):
    upstream = upstream_transforms()
    ours, theirs = RandomMosaic(**kwargs), upstream.RandomMosaic(**kwargs)
    # upstream prints pad_val as seg_pad_val
    assert repr(ours).replace(
        f'seg_pad_val={ours.seg_pad_val}', f'seg_pad_val={ours.pad_val}'
    ) == repr(theirs)
    for seed in SEEDS:
        out_ours, next_ours = run_seeded(ours, four_tiles(), seed)
        out_theirs, next_theirs = run_seeded(theirs, four_tiles(), seed)
        assert next_ours == next_theirs
        # upstream's img_shape / ori_shape are (h, w, c); ours (h, w)
        assert_same_results(
            out_ours,
            out_theirs,
            skip=('mix_results', 'img_shape', 'ori_shape'),
        )
        assert tuple(out_ours['img_shape']) == out_theirs['img_shape'][:2]
        assert tuple(out_ours['ori_shape']) == out_theirs['ori_shape'][:2]
