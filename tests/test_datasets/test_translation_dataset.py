# Copyright (c) mmflow_ext contributors. All rights reserved.
import os.path as osp

import cv2
import numpy as np
import pytest

from mmflow_ext.datasets.translation_dataset import (
    PairedImageDataset,
    UnpairedImageDataset,
)


def _img(path, w=8, value=0):
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.full((4, w, 3), value, np.uint8))


@pytest.fixture
def pix2pix(tmp_path):
    for phase in ('train', 'test'):
        for i in (2, 0, 1):
            _img(tmp_path / phase / f'{i}.jpg', value=10 * i)
    (tmp_path / 'train' / 'readme.txt').write_text('x')
    return tmp_path


@pytest.fixture
def cyclegan(tmp_path):
    for folder, count in (
        ('trainA', 3),
        ('trainB', 5),
        ('testA', 2),
        ('testB', 1),
    ):
        for i in range(count):
            _img(tmp_path / folder / f'{i}.png', 4)
    return tmp_path


def test_paired_lists_sorted_pairs_and_loads(pix2pix):
    dataset = PairedImageDataset(
        str(pix2pix),
        pipeline=[dict(type='LoadPairedImageFromFile', key='pair')],
    )
    assert [
        osp.basename(dataset.get_data_info(i)['pair_path'])
        for i in range(len(dataset))
    ] == ['0.jpg', '1.jpg', '2.jpg']
    assert dataset[1]['img_A'].shape == (4, 4, 3)
    test = PairedImageDataset(str(pix2pix), [], test_mode=True)
    assert test.get_data_info(0)['pair_path'] == osp.join(
        str(pix2pix), 'test', '0.jpg'
    )
    with pytest.raises(
        FileNotFoundError, match='Image folder not found: .*val'
    ):
        PairedImageDataset(str(pix2pix), [], test_mode=True, test_dir='val')


def test_unpaired_lengths_and_random_b(cyclegan):
    dataset = UnpairedImageDataset(
        str(cyclegan), pipeline=[], domain_a='photo', domain_b='art'
    )
    assert len(dataset) == 5
    np.random.seed(3)
    idx_b = np.random.randint(0, 5)
    np.random.seed(3)
    info = dataset.get_data_info(4)
    assert info['img_photo_path'] == osp.join(str(cyclegan), 'trainA', '1.png')
    assert info['img_art_path'] == osp.join(
        str(cyclegan), 'trainB', f'{idx_b}.png'
    )
    test = UnpairedImageDataset(str(cyclegan), [], test_mode=True)
    assert len(test) == 2
    assert test.get_data_info(1)['img_B_path'].endswith('testB/0.png')
    (cyclegan / 'emptyA').mkdir()
    with pytest.raises(ValueError, match='trainB has no valid image'):
        for f in (cyclegan / 'trainB').iterdir():
            f.unlink()
        UnpairedImageDataset(str(cyclegan), [])


def test_equal_mmagic(pix2pix, cyclegan):
    mmagic = pytest.importorskip('mmagic.datasets')
    for test_mode in (False, True):
        ours = PairedImageDataset(str(pix2pix), [], test_mode=test_mode)
        theirs = mmagic.PairedImageDataset(
            str(pix2pix), [], test_mode=test_mode
        )
        assert [ours.get_data_info(i) for i in range(len(ours))] == [
            theirs.get_data_info(i) for i in range(len(theirs))
        ]
        ours = UnpairedImageDataset(str(cyclegan), [], test_mode=test_mode)
        theirs = mmagic.UnpairedImageDataset(
            str(cyclegan), [], test_mode=test_mode
        )
        assert len(ours) == len(theirs)
        for i in range(len(ours)):
            np.random.seed(i)
            a = ours.get_data_info(i)
            np.random.seed(i)
            assert a == theirs.get_data_info(i)
