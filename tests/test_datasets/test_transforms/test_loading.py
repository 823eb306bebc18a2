import os.path as osp
import warnings

import cv2
import numpy as np
import pytest

from mmflow_ext.datasets.transforms.loading import (
    LoadAnnotations,
    colors_to_labels,
    label_lookup_table,
)

PALETTE = [[0, 0, 0], [255, 0, 0], [0, 128, 255]]  # RGB


def write_png(path, array):
    assert cv2.imwrite(str(path), array)
    return str(path)


@pytest.fixture
def label_file(tmp_path):
    labels = np.array([[0, 1, 2, 254, 255], [3, 3, 0, 1, 2]], np.uint8)
    return write_png(tmp_path / 'a.png', labels), labels


@pytest.mark.parametrize('backend', ['pillow', 'cv2'])
def test_loads_exact_uint8_labels(label_file, backend):
    path, labels = label_file
    results = LoadAnnotations(imdecode_backend=backend)(
        dict(seg_map_path=path, seg_fields=[])
    )
    assert results['gt_seg_map'].dtype == np.uint8
    np.testing.assert_array_equal(results['gt_seg_map'], labels)
    assert results['seg_fields'] == ['gt_seg_map']


def test_reduce_zero_label_from_the_sample(label_file):
    path, _ = label_file
    results = LoadAnnotations()(
        dict(seg_map_path=path, reduce_zero_label=True)
    )
    np.testing.assert_array_equal(
        results['gt_seg_map'], [[255, 0, 1, 253, 255], [2, 2, 255, 0, 1]]
    )


def test_reduce_zero_label_argument_must_agree(label_file):
    path, _ = label_file
    with pytest.raises(ValueError, match='contradicts the dataset'):
        LoadAnnotations(reduce_zero_label=True)(
            dict(seg_map_path=path, reduce_zero_label=False)
        )
    results = LoadAnnotations(reduce_zero_label=True)(dict(seg_map_path=path))
    assert results['gt_seg_map'][0, 0] == 255


def test_label_map_after_reduce_zero_label(label_file):
    path, _ = label_file
    label_map = {0: 255, 1: 0, 2: 1, 3: 255}
    results = LoadAnnotations()(
        dict(seg_map_path=path, reduce_zero_label=True, label_map=label_map)
    )
    # raw 0 -> 255; raw 1 -> 0 -> 255; raw 2 -> 1 -> 0; raw 3 -> 2 -> 1
    np.testing.assert_array_equal(
        results['gt_seg_map'], [[255, 255, 0, 253, 255], [1, 1, 255, 255, 0]]
    )


def test_label_map_out_of_range():
    with pytest.raises(ValueError, match='label_map value -1 is outside'):
        label_lookup_table(False, {0: -1})


def test_lookup_table_is_none_without_remapping():
    assert label_lookup_table(False, None) is None


@pytest.mark.parametrize('backend', ['pillow', 'cv2'])
def test_colour_mask_is_decoded_through_the_palette(tmp_path, backend):
    labels = np.array([[0, 1, 2], [2, 1, 0]])
    rgb = np.array(PALETTE, np.uint8)[labels]
    path = write_png(tmp_path / 'c.png', rgb[..., ::-1])  # cv2 writes BGR
    results = LoadAnnotations(decode_color=True, imdecode_backend=backend)(
        dict(seg_map_path=path, palette=PALETTE)
    )
    np.testing.assert_array_equal(results['gt_seg_map'], labels)
    assert results['gt_seg_map'].dtype == np.uint8


def test_colour_not_in_palette_names_file_and_colour(tmp_path):
    rgb = np.zeros((2, 3, 3), np.uint8)
    rgb[1, 2] = (7, 8, 9)
    path = write_png(tmp_path / 'bad.png', rgb[..., ::-1])
    with pytest.raises(
        ValueError,
        match=r'colour \(7, 8, 9\) \(RGB\) at '
        r'pixel \(y=1, x=2\) of .*bad\.png is not in',
    ):
        LoadAnnotations(decode_color=True)(
            dict(seg_map_path=path, palette=PALETTE)
        )


def test_colour_mask_needs_decode_color_and_a_palette(tmp_path):
    path = write_png(tmp_path / 'c.png', np.zeros((2, 3, 3), np.uint8))
    with pytest.raises(
        ValueError,
        match=r'c\.png has shape \(2, 3, 3\).*'
        'decode_color=True',
    ):
        LoadAnnotations()(dict(seg_map_path=path))
    with pytest.raises(ValueError, match='needs the dataset palette'):
        LoadAnnotations(decode_color=True)(dict(seg_map_path=path))


