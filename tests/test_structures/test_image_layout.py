# Copyright (c) mmflow_ext contributors. All rights reserved.
import numpy as np
import pytest
import torch

from mmflow_ext.structures.image_layout import (
    all_to_tensor,
    hwc_to_chw_contiguous,
    hwc_to_chw_view,
    owned_tensor,
)

IMG = np.arange(4 * 5 * 3, dtype=np.uint8).reshape(4, 5, 3)

VIEWS = {
    'owned': IMG,
    'flipped': IMG[:, ::-1],
    'flipped both': IMG[::-1, ::-1],
    'channels reversed': IMG[..., ::-1],
    'crop': IMG[1:3, 1:4],
    'gray': IMG[..., 0],
}


@pytest.mark.parametrize('name', sorted(VIEWS))
@pytest.mark.parametrize('convert', [hwc_to_chw_view, hwc_to_chw_contiguous])
def test_both_behaviours_give_the_transposed_values(name, convert):
    image = VIEWS[name]
    hwc = image if image.ndim == 3 else image[..., None]
    tensor = convert(image)
    np.testing.assert_array_equal(tensor.numpy(), hwc.transpose(2, 0, 1))
    assert tensor.dtype == torch.uint8


@pytest.mark.parametrize('name', sorted(VIEWS))
def test_neither_shares_memory_with_the_caller(name):
    image = VIEWS[name].copy() if name == 'owned' else VIEWS[name]
    before = image.copy()
    for convert in (hwc_to_chw_view, hwc_to_chw_contiguous):
        tensor = convert(image)
        tensor.fill_(7)
        np.testing.assert_array_equal(image, before)
        assert image.flags.writeable


def test_the_view_keeps_hwc_memory_and_the_copy_is_chw():
    view = hwc_to_chw_view(IMG)
    assert view.stride() == (1, 15, 3) and not view.is_contiguous()
    assert hwc_to_chw_contiguous(IMG).is_contiguous()


def test_owned_tensor_of_a_read_only_array_warns_nothing(recwarn):
    array = IMG.copy()
    array.flags.writeable = False
    owned_tensor(array[:, ::-1])
    owned_tensor(array)
    assert not [w for w in recwarn if 'NumPy array' in str(w.message)]


def test_all_to_tensor_frames_and_passthrough():
    frames = all_to_tensor([IMG, IMG[:, ::-1]])
    assert frames.shape == (2, 3, 4, 5)
    assert torch.equal(frames[1], hwc_to_chw_contiguous(IMG[:, ::-1]))
    assert all_to_tensor(np.arange(3)).tolist() == [0, 1, 2]
    assert all_to_tensor(5) == 5
    with pytest.raises(ValueError, match=r'got shape \(1, 2, 3, 4\)'):
        hwc_to_chw_view(np.zeros((1, 2, 3, 4)))
