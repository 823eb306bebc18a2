# Copyright (c) mmflow_ext contributors. All rights reserved.
import numpy as np
import pytest
import torch

from mmflow_ext.evaluation.metrics.image_quality_metrics import MAE, PSNR, SSIM
from mmflow_ext.registry import METRICS


def _sample(gt, pred, **extra):
    return dict(gt_img=gt, output=dict(pred_img=pred), **extra)


def test_psnr_values_and_floats():
    metric = PSNR()
    ones = torch.ones(3, 16, 16)
    metric.process(None, [_sample(ones, ones * 2)])
    result = metric.evaluate(1)
    assert result['PSNR'] == pytest.approx(48.1308036, abs=1e-7)
    assert type(result['PSNR']) is float
    y_metric = PSNR(convert_to='Y')
    y_metric.process(None, [_sample(ones, ones * 2)])
    assert y_metric.evaluate(1)['PSNR'] == pytest.approx(49.4527218, abs=5e-6)
    assert METRICS.get('PSNR') is PSNR


def test_mean_over_samples_frames_and_truncation():
    metric = PSNR(gt_key='gt', pred_key='out', crop_border=1)
    base = torch.zeros(3, 8, 8)
    noisy = base.clone()
    noisy[:, 2, 2] = 6  # inside the crop: mse 36 * 3 / (3 * 36) = 1
    metric.process(
        None,
        [
            dict(gt=base, output=dict(out=noisy)),
            dict(
                gt=torch.stack([base, noisy]),
                output=dict(out=torch.stack([noisy, base])),
            ),
            dict(gt=base, output=dict(out=base)),
        ],
    )
    # both samples measure 48.13 dB (the video as the mean of its frames);
    # the third (identical, infinite PSNR) is a padded duplicate: dropped
    assert metric.evaluate(2)['PSNR'] == pytest.approx(48.1308036, abs=1e-7)


def test_ssim_and_mae():
    gt = torch.arange(3 * 16 * 16, dtype=torch.float32).reshape(3, 16, 16)
    ssim = SSIM(prefix='val')
    ssim.process(None, [_sample(gt % 256, gt % 256)])
    assert ssim.evaluate(1) == {'val/SSIM': pytest.approx(1.0, abs=1e-12)}
    mae = MAE(mask_key='mask')
    mask = torch.zeros(1, 16, 16)
    mask[:, :8] = 1
    pred = torch.zeros(3, 16, 16)
    pred[:, :8] = 51
    pred[:, 8:] = 255
    mae.process(None, [_sample(torch.zeros(3, 16, 16), pred, mask=mask)])
    assert mae.evaluate(1)['MAE'] == pytest.approx(0.2)


def test_missing_keys_are_named():
    metric = PSNR(gt_key='gt')
    with pytest.raises(
        KeyError,
        match=r'"gt" is not in the evaluated sample; keys present: '
        r'\[gt_img, output\]',
    ):
        metric.process(
            None, [_sample(torch.ones(3, 4, 4), torch.ones(3, 4, 4))]
        )
    with pytest.raises(
        KeyError,
        match=r'"output.pred_img" is not in the evaluated sample; keys '
        r'present: \[gt_img\]',
    ):
        PSNR().process(None, [dict(gt_img=torch.ones(3, 4, 4))])
    # MMagic's lookup falls back to a 'data' entry when the key is missing;
    # measuring against that unrelated field must be an error instead
    with pytest.raises(KeyError, match='"gt" is not in the evaluated'):
        metric.process(
            None,
            [
                dict(
                    data=torch.ones(3, 4, 4),
                    output=dict(pred_img=torch.ones(3, 4, 4)),
                )
            ],
        )
    assert metric.results == []


def test_pixel_data_dicts_and_wrapped_samples_are_read():
    gt = torch.zeros(3, 4, 4)
    pred = torch.full((3, 4, 4), 51.0)
    metric = MAE()
    metric.process(
        None,
        [
            dict(gt_img=dict(data=gt), output=dict(pred_img=dict(data=pred))),
            dict(data_samples=dict(gt_img=gt, output=dict(pred_img=pred))),
        ],
    )
    assert [r['MAE'] for r in metric.results] == [
        pytest.approx(0.2),
        pytest.approx(0.2),
    ]


