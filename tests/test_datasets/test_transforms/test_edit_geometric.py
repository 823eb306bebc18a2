# Copyright (c) mmflow_ext contributors. All rights reserved.
import numpy as np
import pytest
from edit_reference import assert_same, run_both
from mmcv.transforms import RandomResize as MMCVRandomResize
from mmcv.transforms import Resize as MMCVResize
from mmengine.registry import DefaultScope

from mmflow_ext.datasets.transforms.edit_geometric import (
    Flip,
    RandomTransposeHW,
    Resize,
)
from mmflow_ext.registry import TRANSFORMS


@pytest.fixture
def mmagic_transforms():
    return pytest.importorskip('mmagic.datasets.transforms')


def _img(h=4, w=6, c=3, seed=0):
    return np.random.RandomState(seed).randint(0, 255, (h, w, c), np.uint8)


def test_flip_flips_all_keys_and_frames_with_one_draw():
    img, gt = _img(), _img(seed=1)
    frames = [_img(seed=2), _img(seed=3)]
    expected = [img[:, ::-1].copy(), gt[:, ::-1].copy()]
    out = Flip(keys=['img', 'gt', 'lq'], flip_ratio=1.0)(
        dict(img=img, gt=gt, lq=[f.copy() for f in frames])
    )
    np.testing.assert_array_equal(out['img'], expected[0])
    np.testing.assert_array_equal(out['gt'], expected[1])
    for got, frame in zip(out['lq'], frames):
        np.testing.assert_array_equal(got, frame[:, ::-1])
    assert out['flip_infos'] == [
        dict(
            keys=['img', 'gt', 'lq'],
            direction='horizontal',
            ratio=1.0,
            flip=True,
        )
    ]
    out = Flip('img', flip_ratio=0.0, direction='vertical')(dict(img=_img()))
    np.testing.assert_array_equal(out['img'], _img())
    assert out['flip_infos'][0]['flip'] is False
    vertical = Flip('img', flip_ratio=1.0, direction='vertical')
    np.testing.assert_array_equal(
        vertical(dict(img=_img()))['img'], _img()[::-1]
    )
    with pytest.raises(ValueError, match='Direction diagonal'):
        Flip('img', direction='diagonal')
    assert repr(vertical) == (
        "Flip(keys=['img'], flip_ratio=1.0, direction=vertical)"
    )


def test_transpose_hw():
    img = _img(2, 5)
    out = RandomTransposeHW(['img', 'gt'], 1.0)(dict(img=img, gt=[img, img]))
    np.testing.assert_array_equal(out['img'], img.transpose(1, 0, 2))
    assert [f.shape for f in out['gt']] == [(5, 2, 3)] * 2
    assert out['transpose'] is True
    assert RandomTransposeHW('img', 0.0)(dict(img=img))['img'] is img


@pytest.mark.parametrize(
    'kwargs',
    [
        dict(scale=(7, 5)),
        dict(scale=(7, 5), keep_ratio=True),
        dict(scale_factor=0.5, interpolation='nearest'),
        dict(scale=(3, 3), clip_object_border=False, backend='pillow'),
    ],
)
def test_resize_without_keys_is_mmcv_resize(kwargs):
    img = _img(8, 10)
    results = dict(
        img=img,
        gt_seg_map=np.arange(80, dtype=np.uint8).reshape(8, 10),
        gt_bboxes=np.array([[1.0, 1.0, 9.0, 7.0]], np.float32),
    )
    ours, theirs = Resize(**kwargs), MMCVResize(**kwargs)
    assert repr(ours) == repr(theirs)
    assert isinstance(ours, MMCVResize)
    assert_same(*run_both(ours, theirs, results))


def test_resize_is_one_registered_name_for_both_families():
    with DefaultScope.overwrite_default_scope('mmflow_ext'):
        seg = TRANSFORMS.build(dict(type='Resize', scale=(4, 2)))
        edit = TRANSFORMS.build(
            dict(type='Resize', keys='gt', scale=0.5, keep_ratio=True)
        )
    assert type(seg) is type(edit) is Resize
    assert seg(dict(img=_img(4, 8)))['img'].shape == (2, 4, 3)
    out = edit(dict(gt=_img(4, 8)))
    assert out['gt'].shape == (2, 4, 3) and out['gt_shape'] == (2, 4, 3)
    assert edit.keys == ['gt']
    with pytest.raises(AttributeError):
        seg.keys


