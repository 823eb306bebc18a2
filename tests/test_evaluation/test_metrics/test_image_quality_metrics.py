# Copyright (c) mmflow_ext contributors. All rights reserved.
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
    metric.process(None, [
        dict(gt=base, output=dict(out=noisy)),
        dict(
            gt=torch.stack([base, noisy]),
            output=dict(out=torch.stack([noisy, base]))),
        dict(gt=base, output=dict(out=base)),
    ])
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
    with pytest.raises(KeyError, match='"gt" is not in the evaluated sample'):
        metric.process(None,
                       [_sample(torch.ones(3, 4, 4), torch.ones(3, 4, 4))])
    with pytest.raises(KeyError, match='has no "output"'):
        metric.process(None, [dict(gt_img=torch.ones(3, 4, 4))])
