# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``IoUMetric`` equals a brute-force count on random label maps."""

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from mmengine.structures import PixelData

from mmflow_ext.registry import METRICS
from mmflow_ext.structures import SegDataSample


def brute_force_counts(pairs, num_classes, ignore_index):
    """Per-class (intersection, prediction, label) pixel counts by a loop
    over every pixel."""
    counts = np.zeros((3, num_classes), dtype=np.int64)
    for pred, label in pairs:
        for p, g in zip(pred.ravel().tolist(), label.ravel().tolist()):
            if g == ignore_index:
                continue
            counts[1, p] += 1
            counts[2, g] += 1
            if p == g:
                counts[0, g] += 1
    return counts


def percent_mean(numerator, denominator):
    with np.errstate(divide='ignore', invalid='ignore'):
        values = numerator / denominator
    return float(np.round(np.nanmean(values) * 100, 2))


@settings(max_examples=30, deadline=None)
@given(
    num_classes=st.integers(1, 6),
    count=st.integers(1, 4),
    ignore_index=st.sampled_from([255, 0]),
    seed=st.integers(0, 10000),
)
def test_iou_metric_equals_brute_force(num_classes, count, ignore_index, seed):
    rng = np.random.default_rng(seed)
    pairs, samples = [], []
    for _ in range(count):
        shape = tuple(rng.integers(1, 9, size=2))
        label = rng.integers(0, num_classes, shape)
        label[rng.random(shape) < 0.2] = ignore_index
        pred = rng.integers(0, num_classes, shape)
        pairs.append((pred, label))
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(data=torch.from_numpy(label)[None])
        sample.pred_sem_seg = PixelData(data=torch.from_numpy(pred)[None])
        samples.append(sample.to_dict())
    metric = METRICS.build(
        dict(
            type='IoUMetric',
            ignore_index=ignore_index,
            iou_metrics=['mIoU', 'mDice'],
        )
    )
    metric.dataset_meta = dict(classes=[f'c{i}' for i in range(num_classes)])
    metric.process({}, samples)

    counts = brute_force_counts(pairs, num_classes, ignore_index)
    assert np.array_equal(metric.total_areas(metric.results), counts)
    if counts[2].sum() == 0:
        return  # every pixel ignored: no metric is defined
    results = metric.compute_metrics(metric.results)
    inter, pred, label = counts.astype(np.float64)
    assert results["aAcc"] == float(
        np.round(inter.sum() / label.sum() * 100, 2)
    )
    assert results['mIoU'] == percent_mean(inter, pred + label - inter)
    assert results['mAcc'] == percent_mean(inter, label)
    assert results['mDice'] == percent_mean(2 * inter, pred + label)
