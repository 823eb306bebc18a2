# Copyright (c) mmflow_ext contributors. All rights reserved.
"""The files segmentation evaluation writes: where, what, atomically."""

import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData

from mmflow_ext.compat import atomic_write
from mmflow_ext.evaluation.metrics.iou_metric import IoUMetric
from mmflow_ext.evaluation.seg_result_files import (
    PredictionWriter,
    prediction_path,
    save_confusion_matrix,
)
from mmflow_ext.structures import SegDataSample
from mmflow_ext.visualization.confusion_matrix_image import (
    draw_confusion_matrix,
)


def sample(pred, img_path, seg_map_path=None):
    metainfo = dict(img_path=img_path)
    if seg_map_path is not None:
        metainfo['seg_map_path'] = seg_map_path
    data_sample = SegDataSample(metainfo=metainfo)
    data_sample.pred_sem_seg = PixelData(data=torch.tensor(pred)[None])
    return data_sample.to_dict()


def format_only(output_dir):
    metric = IoUMetric(format_only=True, output_dir=str(output_dir))
    metric.dataset_meta = dict(classes=('a', 'b', 'c'))
    return metric


def read(path):
    return cv2.imread(str(path), cv2.IMREAD_UNCHANGED).tolist()


def test_same_file_names_in_two_cities_get_two_files(tmp_path):
    root = tmp_path / 'data'
    metric = format_only(tmp_path / 'out')
    metric.process(
        {},
        [
            sample(
                [[1, 2]],
                f'{root}/leftImg8bit/val/city_a/0001.jpg',
                f'{root}/gtFine/val/city_a/0001.png',
            ),
            sample(
                [[2, 0]],
                f'{root}/leftImg8bit/val/city_b/0001.jpg',
                f'{root}/gtFine/val/city_b/0001.png',
            ),
        ],
    )
    base = tmp_path / 'out' / 'leftImg8bit' / 'val'
    assert read(base / 'city_a' / '0001.png') == [[1, 2]]
    assert read(base / 'city_b' / '0001.png') == [[2, 0]]
    assert metric.num_written == 2


def test_prediction_path_rules(tmp_path):
    out = str(tmp_path / 'out')
    # the sub-folder below the folder holding both image and label map
    assert prediction_path(
        out, '/d/img/val/x.jpg', '/d/ann/val/x.png'
    ) == osp.join(out, 'img', 'val', 'x.png')
    # image and map side by side: flat, as without a map (MMSegmentation)
    assert prediction_path(out, '/d/x.jpg', '/d/x_gt.png') == osp.join(
        out, 'x.png'
    )
    assert prediction_path(out, '/d/a/x.jpg') == osp.join(out, 'x.png')


def test_two_images_never_share_a_prediction_file(tmp_path):
    metric = format_only(tmp_path / 'out')
    metric.process({}, [sample([[1]], '/data/city_a/0001.jpg')])
    with pytest.raises(
        ValueError,
        match='the predictions of /data/city_a/0001.jpg and '
        '/data/city_b/0001.jpg would both be written to .*0001.png',
    ):
        metric.process({}, [sample([[2]], '/data/city_b/0001.jpg')])
    assert read(tmp_path / 'out' / '0001.png') == [[1]]
    # the same image again (a padded duplicate) is no conflict, and a new
    # evaluation starts afresh
    metric.process({}, [sample([[1]], '/data/city_a/0001.jpg')])
    metric.compute_metrics(metric.results)
    metric.process({}, [sample([[2]], '/data/city_b/0001.jpg')])
    assert read(tmp_path / 'out' / '0001.png') == [[2]]


def test_an_input_is_never_replaced(tmp_path):
    image = tmp_path / 'x.png'
    cv2.imwrite(str(image), np.full((1, 1, 3), 9, np.uint8))
    writer = PredictionWriter(str(tmp_path))
    with pytest.raises(ValueError, match=f'would replace the input {image}'):
        writer.write(dict(img_path=str(image)), np.zeros((1, 1), np.int64))
    assert read(image) == [[[9, 9, 9]]]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path, monkeypatch
):
    writer = PredictionWriter(str(tmp_path / 'out'))
    path = writer.write(dict(img_path='a.jpg'), np.ones((2, 2), np.int64))

    def killed(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic_write.os, 'replace', killed)
    with pytest.raises(KeyboardInterrupt):
        writer.write(dict(img_path='a.jpg'), np.zeros((2, 2), np.int64))
    assert read(path) == [[1, 1], [1, 1]]
    assert os.listdir(tmp_path / 'out') == ['a.png']


def test_confusion_matrix_files(tmp_path):
    matrix = np.array([[5, 1], [0, 3]], dtype=np.int64)
    assert save_confusion_matrix(
        matrix, ['road', 'sky'], str(tmp_path)
    ) == str(tmp_path)
    np.testing.assert_array_equal(
        np.load(tmp_path / 'confusion_matrix.npy'), matrix
    )
    image = cv2.imread(str(tmp_path / 'confusion_matrix.png'))
    expected = draw_confusion_matrix(matrix, ['road', 'sky'])
    np.testing.assert_array_equal(image, expected)
    assert sorted(os.listdir(tmp_path)) == [
        'confusion_matrix.npy',
        'confusion_matrix.png',
    ]
