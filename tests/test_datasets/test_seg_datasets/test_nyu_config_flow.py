# Copyright (c) mmflow_ext contributors. All rights reserved.
"""configs/_base_/datasets/nyu*.py: dataset, pipeline and DepthMetric on a
tiny NYU-layout folder."""

import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmflow_ext.datasets  # noqa: F401
import mmflow_ext.evaluation  # noqa: F401
from mmflow_ext.registry import DATASETS, METRICS

CONFIGS = osp.join(osp.dirname(__file__), *[osp.pardir] * 3, 'configs')


def write_nyu(root):
    depth = np.tile(np.arange(1, 65, dtype=np.uint16) * 100, (48, 1))
    for split in ('train', 'test'):
        for i in range(2):
            for sub in ('images', 'annotations'):
                (root / sub / split).mkdir(parents=True, exist_ok=True)
            img = np.full((48, 64, 3), 40 * i, np.uint8)
            cv2.imwrite(str(root / f'images/{split}/kitchen_{i:04d}.jpg'), img)
            cv2.imwrite(
                str(root / f'annotations/{split}/kitchen_{i:04d}.png'), depth
            )
    return depth


@pytest.mark.parametrize('name', ['nyu', 'nyu_512x512'])
def test_nyu_config_flow(tmp_path, name):
    init_default_scope('mmflow_ext')
    depth = write_nyu(tmp_path)
    cfg = Config.fromfile(osp.join(CONFIGS, f'_base_/datasets/{name}.py'))
    train = cfg.train_dataloader.dataset
    train.data_root = str(tmp_path)
    # photometric only (and tested in test_albu): depth needs no Albu
    train.pipeline = [p for p in train.pipeline if p['type'] != 'Albu']
    for step in train.pipeline:
        if step['type'] == 'RandomFlip':
            step['prob'] = 1.0
        if step['type'] == 'RandomDepthMix':
            step['prob'] = 0.0
    packed = DATASETS.build(train)[0]
    sample = packed['data_samples']
    gt = sample.gt_depth_map.data[0]
    assert packed['inputs'].shape[1:] == gt.shape
    assert sample.flip and sample.category_id >= 0
    # flipped with the image: depth now decreases along each row
    assert bool((gt[:, 1:] <= gt[:, :-1]).all())

    val = cfg.val_dataloader.dataset
    val.data_root = str(tmp_path)
    sample = DATASETS.build(val)[0]['data_samples']
    np.testing.assert_allclose(
        sample.gt_depth_map.data[0].numpy(), depth * np.float32(1e-3)
    )
    metric = METRICS.build(cfg.val_evaluator)
    pred = sample.gt_depth_map.data * 2
    sample.set_data(dict(pred_depth_map=sample.gt_depth_map.new(data=pred)))
    metric.process(None, [sample.to_dict()])
    out = metric.compute_metrics(metric.results)
    # a 48x64 map keeps no pixel of the 480x640 NYU crop but rows/cols
    # 45..47 x 41..63: every ratio is 2
    assert out['d1'] == out['d3'] == 0.0  # 2 > 1.25**3
    assert out['abs_rel'] == pytest.approx(1.0)
    assert out['log10'] == pytest.approx(np.log10(2), rel=1e-6)
    assert torch.isfinite(torch.tensor(out['silog']))
