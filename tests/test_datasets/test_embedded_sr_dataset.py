# Copyright (c) mmflow_ext contributors. All rights reserved.
import json

import cv2
import numpy as np
import pytest

from mmflow_ext.datasets.embedded_sr_dataset import (
    MARKER,
    EmbeddedSRDataset,
    degrade,
    generate_embedded_sr_data,
    synthesize_clean_image,
)

SMALL = dict(num_train=3, num_val=2, img_size=32)


def test_generation_is_deterministic_and_reused(tmp_path):
    first, second = tmp_path / 'a', tmp_path / 'b'
    assert generate_embedded_sr_data(str(first), seed=3, **SMALL)
    assert generate_embedded_sr_data(str(second), seed=3, **SMALL)
    for kind in ('gt', 'x2', 'x4', 'noisy'):
        for split, count in (('train', 3), ('val', 2)):
            for idx in range(count):
                name = f'{split}/{kind}/{idx:04d}.png'
                assert (first / name).read_bytes() == (
                    second / name
                ).read_bytes()
    stamp = (first / MARKER).stat().st_mtime_ns
    assert not generate_embedded_sr_data(str(first), seed=3, **SMALL)
    assert (first / MARKER).stat().st_mtime_ns == stamp
    assert json.loads((first / MARKER).read_text())['seed'] == 3
    assert generate_embedded_sr_data(str(first), seed=4, **SMALL)
    assert (first / 'train/gt/0000.png').read_bytes() != (
        second / 'train/gt/0000.png'
    ).read_bytes()


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
            dict(type='PackInputs'),
        ],
        **SMALL,
    )
    assert len(dataset) == 2
    item = dataset[1]
    assert item['inputs'].shape == (3, 16, 16)
    assert item['data_samples'].gt_img.shape == (3, 32, 32)
    assert item['data_samples'].gt_path.endswith('val/gt/0001.png')


def test_user_files_survive_a_rebuild_with_other_settings(tmp_path):
    (tmp_path / 'mine.txt').write_text('x')  # there before the data
    generate_embedded_sr_data(str(tmp_path), **SMALL)
    (tmp_path / 'train' / 'gt' / 'notes.txt').write_text('y')
    assert generate_embedded_sr_data(
        str(tmp_path), seed=5, num_train=1, num_val=1, img_size=16
    )
    assert (tmp_path / 'mine.txt').read_text() == 'x'
    assert (tmp_path / 'train' / 'gt' / 'notes.txt').read_text() == 'y'
    assert not (tmp_path / 'train' / 'gt' / '0002.png').exists()
    manifest = json.loads((tmp_path / MARKER).read_text())
    assert manifest['complete'] and len(manifest['files']) == 8


def test_a_foreign_file_in_the_way_is_refused(tmp_path):
    (tmp_path / 'val' / 'x4').mkdir(parents=True)
    (tmp_path / 'val' / 'x4' / '0001.png').write_bytes(b'theirs')
    with pytest.raises(FileExistsError, match=r'val/x4/0001.png \(and 0'):
        generate_embedded_sr_data(str(tmp_path), **SMALL)
    assert (tmp_path / 'val' / 'x4' / '0001.png').read_bytes() == b'theirs'


def test_files_are_the_bytes_cv2_imwrite_writes(tmp_path):
    generate_embedded_sr_data(str(tmp_path), seed=2, **SMALL)
    gt = synthesize_clean_image(np.random.default_rng((2, 0, 1)), 32)
    cv2.imwrite(str(tmp_path / 'ref.png'), gt)
    assert (tmp_path / 'train/gt/0001.png').read_bytes() == (
        tmp_path / 'ref.png'
    ).read_bytes()


def test_an_old_marker_without_a_file_list_is_reused(tmp_path):
    generate_embedded_sr_data(str(tmp_path), **SMALL)
    marker = json.loads((tmp_path / MARKER).read_text())
    legacy = {
        k: v for k, v in marker.items() if k not in ('files', 'complete')
    }
    (tmp_path / MARKER).write_text(json.dumps(legacy))
    assert not generate_embedded_sr_data(str(tmp_path), **SMALL)
    # its files count as written by the generator: a rebuild replaces them
    assert generate_embedded_sr_data(str(tmp_path), seed=9, **SMALL)


def test_errors(tmp_path):
    with pytest.raises(ValueError, match="split must be 'train' or 'val'"):
        EmbeddedSRDataset(data_root=str(tmp_path / 'x'), split='test')
    with pytest.raises(ValueError, match='degradation must be one of'):
        EmbeddedSRDataset(data_root=str(tmp_path / 'x'), degradation='x3')
    with pytest.raises(ValueError, match='not divisible by 4'):
        degrade(np.zeros((6, 6, 3), np.uint8), 'x4', np.random.default_rng())
