# Copyright (c) mmflow_ext contributors. All rights reserved.
import math

import cv2
import numpy as np
import pytest
import torch

from mmflow_ext.evaluation.functional.image_quality import (
    img_transform,
    mae,
    psnr,
    ssim,
    to_y_channel,
)

ONES = np.ones((16, 16, 3))
TWOS = ONES * 2


def _reference_ssim(img1, img2):
    """Per-channel float64 ``cv2.filter2D`` with the full 11x11 window."""
    kernel = cv2.getGaussianKernel(11, 1.5)
    window = np.outer(kernel, kernel.T)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    values = []
    for c in range(img1.shape[2]):
        x, y = img1[..., c].astype(np.float64), img2[..., c].astype(np.float64)

        def blur(z):
            return cv2.filter2D(z, -1, window)[5:-5, 5:-5]

        mx, my = blur(x), blur(y)
        sx, sy, sxy = (
            blur(x * x) - mx**2,
            blur(y * y) - my**2,
            blur(x * y) - mx * my,
        )
        values.append(
            (
                (2 * mx * my + c1)
                * (2 * sxy + c2)
                / ((mx**2 + my**2 + c1) * (sx + sy + c2))
            ).mean()
        )
    return np.mean(values)


def test_psnr_published_values():
    assert psnr(ONES, TWOS) == pytest.approx(48.1308036, abs=1e-7)
    exact_y = 20 * math.log10(255 * 255 / 219)
    y_value = psnr(ONES, TWOS, convert_to='Y', channel_order='BGR')
    assert y_value == pytest.approx(exact_y, abs=1e-9)
    # the upstream value 49.4527218 differs by its float32 rounding only
    assert y_value == pytest.approx(49.4527218, abs=5e-6)
    assert psnr(ONES, ONES) == float('inf')
    assert isinstance(psnr(ONES, TWOS), float)


def test_psnr_orders_crop_and_tensors():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (12, 10, 3)).astype(np.uint8)
    b = a.copy()
    b[0] = 0
    chw = torch.from_numpy(a).permute(2, 0, 1)
    assert psnr(
        chw, torch.from_numpy(a).permute(2, 0, 1), input_order='CHW'
    ) == float('inf')
    assert psnr(a, b, crop_border=1) == float('inf')
    mse = ((a.astype(float) - b) ** 2).mean()
    assert psnr(a, b) == pytest.approx(10 * math.log10(255**2 / mse))


def test_y_channel():
    bgr = np.array([[[10.0, 20.0, 30.0]]])
    expected = (10 * 24.966 + 20 * 128.553 + 30 * 65.481) / 255 + 16
    assert to_y_channel(bgr, 'bgr')[0, 0, 0] == pytest.approx(expected)
    assert to_y_channel(bgr[..., ::-1], 'RGB')[0, 0, 0] == pytest.approx(
        expected
    )
    with pytest.raises(ValueError, match="channel_order must be 'rgb'"):
        to_y_channel(bgr, 'yuv')
    with pytest.raises(ValueError, match="convert_to must be 'Y' or None"):
        img_transform(bgr, convert_to='lab')
    with pytest.raises(ValueError, match="input_order must be 'HWC'"):
        img_transform(bgr, input_order='WHC')


def test_ssim_matches_full_window_reference():
    rng = np.random.default_rng(1)
    a = rng.integers(0, 256, (40, 33, 3)).astype(np.float64)
    b = np.clip(a + rng.normal(0, 20, a.shape), 0, 255).round()
    assert ssim(a, b) == pytest.approx(_reference_ssim(a, b), abs=1e-12)
    assert ssim(a, a) == pytest.approx(1.0, abs=1e-12)
    y1 = img_transform(a, convert_to='Y', channel_order='bgr')
    y2 = img_transform(b, convert_to='Y', channel_order='bgr')
    assert ssim(a, b, convert_to='Y', channel_order='bgr') == pytest.approx(
        _reference_ssim(y1, y2), abs=1e-12
    )
    with pytest.raises(ValueError, match='at least 11'):
        ssim(a, b, crop_border=12)
    with pytest.raises(ValueError, match='Image shapes differ'):
        ssim(a, b[:-1])


def test_mae_with_and_without_mask():
    a = np.zeros((3, 2, 2))
    b = np.full((3, 2, 2), 51.0)
    b[:, 0, 0] = 255
    assert mae(a, b) == pytest.approx((0.2 * 3 + 1) / 4)
    mask = np.array([[[0, 3], [1, 1]]])
    assert mae(a, b, mask) == pytest.approx(0.2)
    assert mask[0, 0, 1] == 3  # the caller's mask is left alone


@pytest.mark.parametrize('convert_to', [None, 'Y'])
@pytest.mark.parametrize('measure', [psnr, ssim])
def test_shape_mismatch_names_both_shapes(measure, convert_to):
    a, b = np.zeros((12, 12, 3)), np.zeros((12, 13, 3))
    # checked before any arithmetic: not numpy's broadcast error
    with pytest.raises(
        ValueError,
        match=r'^Image shapes differ: \(12, 12, 3\) and \(12, 13, 3\)$',
    ):
        measure(a, b, convert_to=convert_to)
    with pytest.raises(ValueError, match=r'\(3, 4, 4\) and \(3, 4, 5\)'):
        mae(torch.zeros(3, 4, 4), torch.zeros(3, 4, 5))
    with pytest.raises(TypeError, match='numpy arrays or tensors, got list'):
        measure([[0.0]], np.zeros((1, 1)))


@pytest.mark.skipif(
    not torch.cuda.is_available(), reason='needs a GPU to leave the CPU'
)
def test_mae_of_gpu_tensors_is_computed_on_the_gpu(monkeypatch):
    a = torch.zeros(3, 8, 8, device='cuda')
    b = torch.full((3, 8, 8), 51.0, device='cuda')
    mask = torch.ones(1, 8, 8)  # on the CPU: moved to the images' device
    monkeypatch.setattr(torch.Tensor, 'numpy', None)  # no host copy
    assert mae(a, b) == pytest.approx(0.2)
    assert mae(a, b, mask) == pytest.approx(0.2)
