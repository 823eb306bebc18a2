# Copyright (c) mmflow_ext contributors. All rights reserved.
import numpy as np
import pytest

from mmflow_ext.visualization import palette_to_array, random_palette


def test_random_palette_matches_seeded_numpy_and_keeps_global_state():
    np.random.seed(7)
    before = np.random.get_state()[1].copy()
    palette = random_palette(5)
    assert np.array_equal(np.random.get_state()[1], before)
    # the colours numpy's legacy generator draws after seeding with 42
    np.random.seed(42)
    expected = np.random.randint(0, 255, size=(5, 3))
    assert palette == [tuple(color) for color in expected.tolist()]
    assert random_palette(8)[:5] == palette
    assert random_palette(5, seed=0) != palette


def test_random_palette_rejects_negative_count():
    with pytest.raises(ValueError, match='num_classes must be >= 0, got -1'):
        random_palette(-1)


def test_palette_to_array_values_and_dtype():
    array = palette_to_array([(0, 10, 255), [7, 8, 9]], classes=['a', 'b'])
    assert array.dtype == np.uint8
    assert array.tolist() == [[0, 10, 255], [7, 8, 9]]


@pytest.mark.parametrize('palette', [
    [[0, 0, 256]],
    [[-1, 0, 0]],
    [[0, 0, 0, 0]],
    [[0, 0], [1, 1]],
    'red',
])
def test_palette_to_array_rejects_non_rgb(palette):
    with pytest.raises(ValueError, match='palette must be a list of RGB'):
        palette_to_array(palette)


def test_palette_to_array_rejects_length_mismatch():
    with pytest.raises(
            ValueError, match='palette has 1 colours but there are 2 classes'):
        palette_to_array([[1, 2, 3]], classes=['a', 'b'])
