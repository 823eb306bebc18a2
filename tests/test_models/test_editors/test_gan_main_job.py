# Copyright (c) mmflow_ext contributors. All rights reserved.
"""The generation main job, shortened: training lowers the SWD of the
generator (trained vs untrained, measured in one run, same seeds)."""

import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

CONFIG = osp.join(
    osp.dirname(__file__),
    '..',
    '..',
    '..',
    'configs',
    'generation',
    'sngan-proj-compact_1500it_shape-classes-32x32.py',
)


def _swd(runner, cfg):
    np.random.seed(0)
    torch.manual_seed(0)
    loader = runner.build_dataloader(cfg.val_dataloader)
    evaluator = runner.build_evaluator(cfg.val_evaluator)
    evaluator.dataset_meta = loader.dataset.metainfo
    runner.model.eval()
    with torch.no_grad():
        for batch in loader:
            evaluator.process(runner.model.val_step(batch), batch)
    return evaluator.evaluate(len(loader.dataset))


@pytest.mark.slow
def test_training_lowers_swd(tmp_path):
    cfg = Config.fromfile(CONFIG)
    data = dict(data_root=str(tmp_path / 'data'), num_train_per_class=64)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.update(data)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.train_cfg.max_iters = 250
    cfg.train_cfg.val_interval = 1000  # validate here, not in the loop
    cfg.custom_hooks[-1].interval = 250
    cfg.default_hooks.checkpoint.interval = 1000
    runner = Runner.from_cfg(cfg)
    untrained = _swd(runner, cfg)
    runner.train()
    trained = _swd(runner, cfg)
    assert trained['SWD/avg'] < 0.8 * untrained['SWD/avg'], (
        untrained,
        trained,
    )
    assert 0 <= trained['MS-SSIM/avg'] <= 1
    grid = osp.join(cfg.work_dir, 'vis_data', 'fake_img_ema_iter_250.png')
    assert osp.isfile(grid)
