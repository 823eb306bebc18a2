# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Split-file handling, fixed arguments and errors of the dataset types."""

import os
import os.path as osp

import cv2
import numpy as np
import pytest

from mmflow_ext.datasets import (
    BaseCDDataset,
    COCOStuffDataset,
    LEVIRCDDataset,
    NYUDataset,
    PascalContextDataset,
    PascalVOCDataset,
    REFUGEDataset,
    iSAIDDataset,
)


def write(root, rel, value=0):
    path = osp.join(root, rel)
    os.makedirs(osp.dirname(path), exist_ok=True)
    cv2.imwrite(path, np.full((4, 4), value, np.uint8))


@pytest.fixture
def voc(tmp_path):
    for stem in ('2007_000032', '2007_000039'):
        write(tmp_path, f'JPEGImages/{stem}.jpg')
        write(tmp_path, f'SegmentationClass/{stem}.png')
    split = tmp_path / 'ImageSets' / 'Segmentation'
    split.mkdir(parents=True)
    (split / 'train.txt').write_text('2007_000039\n2007_000032\n')
    return dict(
        data_root=str(tmp_path),
        data_prefix=dict(
            img_path='JPEGImages', seg_map_path='SegmentationClass'
        ),
    )


def test_voc_lists_its_split_in_file_order(voc):
    dataset = PascalVOCDataset(
        ann_file='ImageSets/Segmentation/train.txt', **voc
    )
    assert [
        osp.basename(dataset.get_data_info(i)['img_path']) for i in (0, 1)
    ] == ['2007_000039.jpg', '2007_000032.jpg']


def test_voc_needs_a_split_file(voc):
    with pytest.raises(TypeError, match="'ann_file'"):
        PascalVOCDataset(**voc)
    root = voc['data_root']
    with pytest.raises(
        FileNotFoundError,
        match=f'PascalVOCDataset needs a split file: ann_file '
        f'"{root}/ImageSets/Segmentation/val.txt" is not a file',
    ):
        PascalVOCDataset(ann_file='ImageSets/Segmentation/val.txt', **voc)
    # a folder is no split file (the base class would list it)
    with pytest.raises(FileNotFoundError, match='is not a file'):
        PascalVOCDataset(ann_file='ImageSets', **voc)


def test_context_missing_split_file_names_it(voc):
    root = voc['data_root']
    with pytest.raises(
        FileNotFoundError,
        match=f'annotation file {root}/ImageSets/SegmentationContext/'
        'train.txt does not exist',
    ):
        PascalContextDataset(
            ann_file='ImageSets/SegmentationContext/train.txt', **voc
        )


def test_refuge_fixes_suffixes_and_zero_label(tmp_path):
    write(tmp_path, 'images/training/g0001.png')
    write(tmp_path, 'annotations/training/g0001.png')
    prefix = dict(
        img_path='images/training', seg_map_path='annotations/training'
    )
    dataset = REFUGEDataset(data_root=str(tmp_path), data_prefix=prefix)
    assert (
        dataset.img_suffix,
        dataset.seg_map_suffix,
        dataset.reduce_zero_label,
    ) == ('.png', '.png', False)
    with pytest.raises(TypeError, match="'img_suffix'"):
        REFUGEDataset(img_suffix='.jpg')
    with pytest.raises(TypeError, match="'reduce_zero_label'"):
        REFUGEDataset(reduce_zero_label=True)


def test_isaid_split_file_of_patch_stems(tmp_path):
    for stem in ('P0002_0_896_0_896', 'P0002_0_896_600_1496'):
        write(tmp_path, f'img_dir/train/{stem}.png')
        write(tmp_path, f'ann_dir/train/{stem}_instance_color_RGB.png')
    (tmp_path / 'train.txt').write_text('P0002_0_896_600_1496\n')
    prefix = dict(img_path='img_dir/train', seg_map_path='ann_dir/train')
    folder = iSAIDDataset(data_root=str(tmp_path), data_prefix=prefix)
    assert len(folder) == 2
    split = iSAIDDataset(
        data_root=str(tmp_path), data_prefix=prefix, ann_file='train.txt'
    )
    assert len(split) == 1
    assert split.get_data_info(0)['seg_map_path'] == osp.join(
        str(tmp_path),
        'ann_dir/train',
        'P0002_0_896_600_1496_instance_color_RGB.png',
    )
    # the maps end in the image suffix too: listed as images of a shared
    # folder, the first one has no map of its own, which is reported
    shared = dict(img_path='ann_dir/train', seg_map_path='ann_dir/train')
    with pytest.raises(
        FileNotFoundError,
        match='P0002_0_896_0_896_instance_color_RGB_instance_color_RGB'
        r'\.png of image .* does not exist: does seg_map_suffix '
        '"_instance_color_RGB.png" of iSAIDDataset match',
    ):
        iSAIDDataset(data_root=str(tmp_path), data_prefix=shared)


