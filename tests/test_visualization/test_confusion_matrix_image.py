# Copyright (c) mmflow_ext contributors. All rights reserved.
"""The confusion-matrix heatmap."""

import cv2
import numpy as np
import pytest

from mmflow_ext.visualization.confusion_matrix_image import (
    ABSENT_ROW_COLOR,
    draw_confusion_matrix,
    row_fractions,
)


def longest_run(image, colour):
    """Longest horizontal run of pixels of exactly ``colour``."""
    best = 0
    for line in np.all(image == np.asarray(colour), axis=2):
        run = 0
        for hit in line:
            run = run + 1 if hit else 0
            best = max(best, run)
    return best


def viridis(level):
    return cv2.applyColorMap(np.uint8([[level]]), cv2.COLORMAP_VIRIDIS)[0, 0]


def test_row_fractions():
    fractions = row_fractions(np.array([[3, 1], [0, 0]]))
    np.testing.assert_array_equal(fractions[0], [0.75, 0.25])
    assert np.isnan(fractions[1]).all()


def test_cells_coloured_by_row_fraction_and_absent_rows_grey():
    image = draw_confusion_matrix(
        np.array([[4, 0], [0, 0]]), ['road', 'sky'], cell_size=40
    )
    assert image.dtype == np.uint8 and image.shape[2] == 3
    assert longest_run(image, viridis(255)) == 40  # road -> road: 100 %
    assert longest_run(image, ABSENT_ROW_COLOR) == 80  # no sky pixels
    half = draw_confusion_matrix(
        np.array([[2, 2], [0, 0]]), ['road', 'sky'], cell_size=40
    )
    assert longest_run(half, viridis(255)) == 0
    assert longest_run(half, viridis(128)) == 80


@pytest.mark.parametrize('num_classes,cell', [(19, 40), (150, 8)])
def test_cell_size_follows_the_class_count(num_classes, cell):
    matrix = np.eye(num_classes, dtype=np.int64)
    names = [f'class {i}' for i in range(num_classes)]
    image = draw_confusion_matrix(matrix, names)
    side = num_classes * cell
    assert side < image.shape[0] < side + 200
    assert side < image.shape[1] < side + 200


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match=r'square, got shape \(2, 3\)'):
        draw_confusion_matrix(np.zeros((2, 3)), ['a', 'b'])
    with pytest.raises(ValueError, match='3 class names given for a 2x2'):
        draw_confusion_matrix(np.zeros((2, 2)), ['a', 'b', 'c'])