def test_palette_with_repeated_colour():
    with pytest.raises(ValueError, match=r'repeats colour \(1, 2, 3\)'):
        colors_to_labels(
            np.zeros((1, 1, 3), np.uint8), [[1, 2, 3], [0, 0, 0], [1, 2, 3]]
        )


def test_mask_size_must_match_its_image(tmp_path, label_file):
    path, _ = label_file
    with pytest.raises(
        ValueError,
        match=r'a\.png has size \(2, 5\) but its '
        r'image img\.jpg has size \(3, 5\)',
    ):
        LoadAnnotations()(
            dict(seg_map_path=path, img_path='img.jpg', ori_shape=(3, 5))
        )
    with pytest.raises(ValueError, match='has size'):
        LoadAnnotations()(
            dict(seg_map_path=path, img=np.zeros((4, 4, 3), np.uint8))
        )


def test_resized_image_is_compared_by_its_original_shape(label_file):
    path, labels = label_file
    results = LoadAnnotations()(
        dict(
            seg_map_path=path,
            img=np.zeros((4, 10, 3), np.uint8),
            ori_shape=(2, 5),
        )
    )
    np.testing.assert_array_equal(results['gt_seg_map'], labels)


def test_sixteen_bit_labels(tmp_path):
    small = write_png(tmp_path / 's.png', np.array([[0, 200]], np.uint16))
    results = LoadAnnotations()(dict(seg_map_path=small))
    np.testing.assert_array_equal(results['gt_seg_map'], [[0, 200]])
    big = write_png(tmp_path / 'b.png', np.array([[0, 300]], np.uint16))
    with pytest.raises(ValueError, match=r'b\.png holds labels in \[0, 300\]'):
        LoadAnnotations()(dict(seg_map_path=big))


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.png'):
        LoadAnnotations()(dict(seg_map_path=osp.join(tmp_path, 'nope.png')))


def test_repr():
    assert repr(LoadAnnotations()) == (
        "LoadAnnotations(reduce_zero_label=None, imdecode_backend='pillow', "
        'backend_args=None)'
    )
    assert repr(LoadAnnotations(decode_color=True, max_image_pixels=9)) == (
        "LoadAnnotations(reduce_zero_label=None, imdecode_backend='pillow', "
        'backend_args=None, decode_color=True, max_image_pixels=9)'
    )


@pytest.mark.parametrize(
    'kwargs',
    [
        dict(),
        dict(reduce_zero_label=True, backend_args=dict(backend='local')),
        dict(reduce_zero_label=False, imdecode_backend='cv2'),
    ],
)
def test_repr_is_mmsegmentations(kwargs):
    mmseg = pytest.importorskip('mmseg.datasets.transforms')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # theirs warns of a deprecation
        theirs = mmseg.LoadAnnotations(**kwargs)
    assert repr(LoadAnnotations(**kwargs)) == repr(theirs)


@pytest.mark.parametrize('label_map', [None, {0: 2, 1: 0, 2: 255, 3: 1}])
@pytest.mark.parametrize('arg', [None, True, False])
@pytest.mark.parametrize('in_results', [True, False])
def test_reduce_zero_label_matches_mmsegmentation(
    label_file, arg, in_results, label_map
):
    mmseg = pytest.importorskip('mmseg.datasets.transforms')
    path, _ = label_file
    results = dict(
        seg_map_path=path, reduce_zero_label=in_results, seg_fields=[]
    )
    if label_map is not None:
        results['label_map'] = label_map
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            expected = mmseg.LoadAnnotations(reduce_zero_label=arg)(
                dict(results)
            )['gt_seg_map']
    except AssertionError:  # theirs: the argument contradicts the dataset
        with pytest.raises(ValueError, match='contradicts the dataset'):
            LoadAnnotations(reduce_zero_label=arg)(dict(results))
        return
    ours = LoadAnnotations(reduce_zero_label=arg)(dict(results))
    np.testing.assert_array_equal(ours['gt_seg_map'], expected)
    assert ours['gt_seg_map'].dtype == expected.dtype


def test_reduce_zero_label_none_is_decided_per_sample(label_file):
    path, _ = label_file
    load = LoadAnnotations()
    reduced = load(dict(seg_map_path=path, reduce_zero_label=True))
    plain = load(dict(seg_map_path=path, reduce_zero_label=False))
    assert (
        reduced['gt_seg_map'][0, 0] == 255 and plain['gt_seg_map'][0, 0] == 0
    )
    # MMSegmentation stores the first sample's value in the transform
    assert load.reduce_zero_label is None


def test_registered_under_our_scope():
    from mmflow_ext.registry import TRANSFORMS

    assert TRANSFORMS.get('LoadAnnotations') is LoadAnnotations
