# Copyright (c) mmflow_ext contributors. All rights reserved.
import numpy as np
import pytest

from mmflow_ext.visualization import (
    fit_palette,
    palette_to_array,
    random_palette,
)


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


@pytest.mark.parametrize(
    'palette',
    [
        [[0, 0, 256]],
        [[-1, 0, 0]],
        [[0, 0, 0, 0]],
        [[0, 0], [1, 1]],
        'red',
    ],
)
def test_palette_to_array_rejects_non_rgb(palette):
    with pytest.raises(ValueError, match='palette must be a list of RGB'):
        palette_to_array(palette)


def test_palette_to_array_rejects_length_mismatch():
    with pytest.raises(
        ValueError, match='palette has 1 colours but there are 2 classes'
    ):
        palette_to_array([[1, 2, 3]], classes=['a', 'b'])


CITY_CLASSES = ('road', 'car', 'sky')
CITY_PALETTE = [[1, 1, 1], [2, 2, 2], [3, 3, 3]]


def test_fit_palette_keeps_a_palette_of_one_colour_per_class():
    palette = CITY_PALETTE[:2]
    assert fit_palette(['a', 'b'], palette) is palette
    assert palette == [[1, 1, 1], [2, 2, 2]]


def test_fit_palette_draws_the_seeded_palette_when_there_is_none():
    np.random.seed(42)
    expected = np.random.randint(0, 255, size=(3, 3)).tolist()
    assert fit_palette(CITY_CLASSES) == expected
    assert fit_palette(CITY_CLASSES, []) == expected


def test_fit_palette_of_a_class_subset_follows_the_label_map():
    # classes ('sky', 'road') of ('road', 'car', 'sky'): sky is 0, road 1
    label_map = {0: 1, 1: 255, 2: 0}
    assert fit_palette(['sky', 'road'], CITY_PALETTE, label_map) == [
        [3, 3, 3],
        [1, 1, 1],
    ]
    palette = tuple(tuple(c) for c in CITY_PALETTE)
    assert fit_palette(['sky'], palette, {0: 255, 1: 255, 2: 0}) == (
        (3, 3, 3),
    )


def test_fit_palette_rejects_what_fits_neither():
    with pytest.raises(
        ValueError,
        match=r"palette of 3 colours does not fit the 2 classes "
        r"\['a', 'b'\]",
    ):
        fit_palette(['a', 'b'], CITY_PALETTE)
    with pytest.raises(ValueError, match='palette of 1 colours'):
        fit_palette(['a', 'b'], [[0, 0, 0]], {0: 0, 1: 1})


def test_dataset_inference_meta_and_visualizer_colour_alike():
    """The three users of the palette give a class subset one colour."""
    from mmflow_ext.apis.dataset_meta import dataset_meta_from_config
    from mmflow_ext.datasets import CityscapesDataset
    from mmflow_ext.visualization import ConcatImageVisualizer

    classes = ('sky', 'road')
    label_map = CityscapesDataset.get_label_map(classes)
    fitted = fit_palette(
        classes, CityscapesDataset.METAINFO['palette'], label_map
    )
    full = dict(
        zip(
            CityscapesDataset.METAINFO['classes'],
            CityscapesDataset.METAINFO['palette'],
        )
    )
    assert fitted == [full['sky'], full['road']]
    cfg = dict(
        test_dataloader=dict(
            dataset=dict(
                type='CityscapesDataset',
                pipeline=[],
                metainfo=dict(classes=classes),
            )
        )
    )
    assert dataset_meta_from_config(cfg)['palette'] == fitted
    vis = ConcatImageVisualizer(
        name='fit-palette-test', fn_key='img_path', img_keys=['gt_sem_seg']
    )
    vis.dataset_meta = dict(
        classes=classes,
        palette=CityscapesDataset.METAINFO['palette'],
        label_map=label_map,
    )
    row = vis.draw_row(dict(gt_sem_seg=np.array([[0, 1]], dtype=np.uint8)))
    assert row[0].tolist() == fitted