def test_resize_mixed_forms_raise():
    with pytest.raises(
        TypeError,
        match=r"\['keys'\] belong to MMagic's "
        r"Resize .* \['scale_factor'\] to mmcv's",
    ):
        Resize(keys='img', scale_factor=2.0)
    from mmflow_ext.datasets.transforms import RandomResize

    with pytest.raises(
        TypeError,
        match=r"\['params'\] belong to MMagic's "
        r"RandomResize .* \['scale'\] to mmcv's",
    ):
        RandomResize(params=dict(), scale=(4, 4))


def test_random_resize_without_params_is_mmcv():
    from mmflow_ext.datasets.transforms import RandomResize

    kwargs = dict(scale=(20, 10), ratio_range=(0.5, 2.0), keep_ratio=True)
    ours, theirs = RandomResize(**kwargs), MMCVRandomResize(**kwargs)
    assert repr(ours) == repr(theirs)
    results = dict(
        img=_img(8, 10),
        gt_seg_map=np.arange(80, dtype=np.uint8).reshape(8, 10),
    )
    for seed in range(3):
        assert_same(*run_both(ours, theirs, results, seed))


def test_edit_resize_size_factor_frames_and_output_keys():
    resize = Resize(
        keys=['img'], size_factor=4, max_size=6, output_keys=['small']
    )
    frames = [_img(10, 9, 1)[..., 0], _img(10, 9, 1, 1)[..., 0]]
    out = resize(dict(img=frames, img_channel_order='bgr'))
    assert [f.shape for f in out['small']] == [(4, 4, 1)] * 2
    assert out['small_shape'] == (4, 4, 1)
    assert out['small_channel_order'] == 'bgr'
    np.testing.assert_array_equal(
        out['scale_factor'], np.array([4 / 9, 0.4], np.float32)
    )
    with pytest.raises(ValueError, match='size_factor needs scale=None'):
        Resize(keys='img', scale=(2, 2), size_factor=2)
    with pytest.raises(ValueError, match='max_size needs size_factor'):
        Resize(keys='img', max_size=2)
    with pytest.raises(TypeError, match='Scale must be None, float or'):
        Resize(keys='img', scale='big')


@pytest.mark.parametrize(
    'kwargs',
    [
        dict(keys=['img', 'gt'], scale=0.5, keep_ratio=True),
        dict(keys='img', scale=(5, 3), interpolation='bicubic'),
        dict(keys='img', scale=(-1, 6), keep_ratio=True),
        dict(keys=['img'], size_factor=4, max_size=8, output_keys=['out']),
    ],
)
def test_edit_resize_equals_mmagic(mmagic_transforms, kwargs):
    results = dict(
        img=_img(9, 13),
        gt=[_img(9, 13, 1)[..., 0]],
        ori_img_shape=(9, 13),
        img_color_type='color',
    )
    ours, theirs = Resize(**kwargs), mmagic_transforms.Resize(**kwargs)
    assert repr(ours) == repr(theirs)
    assert_same(*run_both(ours, theirs, results))


def test_flip_and_transpose_draws_equal_mmagic(mmagic_transforms):
    results = dict(img=_img(), gt=[_img(seed=1), _img(seed=2)])
    for seed in range(6):
        for ours, theirs in (
            (Flip(['img', 'gt']), mmagic_transforms.Flip(['img', 'gt'])),
            (
                Flip('img', 0.3, 'vertical'),
                mmagic_transforms.Flip('img', 0.3, 'vertical'),
            ),
            (
                RandomTransposeHW(['img', 'gt']),
                mmagic_transforms.RandomTransposeHW(['img', 'gt']),
            ),
        ):
            assert repr(ours) == repr(theirs)
            assert_same(*run_both(ours, theirs, results, seed))
