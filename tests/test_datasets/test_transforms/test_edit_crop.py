# Copyright (c) mmflow_ext contributors. All rights reserved.
import numpy as np
import pytest
from edit_reference import assert_same, run_both

from mmflow_ext.datasets.transforms.edit_crop import (
    CenterCropLongEdge,
    Crop,
    FixedCrop,
    ModCrop,
    PairedRandomCrop,
    RandomCropLongEdge,
)


@pytest.fixture
def mmagic_transforms():
    return pytest.importorskip('mmagic.datasets.transforms')


def _img(h, w, c=3, seed=0):
    return np.random.RandomState(seed).randint(0, 255, (h, w, c), np.uint8)


def test_crop_centre_random_and_padding():
    img = np.arange(30).reshape(5, 6)
    out = Crop(['gt'], (3, 2), random_crop=False)(dict(gt=img))
    np.testing.assert_array_equal(out['gt'], img[1:4, 2:4])
    assert out['gt_crop_bbox'] == [2, 1, 2, 3] and out['crop_size'] == (3, 2)
    np.random.seed(3)
    x, y = np.random.randint(0, 5), np.random.randint(0, 3)
    np.random.seed(3)
    out = Crop(['gt'], (3, 2))(dict(gt=img))
    np.testing.assert_array_equal(out['gt'], img[y : y + 3, x : x + 2])
    padded = Crop(['gt'], (9, 6), random_crop=False, is_pad_zeros=True)(
        dict(gt=np.ones((5, 6, 1)))
    )
    # 2 * ((9 - 5) // 2) rows of zeros each side, then a centred crop
    assert padded['gt'].shape == (9, 6, 1)
    assert padded['gt'][:, 0, 0].tolist() == [0, 0, 1, 1, 1, 1, 1, 0, 0]
    with pytest.raises(TypeError, match='crop_size must be'):
        Crop(['gt'], [3, 2])


def test_fixed_crop_position_and_size_mismatch():
    a, b = _img(6, 8), _img(6, 8, seed=1)
    out = FixedCrop(['img', 'gt'], (4, 3), crop_pos=(6, 1))(
        dict(img=a, gt=[b, b])
    )
    np.testing.assert_array_equal(out['img'], a[1:5, 6:8])
    assert out['gt_crop_bbox'] == [6, 1, 2, 4]
    with pytest.raises(
        ValueError,
        match=r'Expected \(6, 8\), but got '
        r'\(6, 7\) in "gt" \(files: b/1\.png\)',
    ):
        FixedCrop(['img', 'gt'], (2, 2))(
            dict(img=a, gt=_img(6, 7), gt_path='b/1.png')
        )


def test_mod_crop():
    out = ModCrop()(dict(gt=_img(9, 11), scale=4))
    assert out['gt'].shape == (8, 8, 3)
    with pytest.raises(ValueError, match='Wrong img ndim: 4'):
        ModCrop()(dict(gt=np.zeros((1, 1, 1, 1)), scale=2))


def test_paired_random_crop_positions_match():
    lq = np.arange(16).reshape(4, 4, 1)
    gt = np.kron(lq[..., 0], np.ones((2, 2), int))[..., None]
    out = PairedRandomCrop(4)(dict(img=[lq, lq], gt=gt, scale=2))
    assert [v.shape for v in out['img']] == [(2, 2, 1)] * 2
    np.testing.assert_array_equal(
        np.kron(out['img'][0][..., 0], np.ones((2, 2), int)), out['gt'][..., 0]
    )


def test_paired_random_crop_errors_name_files():
    results = dict(
        img=_img(5, 5),
        gt=_img(9, 10),
        scale=2,
        img_path='LR/0001x2.png',
        gt_path='HR/0001.png',
    )
    with pytest.raises(
        ValueError,
        match=r'GT \(9, 10\) is not 2x multiplication of LQ '
        r'\(5, 5\) \(files: LR/0001x2\.png, HR/0001\.png\)',
    ):
        PairedRandomCrop(4)(results)
    results.update(gt=_img(10, 10))
    with pytest.raises(
        ValueError,
        match=r'smaller than patch size \(6, 6\) '
        r'\(files: LR/0001x2\.png, HR/0001\.png\)',
    ):
        PairedRandomCrop(12)(results)


def test_center_crop_long_edge():
    img = _img(5, 8)
    out = CenterCropLongEdge(['gt'])(dict(gt=img))
    np.testing.assert_array_equal(out['gt'], img[:, 1:6])


def test_random_crop_long_edge():
    img = _img(4, 9)
    np.random.seed(5)
    x = np.random.randint(0, 5)
    np.random.seed(5)
    out = RandomCropLongEdge(['gt'])(dict(gt=img))
    np.testing.assert_array_equal(out['gt'], img[:, x : x + 4])
    with pytest.raises(ValueError, match='keys must not be empty'):
        RandomCropLongEdge([])


def test_crops_equal_mmagic(mmagic_transforms):
    m = mmagic_transforms
    results = dict(
        img=_img(6, 7),
        gt=_img(12, 14, seed=1),
        scale=2,
        lq=[_img(6, 7, seed=2), _img(6, 7, seed=3)],
        frames=[_img(12, 14, seed=4), _img(12, 14, seed=5)],
    )
    pairs = [
        (Crop(['img', 'lq'], (4, 5)), m.Crop(['img', 'lq'], (4, 5))),
        (
            Crop(['img'], (9, 9), is_pad_zeros=True),
            m.Crop(['img'], (9, 9), is_pad_zeros=True),
        ),
        (
            Crop(['gt'], (5, 4), random_crop=False),
            m.Crop(['gt'], (5, 4), random_crop=False),
        ),
        (FixedCrop(['img', 'lq'], (3, 4)), m.FixedCrop(['img', 'lq'], (3, 4))),
        (
            FixedCrop(['gt'], (30, 4), (2, 3)),
            m.FixedCrop(['gt'], (30, 4), (2, 3)),
        ),
        (ModCrop('gt'), m.ModCrop('gt')),
        (PairedRandomCrop(8), m.PairedRandomCrop(8)),
        (
            PairedRandomCrop(6, 'lq', 'frames'),
            m.PairedRandomCrop(6, 'lq', 'frames'),
        ),
        (
            CenterCropLongEdge(['gt', 'img']),
            m.CenterCropLongEdge(['gt', 'img']),
        ),
        (
            RandomCropLongEdge(['gt', 'img']),
            m.RandomCropLongEdge(['gt', 'img']),
        ),
    ]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
        for seed in range(3):
            assert_same(*run_both(ours, theirs, results, seed))
