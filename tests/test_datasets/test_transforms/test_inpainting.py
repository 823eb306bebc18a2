# Copyright (c) mmflow_ext contributors. All rights reserved.
import cv2
import numpy as np
import pytest
from edit_reference import assert_same, run_both

from mmflow_ext.datasets.transforms.inpainting import (
    GetMaskedImage,
    GetSpatialDiscountMask,
    LoadMask,
    bbox2mask,
    random_bbox,
)
from mmflow_ext.registry import TRANSFORMS


@pytest.fixture
def mmagic_transforms():
    return pytest.importorskip('mmagic.datasets.transforms')


@pytest.fixture
def mask_files(tmp_path):
    masks = tmp_path / 'masks'
    masks.mkdir()
    for i in range(3):
        mask = np.zeros((16, 16), np.uint8)
        mask[i : i + 4, 2:9] = 255
        cv2.imwrite(str(masks / f'{i}.png'), mask)
    (tmp_path / 'list.txt').write_text('0.png\n1.png\n2.png\n')
    return tmp_path


def _configs(root):
    return [
        (
            'bbox',
            dict(
                img_shape=(32, 32),
                max_bbox_shape=12,
                max_bbox_delta=6,
                min_margin=4,
            ),
        ),
        (
            'irregular',
            dict(
                img_shape=(32, 32),
                num_vertices=(2, 4),
                max_angle=4.0,
                length_range=(4, 12),
                brush_width=(2, 6),
                area_ratio_range=(0.05, 0.6),
            ),
        ),
        (
            'ff',
            dict(
                img_shape=(32, 32),
                num_vertices=(3, 6),
                brush_width=(3, 6),
                max_loops=3,
            ),
        ),
        (
            'set',
            dict(
                mask_list_file=str(root / 'list.txt'),
                prefix=str(root / 'masks'),
                io_backend='local',
                color_type='unchanged',
                file_client_kwargs=dict(),
            ),
        ),
    ]


def test_random_bbox_and_mask():
    np.random.seed(0)
    top, left, h, w = random_bbox((32, 32), (10, 12), (4, 4), (3, 5))
    assert 3 <= top and top + h <= 32 - 3 and 5 <= left
    assert 8 <= h <= 10 and 10 <= w <= 12
    mask = bbox2mask((32, 32), (top, left, h, w))
    assert mask.shape == (32, 32, 1) and mask.sum() == h * w
    with pytest.raises(ValueError, match='should be smaller than image'):
        random_bbox((8, 8), 10)


def test_load_mask_modes(mask_files):
    for mode, cfg in _configs(mask_files):
        out = TRANSFORMS.build(
            dict(type='LoadMask', mask_mode=mode, mask_config=cfg)
        )(dict())
        mask = out['mask']
        assert mask.shape[2] == 1 and set(np.unique(mask)) <= {0, 1}
        assert mask.any(), mode
    out = LoadMask('file')(dict(mask_path=str(mask_files / 'masks/1.png')))
    assert out['mask'][1:5, 2:9].all() and out['mask'].sum() == 28
    with pytest.raises(FileNotFoundError, match='Mask file not found: .*9'):
        LoadMask('file')(dict(mask_path=str(mask_files / 'masks/9.png')))
    with pytest.raises(NotImplementedError, match='Mask mode disc'):
        LoadMask('disc')
    assert repr(LoadMask('file')) == "LoadMask(mask_mode='file')"


def test_masked_image_values_and_size_error():
    gt = np.full((2, 2, 3), 200, np.uint8)
    mask = np.array([[1, 0], [0, 0]], np.uint8)[..., None]
    out = GetMaskedImage()(dict(gt=gt, mask=mask, gt_channel_order='rgb'))
    assert out['img'].dtype == np.float32
    assert out['img'][0, 0].tolist() == [127.5] * 3
    assert out['img'][1, 1].tolist() == [200.0] * 3
    assert out['img_channel_order'] == 'rgb'
    with pytest.raises(
        ValueError,
        match=r'size \(3, 3\) does not fit image '
        r'"gt" of size \(2, 2\) \(mask: m\.png, gt: g\.png\)',
    ):
        GetMaskedImage()(
            dict(
                gt=gt,
                mask=np.zeros((3, 3, 1)),
                mask_path='m.png',
                gt_path='g.png',
            )
        )


def test_spatial_discount_mask_values():
    # a float mask: the discount takes the mask's dtype, as in MMagic
    mask = bbox2mask((8, 8), (2, 1, 3, 4), dtype='float32')
    out = GetSpatialDiscountMask(gamma=0.5, beta=1.0)(
        dict(mask=mask, mask_bbox=(2, 1, 3, 4))
    )['discount_mask']
    hole = out[2:5, 1:5, 0]
    # distance to the nearest hole edge: rows 0 1 0, columns 0 1 1 0
    expected = np.maximum(
        0.5 ** np.array([[0], [1], [0]]), 0.5 ** np.array([[0, 1, 1, 0]])
    )
    np.testing.assert_allclose(hole, expected)
    assert out.sum() == pytest.approx(hole.sum())


def test_masks_equal_mmagic(mmagic_transforms, mask_files):
    m = mmagic_transforms
    for mode, cfg in _configs(mask_files):
        ours, theirs = LoadMask(mode, cfg), m.LoadMask(mode, cfg)
        assert repr(ours) == repr(theirs)
        for seed in range(4):
            assert_same(*run_both(ours, theirs, dict(), seed))
    gt = np.random.RandomState(0).randint(0, 255, (6, 6, 3)).astype(np.uint8)
    results = dict(
        gt=gt,
        mask=bbox2mask((6, 6), (1, 2, 3, 2)),
        ori_gt_shape=(6, 6, 3),
        gt_color_type='color',
    )
    ours, theirs = (
        GetMaskedImage(zero_value=0.0),
        m.GetMaskedImage(zero_value=0.0),
    )
    assert repr(ours) == repr(theirs)
    assert_same(*run_both(ours, theirs, results))
    results = dict(
        mask=bbox2mask((9, 9), (1, 2, 5, 6)).astype(np.float64),
        mask_bbox=(1, 2, 5, 6),
    )
    ours, theirs = GetSpatialDiscountMask(), m.GetSpatialDiscountMask()
    assert repr(ours) == repr(theirs)
    assert_same(*run_both(ours, theirs, results))
