# Copyright (c) mmflow_ext contributors. All rights reserved.
import numpy as np
import pytest
from seg_reference import compare_seeded, seg_results, upstream_transforms

from mmflow_ext.datasets.transforms import (
    CLAHE,
    AdjustGamma,
    Rerange,
    RGB2Gray,
)


def test_rerange_maps_min_and_max():
    out = Rerange(-1, 1)(dict(img=np.array([[[5, 7, 9]]], np.uint8)))
    assert out['img'].dtype == np.float64
    assert out['img'].tolist() == [[[-1.0, 0.0, 1.0]]]


def test_rerange_of_a_constant_image_names_it():
    with pytest.raises(
        ValueError,
        match='Rerange: a/b.png has a single '
        r'value \(3\)',
    ):
        Rerange()(
            dict(img=np.full((2, 2, 3), 3, np.uint8), img_path='a/b.png')
        )
    with pytest.raises(ValueError, match='min_value < max_value'):
        Rerange(5, 5)


def test_rgb2gray_weights_and_channels():
    img = np.array([[[10, 20, 30]]], np.uint8)
    out = RGB2Gray(out_channels=2, weights=(1.0, 0.5, 0.0))(dict(img=img))
    assert out['img'].tolist() == [[[20.0, 20.0]]]
    assert out['img_shape'] == (1, 1)
    with pytest.raises(ValueError, match=r'x.png has shape \(1, 1, 2\)'):
        RGB2Gray()(dict(img=np.zeros((1, 1, 2)), img_path='x.png'))


def test_adjust_gamma_table():
    t = AdjustGamma(gamma=0.5)
    # v -> (v / 255) ** 2 * 255, truncated
    assert t.table[[0, 128, 255]].tolist() == [0, 64, 255]
    out = t(dict(img=np.array([[[128, 255, 0]]], np.uint8)))
    assert out['img'].tolist() == [[[64, 255, 0]]]
    with pytest.raises(ValueError, match='gamma must be a number > 0'):
        AdjustGamma(0)


def test_clahe_equalizes_each_channel():
    img = np.zeros((16, 16, 3), np.uint8)
    img[:, 8:] = 10  # low contrast
    out = CLAHE(clip_limit=2.0, tile_grid_size=(2, 2))(dict(img=img.copy()))
    assert out['img'].dtype == np.uint8
    assert int(out['img'][:, 8:].mean()) > 10
    with pytest.raises(ValueError, match='tile_grid_size must be a tuple'):
        CLAHE(tile_grid_size=[8, 8])


# ---------------------------------------------------------------------------
# differential tests against MMSegmentation (reference environment only)


@pytest.mark.parametrize(
    'name,kwargs',
    [
        ('Rerange', dict()),
        ('Rerange', dict(min_value=-2.5, max_value=3)),
        ('CLAHE', dict()),
        ('CLAHE', dict(clip_limit=2, tile_grid_size=(3, 5))),
        ('RGB2Gray', dict()),
        ('RGB2Gray', dict(out_channels=1, weights=(0.2, 0.3, 0.5))),
        ('AdjustGamma', dict()),
        ('AdjustGamma', dict(gamma=0.37)),
        ('AdjustGamma', dict(gamma=2.2)),
        ('AdjustGamma', dict(gamma=7)),
    ],
)
def test_same_outputs_and_repr_as_mmseg(name, kwargs):
    upstream = upstream_transforms()
    ours = globals()[name](**kwargs)
    theirs = getattr(upstream, name)(**kwargs)
    assert repr(ours) == repr(theirs)
    if name == 'AdjustGamma':
        assert np.array_equal(ours.table, theirs.table)
    # upstream RGB2Gray sets img_shape to (h, w, c); ours keeps (h, w)
    skip = ('img_shape',) if name == 'RGB2Gray' else ()
    compare_seeded(ours, theirs, seg_results(33, 41), [0], skip=skip)


@pytest.mark.parametrize('gamma', np.linspace(0.1, 5, 50).tolist())
def test_gamma_tables_as_mmseg(gamma):
    upstream = upstream_transforms()
    assert np.array_equal(
        AdjustGamma(gamma).table, upstream.AdjustGamma(gamma).table
    )
