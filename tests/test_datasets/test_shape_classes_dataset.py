# Copyright (c) mmflow_ext contributors. All rights reserved.
"""ShapeClassesDataset: generated once, deterministic, labelled by shape."""

import json
import os.path as osp

import cv2
import numpy as np
import pytest

from mmflow_ext.datasets import ShapeClassesDataset, generate_shape_classes
from mmflow_ext.datasets.shape_classes_dataset import (
    MANIFEST_NAME,
    SHAPE_CLASS_NAMES,
    draw_shape_image,
)

PIPELINE = [dict(type='LoadImageFromFile', key='gt'), dict(type='PackInputs')]


def test_samples_labels_and_packing(tmp_path):
    ds = ShapeClassesDataset(
        str(tmp_path),
        split='val',
        num_train_per_class=2,
        num_val_per_class=3,
        pipeline=PIPELINE,
    )
    assert len(ds) == 12
    assert ds.metainfo['classes'] == ('circle', 'square', 'triangle', 'star')
    labels = [ds.get_data_info(i)['gt_label'] for i in range(len(ds))]
    assert labels == [0] * 3 + [1] * 3 + [2] * 3 + [3] * 3
    item = ds[4]
    assert item['inputs'] == {}
    assert tuple(item['data_samples'].gt_img.shape) == (3, 32, 32)
    assert item['data_samples'].gt_label.label.tolist() == [1]
    assert 'val/square/00001.png' in ds.get_data_info(4)['gt_path']


def test_deterministic_and_reused(tmp_path):
    assert generate_shape_classes(str(tmp_path), 1, 1, show_progress=False)
    path = osp.join(tmp_path, 'train', 'star', '00000.png')
    first = cv2.imread(path)
    assert not generate_shape_classes(str(tmp_path), 1, 1)
    manifest = json.load(open(osp.join(tmp_path, MANIFEST_NAME)))
    assert manifest['complete'] and len(manifest['files']) == 8
    other = tmp_path / 'again'
    generate_shape_classes(str(other), 1, 1, show_progress=False)
    np.testing.assert_array_equal(
        cv2.imread(osp.join(other, 'train', 'star', '00000.png')), first
    )


def test_shape_colour_identifies_the_class():
    rng = np.random.default_rng(0)
    centres = [
        draw_shape_image(rng, label, 32)[16, 16].astype(int)
        for label in range(len(SHAPE_CLASS_NAMES))
    ]
    # the centre pixel is the shape's class colour (BGR): red circle,
    # green square, blue triangle, yellow star
    assert np.argmax(centres[0]) == 2 and np.argmax(centres[1]) == 1
    assert np.argmax(centres[2]) == 0 and centres[3][0] < 100


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="got 'test'"):
        ShapeClassesDataset(str(tmp_path), split='test')
    with pytest.raises(ValueError, match='image_size must be >= 16, got 8'):
        generate_shape_classes(str(tmp_path), 1, 1, image_size=8)
