# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Label maps that do not fit their image, their palette or the classes."""

import re

import cv2
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData

from mmflow_ext.registry import METRICS, TRANSFORMS
from mmflow_ext.structures import SegDataSample


def write(tmp_path, name: str, array: np.ndarray) -> str:
    path = str(tmp_path / name)
    assert cv2.imwrite(path, array)
    return path


def test_label_map_of_another_size_than_its_image(tmp_path):
    img_path = write(tmp_path, 'img.png', np.zeros((6, 8, 3), np.uint8))
    map_path = write(tmp_path, 'map.png', np.zeros((6, 7), np.uint8))
    results = TRANSFORMS.build(dict(type='LoadImageFromFile'))(
        dict(img_path=img_path, seg_map_path=map_path)
    )
    with pytest.raises(
        ValueError,
        match=re.escape(
            f'segmentation map {map_path} has size (6, 7) '
            f'but its image {img_path} has size (6, 8)'
        ),
    ):
        TRANSFORMS.build(dict(type='LoadAnnotations'))(results)


def test_rgb_label_map_without_decode_color(tmp_path):
    path = write(tmp_path, 'rgb.png', np.zeros((4, 5, 3), np.uint8))
    with pytest.raises(
        ValueError,
        match=re.escape(f'segmentation map {path} has shape (4, 5, 3)')
        + '.*decode_color=True',
    ):
        TRANSFORMS.build(dict(type='LoadAnnotations'))(dict(seg_map_path=path))


def test_rgb_label_map_without_a_palette(tmp_path):
    path = write(tmp_path, 'rgb.png', np.zeros((4, 5, 3), np.uint8))
    with pytest.raises(
        ValueError,
        match=f'decoding the colour mask {re.escape(path)} needs the '
        'dataset palette in the sample key "palette"',
    ):
        TRANSFORMS.build(dict(type='LoadAnnotations', decode_color=True))(
            dict(seg_map_path=path)
        )


def test_labels_beyond_num_classes_in_training():
    """Caught on the batch, naming the file (the loss would only say
    "Target 7 is out of bounds")."""
    from types import SimpleNamespace

    from mmflow_ext.engine.hooks import NumClassCheckHook

    model = torch.nn.Module()
    model.decode_head = torch.nn.Module()
    model.decode_head.num_classes, model.decode_head.ignore_index = 5, 255
    sample = SegDataSample(metainfo=dict(seg_map_path='ann/07.png'))
    sample.gt_sem_seg = PixelData(
        data=torch.tensor([[[0, 4, 7], [255, 7, 1]]], dtype=torch.uint8)
    )
    with pytest.raises(
        ValueError,
        match=r'label map ann/07\.png holds values outside \[0, 5\) that '
        r'are not ignore_index=255 \(value: pixels\) \{7: 2\}',
    ):
        NumClassCheckHook().before_train_iter(
            SimpleNamespace(model=model), 0, dict(data_samples=[sample])
        )


def test_labels_beyond_num_classes_in_evaluation():
    metric = METRICS.build(dict(type='IoUMetric'))
    metric.dataset_meta = dict(classes=('a', 'b', 'c'))
    sample = SegDataSample(metainfo=dict(seg_map_path='ann/03.png'))
    sample.gt_sem_seg = PixelData(data=torch.tensor([[[0, 5, 255]]]))
    sample.pred_sem_seg = PixelData(data=torch.tensor([[[0, 1, 2]]]))
    with pytest.raises(
        ValueError,
        match=r'sample ann/03\.png: label holds values outside \[0, 3\) '
        r'that are not ignore_index=255 \(value: pixels\) \{5: 1\}',
    ):
        metric.process({}, [sample.to_dict()])