def test_device_is_checked_and_receives_the_tensors():
    with pytest.raises(ValueError, match=r"MAE\(device='nowhere'\) is not"):
        MAE(device='nowhere')
    devices = ['cpu'] + (['cuda'] if torch.cuda.is_available() else [])
    for device in devices:
        metric = MAE(device=device)
        value = metric._get(dict(gt_img=torch.ones(2)), 'gt_img')
        assert value.device.type == device


def _gaussian_window():
    offsets = np.arange(11) - 5
    g = np.exp(-(offsets**2) / (2 * 1.5**2))
    g /= g.sum()
    return np.outer(g, g)


def _reference_ssim_plane(x, y):
    """SSIM of two float64 planes, every 11x11 'valid' window summed out
    explicitly (no OpenCV, no separable filtering)."""
    window = _gaussian_window()
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    views = [
        np.lib.stride_tricks.sliding_window_view(z, (11, 11))
        for z in (x, y, x * x, y * y, x * y)
    ]
    mx, my, xx, yy, xy = (np.einsum('ijkl,kl->ij', v, window) for v in views)
    vx, vy, cov = xx - mx**2, yy - my**2, xy - mx * my
    ssim_map = (
        (2 * mx * my + c1)
        * (2 * cov + c2)
        / ((mx**2 + my**2 + c1) * (vx + vy + c2))
    )
    return ssim_map.mean()


def _bgr_to_y(hwc):
    b, g, r = hwc[..., 0], hwc[..., 1], hwc[..., 2]
    return (24.966 * b + 128.553 * g + 65.481 * r) / 255 + 16


def _different_pair(seed=3, shape=(3, 23, 19)):
    rng = np.random.default_rng(seed)
    gt = rng.integers(0, 256, shape).astype(np.float64)
    pred = np.clip(gt + rng.normal(0, 25, shape), 0, 255).round()
    pred[:, :6, :6] = 0  # a badly wrong corner
    return gt, pred


@pytest.mark.parametrize('crop_border', [0, 2])
def test_ssim_metric_on_different_images_matches_a_reference(crop_border):
    gt, pred = _different_pair()
    b = crop_border
    gt_kept, pred_kept = (
        img[:, b : img.shape[1] - b, b : img.shape[2] - b]
        for img in (gt, pred)
    )
    expected = np.mean(
        [_reference_ssim_plane(gt_kept[c], pred_kept[c]) for c in range(3)]
    )
    assert 0.5 < expected < 0.96  # really different images
    metric = SSIM(crop_border=crop_border)
    metric.process(
        None,
        [
            _sample(
                torch.from_numpy(gt).float(), torch.from_numpy(pred).float()
            )
        ],
    )
    assert metric.evaluate(1)['SSIM'] == pytest.approx(expected, abs=1e-10)


def test_ssim_metric_y_channel_matches_a_reference():
    gt, pred = _different_pair(seed=4)
    y_gt, y_pred = (_bgr_to_y(img.transpose(1, 2, 0)) for img in (gt, pred))
    expected = _reference_ssim_plane(y_gt, y_pred)
    metric = SSIM(convert_to='Y')
    metric.process(
        None, [_sample(torch.from_numpy(gt), torch.from_numpy(pred))]
    )
    assert metric.evaluate(1)['SSIM'] == pytest.approx(expected, abs=1e-10)


def test_metrics_match_mmagic_on_different_images():
    mmagic_metrics = pytest.importorskip('mmagic.evaluation.metrics')
    gt, pred = _different_pair(seed=5)
    samples = [
        _sample(torch.from_numpy(gt).float(), torch.from_numpy(pred).float())
    ]
    for ours, theirs in [
        (SSIM(), mmagic_metrics.SSIM()),
        (
            SSIM(convert_to='Y', crop_border=1),
            mmagic_metrics.SSIM(convert_to='Y', crop_border=1),
        ),
        (PSNR(convert_to='Y'), mmagic_metrics.PSNR(convert_to='Y')),
        (MAE(), mmagic_metrics.MAE()),
    ]:
        ours.process(None, samples)
        theirs.process(None, samples)
        name = ours.metric
        assert ours.compute_metrics(ours.results)[name] == pytest.approx(
            float(theirs.compute_metrics(theirs.results)[name]), rel=1e-6
        )
