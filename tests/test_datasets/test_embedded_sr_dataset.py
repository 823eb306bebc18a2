# Copyright (c) mmflow_ext contributors. All rights reserved.
import json

import cv2
import numpy as np
import pytest

from mmflow_ext.datasets.embedded_sr_dataset import (MARKER, EmbeddedSRDataset,
                                                     degrade,
                                                     generate_embedded_sr_data)

SMALL = dict(num_train=3, num_val=2, img_size=32)


def test_generation_is_deterministic_and_reused(tmp_path):
    first, second = tmp_path / 'a', tmp_path / 'b'
    assert generate_embedded_sr_data(str(first), seed=3, **SMALL)
    assert generate_embedded_sr_data(str(second), seed=3, **SMALL)
    for kind in ('gt', 'x2', 'x4', 'noisy'):
        for split, count in (('train', 3), ('val', 2)):
            for idx in range(count):
                name = f'{split}/{kind}/{idx:04d}.png'
                assert (first / name).read_bytes() == (second /
                                                       name).read_bytes()
    stamp = (first / MARKER).stat().st_mtime_ns
    assert not generate_embedded_sr_data(str(first), seed=3, **SMALL)
    assert (first / MARKER).stat().st_mtime_ns == stamp
    assert json.loads((first / MARKER).read_text())['seed'] == 3
    assert generate_embedded_sr_data(str(first), seed=4, **SMALL)
    assert (first / 'train/gt/0000.png').read_bytes() != (
        second / 'train/gt/0000.png').read_bytes()


def test_images_are_structured_and_degraded(tmp_path):
    generate_embedded_sr_data(str(tmp_path / 'd'), **SMALL)
    gt = cv2.imread(str(tmp_path / 'd/train/gt/0000.png'))
    x2 = cv2.imread(str(tmp_path / 'd/train/x2/0000.png'))
    x4 = cv2.imread(str(tmp_path / 'd/train/x4/0000.png'))
    noisy = cv2.imread(str(tmp_path / 'd/train/noisy/0000.png'))
    assert gt.shape == (32, 32, 3) and x2.shape == (16, 16, 3)
    assert x4.shape == (8, 8, 3) and noisy.shape == gt.shape
    assert len(np.unique(gt.reshape(-1, 3), axis=0)) > 50
    assert abs(np.abs(cv2.Laplacian(gt, cv2.CV_64F)).mean()) > 5
    residual = noisy.astype(float) - gt
    assert 10 < residual.std() < 16
    area = cv2.resize(gt, (16, 16), interpolation=cv2.INTER_AREA)
    assert np.array_equal(area, x2)


def test_dataset_reads_the_split(tmp_path):
    root = str(tmp_path / 'sr')
    dataset = EmbeddedSRDataset(
        data_root=root,
        split='val',
        degradation='x2',
        pipeline=[
            dict(type='LoadImageFromFile', key='img'),
            dict(type='LoadImageFromFile', key='gt'),
            dict(type='PackInputs')
        ],
        **SMALL)
    assert len(dataset) == 2
    item = dataset[1]
    assert item['inputs'].shape == (3, 16, 16)
    assert item['data_samples'].gt_img.shape == (3, 32, 32)
    assert item['data_samples'].gt_path.endswith('val/gt/0001.png')


def test_errors(tmp_path):
    (tmp_path / 'busy').mkdir()
    (tmp_path / 'busy' / 'mine.txt').write_text('x')
    with pytest.raises(FileExistsError, match='busy is not empty'):
        generate_embedded_sr_data(str(tmp_path / 'busy'), **SMALL)
    with pytest.raises(ValueError, match="split must be 'train' or 'val'"):
        EmbeddedSRDataset(data_root=str(tmp_path / 'x'), split='test')
    with pytest.raises(ValueError, match='degradation must be one of'):
        EmbeddedSRDataset(data_root=str(tmp_path / 'x'), degradation='x3')
    with pytest.raises(ValueError, match='not divisible by 4'):
        degrade(np.zeros((6, 6, 3), np.uint8), 'x4', np.random.default_rng())