def test_class_subset_of_a_new_type_maps_labels_and_palette(tmp_path):
    write(tmp_path, 'images/a.jpg')
    write(tmp_path, 'annotations/a_labelTrainIds.png')
    dataset = COCOStuffDataset(
        data_root=str(tmp_path),
        data_prefix=dict(img_path='images', seg_map_path='annotations'),
        metainfo=dict(classes=('car', 'person')),
    )
    meta = dataset.metainfo
    assert meta['label_map'][0] == 1 and meta['label_map'][2] == 0
    assert sum(v != 255 for v in meta['label_map'].values()) == 2
    full = COCOStuffDataset.METAINFO['palette']
    assert meta['palette'] == [full[2], full[0]]


def test_change_detection_pairs_and_split_extensions(tmp_path):
    for stem in ('a', 'b'):
        write(tmp_path, f'train/A/{stem}.png')
        write(tmp_path, f'train/B/{stem}.png')
        write(tmp_path, f'train/label/{stem}.png')
    prefix = dict(
        img_path='train/A', img_path2='train/B', seg_map_path='train/label'
    )
    dataset = LEVIRCDDataset(data_root=str(tmp_path), data_prefix=prefix)
    info = dataset.get_data_info(1)
    assert [
        osp.relpath(info[k], tmp_path)
        for k in ('img_path', 'img_path2', 'seg_map_path')
    ] == ['train/A/b.png', 'train/B/b.png', 'train/label/b.png']
    # a split line's own extension replaces both image suffixes
    (tmp_path / 'split.txt').write_text('b.jpg\na\n')
    split = BaseCDDataset(
        data_root=str(tmp_path),
        data_prefix=prefix,
        ann_file='split.txt',
        img_suffix='.png',
        img_suffix2='.tif',
        seg_map_suffix='.png',
    )
    paths = [
        (osp.basename(i['img_path']), osp.basename(i['img_path2']))
        for i in (split.get_data_info(k) for k in (0, 1))
    ]
    assert paths == [('b.jpg', 'b.jpg'), ('a.png', 'a.tif')]


def test_change_detection_missing_second_folder_names_it(tmp_path):
    write(tmp_path, 'A/a.png')
    write(tmp_path, 'label/a.png')
    with pytest.raises(
        FileNotFoundError,
        match=f'second image folder {tmp_path}/B does not exist',
    ):
        LEVIRCDDataset(
            data_root=str(tmp_path),
            data_prefix=dict(
                img_path='A', img_path2='B', seg_map_path='label'
            ),
        )


def test_nyu_depth_maps_and_scene_ids(tmp_path):
    for stem in ('kitchen_0001', 'study_room_0002', 'garage_0003'):
        write(tmp_path, f'images/train/{stem}.jpg')
        write(tmp_path, f'annotations/train/{stem}.png')
    prefix = dict(img_path='images/train', depth_map_path='annotations/train')
    dataset = NYUDataset(data_root=str(tmp_path), data_prefix=prefix)
    infos = [dataset.get_data_info(i) for i in range(3)]
    assert [osp.basename(i['depth_map_path']) for i in infos] == [
        'garage_0003.png',
        'kitchen_0001.png',
        'study_room_0002.png',
    ]
    classes = NYUDataset.METAINFO['classes']
    assert [i['category_id'] for i in infos] == [
        -1,
        classes.index('kitchen'),
        classes.index('study_room'),
    ]
    assert 'seg_map_path' not in infos[0]
    assert dataset.category_id('no_digits.jpg') == -1
    with pytest.raises(
        FileNotFoundError,
        match='depth map .*garage_0003.tif of image .* does not exist: '
        'does depth_map_suffix ".tif" of NYUDataset match',
    ):
        NYUDataset(
            data_root=str(tmp_path),
            data_prefix=prefix,
            depth_map_suffix='.tif',
        )


def test_classes_from_a_file_and_as_a_list(tmp_path):
    # upstream's spec: metainfo 'classes' may name a text file of classes
    (tmp_path / 'classes.txt').write_text('cat\ndog\n')
    (tmp_path / 'split.txt').write_text('')
    for classes in (str(tmp_path / 'classes.txt'), ['cat', 'dog']):
        dataset = PascalVOCDataset(
            ann_file=str(tmp_path / 'split.txt'),
            data_prefix=dict(img_path=str(tmp_path)),
            metainfo=dict(classes=classes),
            test_mode=True,
            lazy_init=True,
        )
        assert list(dataset.metainfo['classes']) == ['cat', 'dog']
        voc = PascalVOCDataset.METAINFO
        assert dataset.metainfo['palette'] == [
            voc['palette'][voc['classes'].index(c)] for c in ('cat', 'dog')
        ]
        assert dataset.label_map[8] == 0 and dataset.label_map[12] == 1
