# Copyright (c) mmflow_ext contributors. All rights reserved.
import math

import cv2
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData

from mmflow_ext.evaluation.functional.depth_metrics import (
    depth_errors,
    depth_eval_mask,
)
from mmflow_ext.evaluation.metrics import DepthMetric


def sample(gt, pred, name='a.jpg'):
    return dict(
        gt_depth_map=dict(data=torch.as_tensor(gt)[None]),
        pred_depth_map=dict(data=torch.as_tensor(pred)[None]),
        img_path=name,
    )


def test_depth_errors_hand_computed():
    gt = torch.tensor([1.0, 2.0, 4.0, 1.0], dtype=torch.float64)
    pred = torch.tensor([1.0, 3.0, 2.0, 2.0], dtype=torch.float64)
    out = depth_errors(gt, pred)
    # ratios 1, 1.5, 2, 2 ; 1.25**2 = 1.5625, 1.25**3 = 1.953125
    assert out['d1'] == 0.25 and out['d2'] == 0.5 and out['d3'] == 0.5
    assert out['abs_rel'] == pytest.approx((0 + 0.5 + 0.5 + 1) / 4)
    assert out['sq_rel'] == pytest.approx((0 + 0.5 + 1 + 1) / 4)
    assert out['rmse'] == pytest.approx(math.sqrt((0 + 1 + 4 + 1) / 4))
    logs = [0, math.log(1.5), math.log(0.5), math.log(2)]
    mean_sq = sum(v * v for v in logs) / 4
    assert out['rmse_log'] == pytest.approx(math.sqrt(mean_sq))
    assert out['log10'] == pytest.approx(
        sum(abs(v) for v in logs) / 4 / math.log(10)
    )
    assert out['silog'] == pytest.approx(
        math.sqrt(mean_sq - 0.5 * (sum(logs) / 4) ** 2)
    )


def test_eval_mask_bounds_and_nyu_crop():
    gt = torch.full((480, 640), 5.0)
    gt[100, 100] = 0.0
    gt[101, 100] = 10.0
    mask = depth_eval_mask(gt, 0.001, 10.0, 'nyu_crop')
    assert int(mask.sum()) == 426 * 560 - 2
    assert not mask[44].any() and mask[45, 41] and not mask[45, 40]
    with pytest.raises(ValueError, match="'kitti'"):
        depth_eval_mask(gt, crop_type='kitti')


def test_metric_means_over_images():
    metric = DepthMetric(depth_metrics=['d1', 'rmse'])
    metric.process(None, [sample([[1.0, 2.0]], [[1.0, 2.0]])])
    metric.process(None, [sample([[1.0, 1.0]], [[3.0, 1.0]])])
    out = metric.compute_metrics(metric.results)
    assert out == pytest.approx(dict(d1=0.75, rmse=(0 + math.sqrt(2)) / 2))


def test_metric_bad_arguments():
    with pytest.raises(ValueError, match="unsupported \\['mae'\\]"):
        DepthMetric(depth_metrics=['mae'])
    with pytest.raises(ValueError, match='crop_type'):
        DepthMetric(crop_type='kitti')


def test_metric_writes_16bit_png(tmp_path):
    metric = DepthMetric(
        output_dir=str(tmp_path), format_only=True, depth_scale_factor=1000
    )
    metric.process(None, [sample([[1.0]], [[1.5, 2.25]], 'dir/x.jpg')])
    written = cv2.imread(str(tmp_path / 'x.png'), cv2.IMREAD_UNCHANGED)
    assert written.dtype == np.uint16 and written.tolist() == [[1500, 2250]]
    assert metric.compute_metrics(metric.results) == {}


def test_metric_as_mmseg():
    upstream = pytest.importorskip('mmseg.evaluation.metrics')
    rng = np.random.default_rng(0)
    samples = []
    for i in range(3):
        gt = rng.uniform(0, 12, (480, 640)).astype(np.float32)
        pred = rng.uniform(0.1, 11, (480, 640)).astype(np.float32)
        samples.append(sample(gt, pred, f'{i}.jpg'))
    kwargs = dict(
        min_depth_eval=0.001, max_depth_eval=10.0, crop_type='nyu_crop'
    )
    ours, theirs = DepthMetric(**kwargs), upstream.DepthMetric(**kwargs)
    for metric in (ours, theirs):
        for s in samples:
            wrapped = dict(s)
            for key in ('gt_depth_map', 'pred_depth_map'):
                wrapped[key] = PixelData(**s[key]).to_dict()
            metric.process(None, [wrapped])
    assert ours.compute_metrics(ours.results) == theirs.compute_metrics(
        theirs.results
    )
