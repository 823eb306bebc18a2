# Copyright (c) mmflow_ext contributors. All rights reserved.
import cv2
import numpy as np
import pytest
from edit_reference import assert_same, run_both

from mmflow_ext.datasets.transforms.edit_values import (
    Clip,
    CopyValues,
    SetValues,
    UnsharpMasking,
)


@pytest.fixture
def mmagic_transforms():
    return pytest.importorskip('mmagic.datasets.transforms')


def test_copy_and_set_values_copy_deeply():
    src = dict(gt=[np.zeros(2)])
    out = CopyValues(['gt'], ['img'])(src)
    out['img'][0][0] = 5
    assert out['gt'][0][0] == 0
    value = dict(a=[1])
    setter = SetValues(dict(scale=4, meta=value))
    out = setter(dict())
    out['meta']['a'].append(2)
    assert setter.dictionary['meta'] == dict(a=[1]) and out['scale'] == 4
    with pytest.raises(AssertionError, match='must be lists'):
        CopyValues('gt', ['img'])
    with pytest.raises(ValueError, match='same'):
        CopyValues(['gt'], ['a', 'b'])


def test_clip_and_unsharp_masking_values():
    out = Clip(['img'], 1, 3)(dict(img=[np.array([0, 2, 9])]))
    assert out['img'][0].tolist() == [1, 2, 3]
    img = np.zeros((9, 9), np.float32)
    img[4, 4] = 100
    sharp = UnsharpMasking(3, 1.0, 0.5, 10, ['gt'])(dict(gt=img))['gt_unsharp']
    kernel = cv2.getGaussianKernel(3, 1.0)
    kernel = kernel @ kernel.T
    residue = img - cv2.filter2D(img, -1, kernel)
    soft = cv2.filter2D(np.float32(np.abs(residue) > 10), -1, kernel)
    expect = soft * np.clip(img + 0.5 * residue, 0, 255) + (1 - soft) * img
    np.testing.assert_allclose(sharp, expect, rtol=1e-6)
    with pytest.raises(ValueError, match='kernel_size must be an odd'):
        UnsharpMasking(4, 1.0, 0.5, 10, ['gt'])


def test_values_equal_mmagic(mmagic_transforms):
    m = mmagic_transforms
    rng = np.random.RandomState(0)
    results = dict(
        gt=rng.randint(0, 255, (8, 9, 3)).astype(np.uint8),
        img=[rng.rand(4, 5, 3) * 300 - 20],
    )
    pairs = [
        (CopyValues(['gt'], ['copy']), m.CopyValues(['gt'], ['copy'])),
        (SetValues(dict(scale=2)), m.SetValues(dict(scale=2))),
        (Clip(['img']), m.Clip(['img'])),
        (
            UnsharpMasking(5, 0, 0.5, 10, ['gt', 'img']),
            m.UnsharpMasking(5, 0, 0.5, 10, ['gt', 'img']),
        ),
    ]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
        assert_same(*run_both(ours, theirs, results))
