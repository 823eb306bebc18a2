import os
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.registry import DefaultScope

from mmflow_ext.apis.dataset_meta import fit_palette
from mmflow_ext.datasets.seg_dataset import (
    ADE20KDataset,
    BaseSegDataset,
    CityscapesDataset,
)
from mmflow_ext.registry import DATASETS


class ToyDataset(BaseSegDataset):
    METAINFO = dict(
        classes=('sky', 'road', 'car'),
        palette=[[10, 10, 10], [20, 20, 20], [30, 30, 30]],
    )


def make_tree(root, names=('b', 'a', 'sub/c'), size=(4, 5)):
    for name in names:
        for folder, suffix in (('img', '.jpg'), ('ann', '.png')):
            path = osp.join(root, folder, name + suffix)
            os.makedirs(osp.dirname(path), exist_ok=True)
            value = 1 if folder == 'ann' else 128
            cv2.imwrite(path, np.full(size, value, np.uint8))
    return str(root)


def build(root, **kwargs):
    kwargs.setdefault('data_prefix', dict(img_path='img', seg_map_path='ann'))
    return ToyDataset(data_root=root, **kwargs)


def test_folder_listing_is_recursive_and_sorted(tmp_path):
    dataset = build(make_tree(tmp_path))
    assert len(dataset) == 3
    infos = [dataset.get_data_info(i) for i in range(3)]
    assert [osp.relpath(i['img_path'], tmp_path) for i in infos] == [
        'img/a.jpg',
        'img/b.jpg',
        'img/sub/c.jpg',
    ]
    assert osp.relpath(infos[2]['seg_map_path'], tmp_path) == 'ann/sub/c.png'
    assert infos[0]['label_map'] is None
    assert infos[0]['reduce_zero_label'] is False
    assert infos[0]['seg_fields'] == []
    assert infos[0]['palette'] == ToyDataset.METAINFO['palette']


def test_ann_file_lists_the_samples_in_its_order(tmp_path):
    make_tree(tmp_path)
    (tmp_path / 'split.txt').write_text('b\nsub/c\n\n')
    dataset = build(tmp_path, ann_file='split.txt')
    assert [
        osp.relpath(dataset.get_data_info(i)['img_path'], tmp_path)
        for i in range(len(dataset))
    ] == ['img/b.jpg', 'img/sub/c.jpg']


def test_suffixes(tmp_path):
    os.makedirs(tmp_path / 'img')
    os.makedirs(tmp_path / 'ann')
    cv2.imwrite(str(tmp_path / 'img' / 'x_left.png'), np.zeros((2, 2)))
    cv2.imwrite(str(tmp_path / 'img' / 'other.jpg'), np.zeros((2, 2)))
    cv2.imwrite(str(tmp_path / 'ann' / 'x_gt.png'), np.zeros((2, 2)))
    dataset = build(tmp_path, img_suffix='_left.png', seg_map_suffix='_gt.png')
    assert len(dataset) == 1
    assert dataset.get_data_info(0)['seg_map_path'].endswith('ann/x_gt.png')


def test_seg_map_suffix_matching_no_file_names_suffix_and_path(tmp_path):
    make_tree(tmp_path)
    with pytest.raises(
        FileNotFoundError,
        match=f'segmentation map {tmp_path}/ann/a_gt.png of image '
        f'{tmp_path}/img/a.jpg does not exist: does seg_map_suffix '
        f'"_gt.png" of ToyDataset match the files in {tmp_path}/ann',
    ):
        build(tmp_path, seg_map_suffix='_gt.png')


def test_img_suffix_matching_no_file_names_suffix_and_folder(tmp_path):
    make_tree(tmp_path)
    with pytest.raises(
        ValueError,
        match=r'no image ending in "\.png" found for ToyDataset in '
        f'{tmp_path}/img',
    ):
        build(tmp_path, img_suffix='.png')
    (tmp_path / 'split.txt').write_text('a\n')
    # a split names its samples; the suffix is checked through the map
    with pytest.raises(FileNotFoundError, match='does seg_map_suffix'):
        build(tmp_path, ann_file='split.txt', seg_map_suffix='.bmp')


def test_missing_folders_and_empty_split_name_the_path(tmp_path):
    with pytest.raises(
        FileNotFoundError, match=f'image folder {tmp_path}/img does not exist'
    ):
        build(tmp_path)
    os.makedirs(tmp_path / 'img')
    with pytest.raises(
        ValueError,
        match=r'no image ending in "\.jpg" found '
        f'for ToyDataset in {tmp_path}/img',
    ):
        build(tmp_path)
    cv2.imwrite(str(tmp_path / 'img' / 'a.jpg'), np.zeros((2, 2)))
    with pytest.raises(
        FileNotFoundError,
        match=f'segmentation map folder {tmp_path}/ann does not exist',
    ):
        build(tmp_path)
    with pytest.raises(
        FileNotFoundError, match=f'annotation file {tmp_path}/x.txt does not'
    ):
        build(tmp_path, ann_file='x.txt')


