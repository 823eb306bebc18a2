# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Probing an OpenCV call on every input value before trusting it.

OpenCV runs each row through a vector loop and the last few pixels
through a scalar tail loop, and the two may round differently. A fast
path that replaces straightforward arithmetic by an OpenCV call (the uint8
tables of ``PhotoMetricDistortion``, the uint8 planes of the data
preprocessors) is used only where the call gives the exact result for
every value in both loops; :func:`loop_probes` lays the values out so.
"""

from typing import Tuple

import numpy as np

__all__ = ['ALL_UINT8', 'loop_probes']

#: every uint8 value once, in order
ALL_UINT8 = np.arange(256, dtype=np.uint8)


def loop_probes(values: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """``values`` (``N`` or ``N×C``) laid out for both loops of OpenCV.

    Args:
        values (np.ndarray): The values to probe, one per pixel.

    Returns:
        tuple: One continuous row holding every value twice, in both
        orders (each value meets the vector loop), and a column of
        one-pixel rows, not continuous (each value meets the scalar tail
        loop).

    Examples:
        >>> row, column = loop_probes(np.arange(3, dtype=np.uint8))
        >>> row
        array([[0, 1, 2, 2, 1, 0]], dtype=uint8)
        >>> column.shape, column.flags.c_contiguous
        ((3, 1), False)
    """
    twice = np.concatenate([values, values[::-1]])
    row = twice[np.newaxis]
    column = np.repeat(values[:, np.newaxis], 2, axis=1)[:, :1]
    return row, column
