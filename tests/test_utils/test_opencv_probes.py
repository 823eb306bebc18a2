# Copyright (c) mmflow_ext contributors. All rights reserved.
"""The probe layouts that put every value through both OpenCV loops."""

import cv2
import numpy as np

from mmflow_ext.utils import ALL_UINT8, loop_probes


def test_loop_probes_hold_every_value_in_both_layouts():
    row, column = loop_probes(ALL_UINT8)
    assert row.shape == (1, 512) and row.flags.c_contiguous
    assert np.array_equal(row[0, :256], ALL_UINT8)
    assert np.array_equal(row[0, 256:], ALL_UINT8[::-1])
    assert column.shape == (256, 1)
    assert column.strides == (2, 1)  # one-pixel rows, apart
    assert np.array_equal(column[:, 0], ALL_UINT8)


def test_loop_probes_of_pixels_keep_the_channels_together():
    pixels = np.stack([ALL_UINT8, ALL_UINT8[::-1], ALL_UINT8], axis=1)
    row, column = loop_probes(pixels)
    assert row.shape == (1, 512, 3) and column.shape == (256, 1, 3)
    # OpenCV takes both as images of those pixels
    assert np.array_equal(cv2.flip(column, 0)[::-1], column)
    assert np.array_equal(row[0, 0], pixels[0])
