# Copyright (c) mmflow_ext contributors. All rights reserved.
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData

from mmflow_ext.visualization import (
    colorize_label_map,
    draw_class_names,
    label_map_to_array,
)

PALETTE = np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255]], dtype=np.uint8)


@pytest.mark.parametrize(
    'value',
    [
        PixelData(data=torch.tensor([[[0, 1], [2, 255]]])),
        {'data': torch.tensor([[[0, 1], [2, 255]]], dtype=torch.uint8)},
        np.array([[0, 1], [2, 255]]),
        np.array([[[0], [1]], [[2], [255]]]),
        torch.tensor([[0, 1], [2, 255]]),
    ],
)
def test_label_map_to_array_accepts_all_forms(value):
    assert label_map_to_array(value).tolist() == [[0, 1], [2, 255]]


def test_label_map_to_array_errors_name_the_key():
    with pytest.raises(
        ValueError,
        match=r'"gt_sem_seg" must be a 1×H×W or '
        r'H×W label map, got shape \(2, 3, 3\)',
    ):
        label_map_to_array(
            torch.zeros(2, 3, 3, dtype=torch.long), 'gt_sem_seg'
        )
    with pytest.raises(
        TypeError,
        match='"seg_logits" must hold integer labels, got dtype float32',
    ):
        label_map_to_array(PixelData(data=torch.zeros(1, 2, 2)), 'seg_logits')
    with pytest.raises(TypeError, match='"m" must hold a label map'):
        label_map_to_array('mask.png', 'm')


@pytest.mark.parametrize('dtype', [np.uint8, np.int64])
def test_colours_from_palette_and_unpainted_pixels(dtype):
    labels = np.array([[0, 1, 2], [255, 3, 1]], dtype=dtype)
    tile = colorize_label_map(labels, PALETTE)
    assert tile.dtype == np.uint8 and tile.shape == (2, 3, 3)
    assert tile[0].tolist() == PALETTE.tolist()
    # ignore (255) and a label without colour (3) stay black
    assert tile[1].tolist() == [[0, 0, 0], [0, 0, 0], [0, 255, 0]]


def test_negative_labels_and_custom_ignore_index():
    labels = np.array([[-1, 0, 1]])
    tile = colorize_label_map(labels, PALETTE, ignore_index=1)
    assert tile[0].tolist() == [[0, 0, 0], [255, 0, 0], [0, 0, 0]]


def test_large_palette_with_uint8_labels():
    palette = np.tile(np.arange(256, dtype=np.uint8)[:, None], (1, 3))
    labels = np.array([[0, 200, 255]], dtype=np.uint8)
    tile = colorize_label_map(labels, palette)
    assert tile[0, :, 0].tolist() == [0, 200, 0]


def test_blending_over_an_image():
    labels = np.array([[0, 2, 255]], dtype=np.uint8)
    image = np.array([[[40, 80, 120]] * 3], dtype=np.uint8)
    tile = colorize_label_map(labels, PALETTE, image, alpha=0.25)
    # round(0.75 * image + 0.25 * colour)
    assert tile[0].tolist() == [[94, 60, 90], [30, 60, 154], [40, 80, 120]]
    opaque = colorize_label_map(labels, PALETTE, image, alpha=1.0)
    assert opaque[0].tolist() == [[255, 0, 0], [0, 0, 255], [40, 80, 120]]


def test_blend_errors():
    labels = np.zeros((2, 3), dtype=np.uint8)
    with pytest.raises(
        ValueError,
        match='the label map \\(2×3\\) and the '
        'image it is drawn over \\(3×2\\) differ in size',
    ):
        colorize_label_map(labels, PALETTE, np.zeros((3, 2, 3), np.uint8))
    with pytest.raises(ValueError, match=r'alpha must be in \[0, 1\], got 2'):
        colorize_label_map(labels, PALETTE, alpha=2)


def test_class_names_are_written_inside_their_region():
    labels = np.full((60, 200), 255, dtype=np.uint8)
    labels[:, 100:] = 1
    tile = colorize_label_map(labels, PALETTE)
    drawn = draw_class_names(tile.copy(), labels, ['zero', 'one'])
    changed = np.argwhere((drawn != tile).any(axis=-1))
    assert len(changed) > 20
    # only inside class 1's half, around its most interior point (30, 150)
    assert changed[:, 1].min() >= 100
    assert abs(changed[:, 1].mean() - 150) < 10
    assert abs(changed[:, 0].mean() - 30) < 10
    # without names for the present labels nothing changes
    untouched = draw_class_names(tile.copy(), labels, ['zero'])
    assert np.array_equal(untouched, tile)