def test_images_without_label_folder(tmp_path):
    make_tree(tmp_path)
    dataset = build(tmp_path, data_prefix=dict(img_path='img'))
    assert 'seg_map_path' not in dataset.get_data_info(0)


def test_class_subset_label_map_and_palette(tmp_path):
    dataset = build(make_tree(tmp_path), metainfo=dict(classes=('car', 'sky')))
    meta = dataset.metainfo
    assert meta['label_map'] == {0: 1, 1: 255, 2: 0}
    assert meta['palette'] == [[30, 30, 30], [10, 10, 10]]
    assert meta['classes'] == ('car', 'sky')
    assert meta['reduce_zero_label'] is False
    info = dataset.get_data_info(0)
    assert info['label_map'] == {0: 1, 1: 255, 2: 0}
    assert info['palette'] == ToyDataset.METAINFO['palette']  # raw labels


def test_subset_labels_through_the_pipeline(tmp_path):
    dataset = build(
        make_tree(tmp_path),
        metainfo=dict(classes=('road',)),
        pipeline=[
            dict(type='mmflow_ext.LoadAnnotations'),
            dict(type='mmflow_ext.PackSegInputs'),
        ],
    )
    gt = dataset[0]['data_samples'].gt_sem_seg.data
    assert gt.unique().tolist() == [0]  # raw 1 ('road') -> 0


def test_unknown_class_and_bad_palette(tmp_path):
    make_tree(tmp_path)
    with pytest.raises(
        ValueError,
        match=r"classes \['bus'\] of metainfo are "
        r'not among the classes .* of ToyDataset\.METAINFO',
    ):
        build(tmp_path, metainfo=dict(classes=('car', 'bus')))
    with pytest.raises(
        ValueError,
        match=r'metainfo "palette": palette of 1 colours does not fit '
        r"the 3 classes \['sky', 'road', 'car'\]",
    ):
        build(tmp_path, metainfo=dict(palette=[[1, 2, 3]]))


def test_missing_palette_is_seeded_and_leaves_global_state(tmp_path):
    make_tree(tmp_path)
    np.random.seed(7)
    expected_next = np.random.rand()
    np.random.seed(7)
    dataset = BaseSegDataset(
        data_root=str(tmp_path),
        data_prefix=dict(img_path='img', seg_map_path='ann'),
        metainfo=dict(classes=('a', 'b')),
    )
    assert np.random.rand() == expected_next
    assert (
        dataset.metainfo['palette']
        == np.random.RandomState(42).randint(0, 255, size=(2, 3)).tolist()
    )
    assert dataset.metainfo['label_map'] is None
    # inference without the dataset picks the same colours
    assert fit_palette(('a', 'b'), None) == dataset.metainfo['palette']


def test_test_mode_needs_classes(tmp_path):
    make_tree(tmp_path)
    with pytest.raises(ValueError, match='needs metainfo "classes"'):
        BaseSegDataset(
            data_root=str(tmp_path),
            data_prefix=dict(img_path='img', seg_map_path='ann'),
            test_mode=True,
        )


def test_lazy_init_indices_and_no_serialization(tmp_path):
    dataset = build(make_tree(tmp_path), lazy_init=True)
    assert not dataset._fully_initialized
    dataset.full_init()
    assert len(dataset) == 3
    subset = build(tmp_path, indices=[2], serialize_data=False)
    assert len(subset) == 1
    assert subset.get_data_info(0)['img_path'].endswith('sub/c.jpg')


def test_standard_layouts_are_registered(tmp_path):
    assert len(CityscapesDataset.METAINFO['classes']) == 19
    assert len(ADE20KDataset.METAINFO['palette']) == 150
    os.makedirs(tmp_path / 'img')
    os.makedirs(tmp_path / 'ann')
    cv2.imwrite(str(tmp_path / 'img' / 'x.jpg'), np.zeros((2, 2)))
    cv2.imwrite(str(tmp_path / 'ann' / 'x.png'), np.zeros((2, 2)))
    with DefaultScope.overwrite_default_scope('mmflow_ext'):
        dataset = DATASETS.build(
            dict(
                type='ADE20KDataset',
                data_root=str(tmp_path),
                data_prefix=dict(img_path='img', seg_map_path='ann'),
            )
        )
    assert isinstance(dataset, ADE20KDataset)
    assert dataset.metainfo['reduce_zero_label'] is True
    assert dataset.get_data_info(0)['seg_map_path'].endswith('ann/x.png')
    city = CityscapesDataset(
        data_root=str(tmp_path),
        data_prefix=dict(img_path='img'),
        lazy_init=True,
    )
    assert (city.img_suffix, city.seg_map_suffix) == (
        '_leftImg8bit.png',
        '_gtFine_labelTrainIds.png',
    )
