import numpy as np
import pytest

from mmflow_ext.datasets.transforms.seg_transforms import (
    PhotoMetricDistortion, RandomCrop)


def crop_sample(seg_map):
    height, width = seg_map.shape
    img = np.arange(
        height * width * 3, dtype=np.uint8).reshape(height, width, 3)
    return dict(img=img, gt_seg_map=seg_map, seg_fields=['gt_seg_map'])


def test_crop_cuts_image_and_maps_alike():
    np.random.seed(0)
    seg_map = np.arange(8 * 10, dtype=np.uint8).reshape(8, 10)
    results = RandomCrop((4, 5))(crop_sample(seg_map))
    assert results['img'].shape == (4, 5, 3)
    assert results['img_shape'] == (4, 5)
    y, x = divmod(int(results['gt_seg_map'][0, 0]), 10)
    np.testing.assert_array_equal(results['gt_seg_map'], seg_map[y:y + 4,
                                                                 x:x + 5])
    np.testing.assert_array_equal(
        results['img'],
        crop_sample(seg_map)['img'][y:y + 4, x:x + 5])


def test_image_smaller_than_crop_is_kept_whole():
    results = RandomCrop(16)(crop_sample(np.zeros((8, 10), np.uint8)))
    assert results['img'].shape == (8, 10, 3)


def test_cat_max_ratio_redraws_unbalanced_crops():
    # only the crop at the right edge sees two classes at most 3:1
    seg_map = np.zeros((4, 12), np.uint8)
    seg_map[:, 10:] = 1

    def balanced_crops(cat_max_ratio):
        crop = RandomCrop((4, 4), cat_max_ratio=cat_max_ratio)
        np.random.seed(1)
        return sum(
            crop(crop_sample(seg_map.copy()))['gt_seg_map'][:, 2:].all()
            for _ in range(30))

    # 1 in 9 crops is balanced; with 11 draws, about 73 % are
    assert balanced_crops(1.0) <= 8
    assert balanced_crops(0.75) >= 15


def test_cat_max_ratio_ignores_the_ignore_index():
    crop = RandomCrop((2, 2), cat_max_ratio=0.75)
    half_ignored = np.array([[0, 255], [0, 255]], np.uint8)
    assert not crop._balanced_enough(half_ignored)
    assert crop._balanced_enough(np.array([[0, 1], [2, 255]], np.uint8))


def test_crop_size_must_be_positive():
    with pytest.raises(ValueError, match=r'crop_size .* got \(0, 4\)'):
        RandomCrop((0, 4))


def test_distortion_keeps_shape_dtype_and_is_seeded():
    img = np.random.default_rng(0).integers(0, 256, (6, 7, 3), np.uint8)
    outs = []
    for _ in range(2):
        np.random.seed(3)
        outs.append(PhotoMetricDistortion()(dict(img=img.copy()))['img'])
    assert outs[0].shape == img.shape and outs[0].dtype == np.uint8
    np.testing.assert_array_equal(outs[0], outs[1])


def test_distortion_convert_clips():
    img = np.array([[[10, 200, 250]]], np.uint8)
    np.testing.assert_array_equal(
        PhotoMetricDistortion.convert(img, alpha=2, beta=-30),
        [[[0, 255, 255]]])


def test_distortion_without_any_change(monkeypatch):
    monkeypatch.setattr(np.random, 'randint', lambda *args: 0)
    img = np.full((2, 2, 3), 77, np.uint8)
    assert PhotoMetricDistortion()(dict(img=img))['img'] is img


def test_reprs():
    assert repr(RandomCrop(4, 0.5)) == (
        'RandomCrop(crop_size=(4, 4), cat_max_ratio=0.5, ignore_index=255)')
    assert repr(PhotoMetricDistortion()) == (
        'PhotoMetricDistortion(brightness_delta=32, contrast_range=(0.5, '
        '1.5), saturation_range=(0.5, 1.5), hue_delta=18)')


@pytest.mark.parametrize('view', ['plain', 'flipped', 'strided', 'int64'])
def test_class_counts_equal_a_sort_based_count(view):
    rng = np.random.default_rng(3)
    seg_map = rng.choice([0, 1, 7, 255],
                         size=(37, 41),
                         p=[0.5, 0.3, 0.15, 0.05]).astype(np.uint8)
    seg_map = {
        'plain': seg_map,
        'flipped': seg_map[::-1, ::-1],
        'strided': seg_map[:, ::3],
        'int64': seg_map.astype(np.int64),
    }[view]
    labels, counts = np.unique(seg_map, return_counts=True)
    expected = counts[labels != 255]
    crop = RandomCrop(crop_size=(8, 8), cat_max_ratio=0.75)
    assert crop._class_counts(seg_map).tolist() == expected.tolist()
