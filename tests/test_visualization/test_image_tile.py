# Copyright (c) mmflow_ext contributors. All rights reserved.
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from mmengine.structures import PixelData

from mmflow_ext.visualization import image_to_tile


def plain_tile(array, channels_first, bgr2rgb, pixel_range):
    """The conversion written out step by step, one pixel at a time."""
    array = np.asarray(array)
    if array.ndim == 2:
        array = array[..., None]
        channels_first = False
    if channels_first:
        array = np.moveaxis(array, -3, -1)
    if array.ndim == 4:
        array = np.concatenate(list(array), axis=0)
    if array.shape[-1] == 1:
        array = np.repeat(array, 3, axis=-1)
    if bgr2rgb:
        array = array[..., ::-1]
    if array.dtype == np.uint8:
        return array
    out = np.empty(array.shape, dtype=np.uint8)
    for index, value in np.ndenumerate(array):
        if pixel_range is not None:
            low, high = pixel_range
            value = ((value - low) / (high - low)) * 255
        out[index] = np.round(min(max(value, 0), 255))
    return out


def test_uint8_tensor_is_transposed_and_not_scaled():
    chw = torch.arange(2 * 3 * 3, dtype=torch.uint8).reshape(3, 2, 3)
    tile = image_to_tile(chw)
    assert tile.shape == (2, 3, 3) and tile.dtype == np.uint8
    assert tile[1, 2].tolist() == [5, 11, 17]


def test_float_is_clamped_and_rounded_half_to_even():
    gray = torch.tensor([[[-3.0, 0.5, 1.5, 2.5, 254.5, 300.0]]])
    tile = image_to_tile(gray)
    assert tile[..., 0].tolist() == [[0, 0, 2, 2, 254, 255]]
    assert np.array_equal(tile[..., 0], tile[..., 2])  # gray expanded


def test_pixel_range_maps_to_0_255():
    image = torch.tensor([[[-1.0, 0.0, 0.5, 1.0, 2.0]]])
    tile = image_to_tile(image, pixel_range=(-1, 1))
    # 0 -> 127.5 -> 128 (half to even), 0.5 -> 191.25 -> 191
    assert tile[0, :, 0].tolist() == [0, 128, 191, 255, 255]


def test_uint8_ignores_pixel_range():
    image = torch.full((1, 1, 1), 200, dtype=torch.uint8)
    assert image_to_tile(image, pixel_range=(0, 1))[0, 0].tolist() == [200] * 3


def test_bgr2rgb_reverses_channels():
    bgr = torch.tensor([10.0, 20.0, 30.0]).reshape(3, 1, 1)
    assert image_to_tile(bgr)[0, 0].tolist() == [10, 20, 30]
    assert image_to_tile(bgr, bgr2rgb=True)[0, 0].tolist() == [30, 20, 10]


def test_frames_are_stacked_top_to_bottom():
    frames = torch.stack([torch.full((3, 2, 4), float(t)) for t in range(3)])
    tile = image_to_tile(frames)
    assert tile.shape == (6, 4, 3)
    assert tile[:, 0, 0].tolist() == [0, 0, 1, 1, 2, 2]


def test_arrays_are_channels_last_and_2d_is_gray():
    hwc = np.zeros((2, 5, 3), dtype=np.uint8)
    hwc[..., 2] = 9
    assert image_to_tile(hwc).shape == (2, 5, 3)
    assert image_to_tile(hwc)[0, 0].tolist() == [0, 0, 9]
    gray = np.array([[3.2, 4.7]])
    assert image_to_tile(gray).tolist() == [[[3, 3, 3], [5, 5, 5]]]


def test_pixel_data_and_its_dict_form():
    data = torch.full((1, 2, 2), 42.0)
    assert image_to_tile(PixelData(data=data))[0, 0].tolist() == [42] * 3
    assert image_to_tile({'data': data})[0, 0].tolist() == [42] * 3


def test_integer_input_with_pixel_range():
    image = torch.tensor([[[0, 500, 1000, 2000]]])
    tile = image_to_tile(image, pixel_range=(0, 1000))
    assert tile[0, :, 0].tolist() == [0, 128, 255, 255]


def test_bfloat16_is_drawn():
    image = torch.full((3, 1, 1), 100.0, dtype=torch.bfloat16)
    assert image_to_tile(image)[0, 0].tolist() == [100] * 3


@pytest.mark.parametrize(
    'value, message',
    [
        (torch.zeros(4, 2, 2), 'must have 1 or 3 channels; got shape'),
        (np.zeros((2, 2, 2)), 'must have 1 or 3 channels'),
        (
            torch.zeros(1, 1, 1, 1, 1),
            r'must be C×H×W .*; got shape \(1, 1, 1, 1, 1\)',
        ),
        (torch.zeros(5), r'must be C×H×W .*; got shape \(5,\)'),
    ],
)
def test_bad_shapes_name_the_key(value, message):
    with pytest.raises(ValueError, match='"gt_img" ' + message):
        image_to_tile(value, key='gt_img')


def test_bad_type_and_range():
    with pytest.raises(
        TypeError,
        match='"x" must hold a tensor, an array or '
        'PixelData to be drawn, got list',
    ):
        image_to_tile([[1, 2]], key='x')
    with pytest.raises(
        ValueError,
        match=r'pixel_range of "x" must be \(min, '
        r'max\) with max > min, got \(1, 1\)',
    ):
        image_to_tile(torch.zeros(1, 1, 1), key='x', pixel_range=(1, 1))


@settings(max_examples=60, deadline=None)
@given(
    array=hnp.arrays(
        dtype=st.sampled_from([np.float32, np.float64]),
        shape=st.sampled_from([(3, 2, 3), (1, 3, 2), (2, 3, 2, 2), (2, 4)]),
        elements=st.integers(-400, 1200).map(lambda v: v / 4)
        | st.floats(-2, 300, width=32),
    ),
    as_uint8=st.booleans(),
    channels_first=st.booleans(),
    bgr2rgb=st.booleans(),
    pixel_range=st.sampled_from([None, (0, 255), (-1, 1), (0, 1)]),
)
def test_matches_a_pixel_by_pixel_conversion(
    array, as_uint8, channels_first, bgr2rgb, pixel_range
):
    if as_uint8:
        array = np.clip(array, 0, 255).astype(np.uint8)
    if channels_first or array.ndim == 2:
        value = torch.from_numpy(array) if array.ndim > 2 else array
    else:  # the same image, channels last, as an array
        array = np.ascontiguousarray(np.moveaxis(array, -3, -1))
        value = array
    expected = plain_tile(
        array, channels_first and array.ndim > 2, bgr2rgb, pixel_range
    )
    tile = image_to_tile(value, bgr2rgb=bgr2rgb, pixel_range=pixel_range)
    assert np.array_equal(tile, expected)
