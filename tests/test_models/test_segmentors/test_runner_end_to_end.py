# Copyright (c) mmflow_ext contributors. All rights reserved.
"""The main job's config, shrunk: a few Runner iterations on generated
shapes data, validation, then testing the saved checkpoint."""

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
    'segmentation',
    'fcn-compactcnn_400it_shapes.py',
)


def small_config(data_root: str, work_dir: str) -> Config:
    cfg = Config.fromfile(CONFIG)
    cfg.work_dir = work_dir
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg[name]
        loader.num_workers = 0
        loader.persistent_workers = False
        loader.dataset.data_root = data_root
        loader.dataset.num_train = 4
        loader.dataset.num_val = 2
    cfg.train_dataloader.batch_size = 2
    cfg.train_cfg.max_iters = 3
    cfg.train_cfg.val_interval = 3
    cfg.param_scheduler[0].end = 3
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.interval = 3
    cfg.log_level = 'WARNING'
    return cfg


def independent_metrics(runner: Runner) -> dict:
    """aAcc, mIoU and mDice in percent, counted with numpy from the
    predictions of the trained model on the validation set."""
    num_classes = len(runner.val_dataloader.dataset.metainfo['classes'])
    inter = np.zeros(num_classes)
    pred_area = np.zeros(num_classes)
    label_area = np.zeros(num_classes)
    model = runner.model.eval()
    for batch in runner.val_dataloader:
        with torch.no_grad():
            results = model.test_step(batch)
        for result in results:
            pred = result.pred_sem_seg.data[0].numpy()
            label = result.gt_sem_seg.data[0].numpy()
            assert pred.shape == label.shape
            valid = label != 255
            pred, label = pred[valid], label[valid]
            for c in range(num_classes):
                inter[c] += np.sum((pred == c) & (label == c))
                pred_area[c] += np.sum(pred == c)
                label_area[c] += np.sum(label == c)
    union = pred_area + label_area - inter
    # a class absent from both labels and predictions has no IoU / Dice
    defined = union > 0
    iou = inter[defined] / union[defined]
    dice = 2 * inter[defined] / (pred_area + label_area)[defined]
    return dict(
        aAcc=100 * inter.sum() / label_area.sum(),
        mIoU=100 * iou.mean(),
        mDice=100 * dice.mean(),
    )


@pytest.mark.slow
def test_train_val_then_test_the_checkpoint(tmp_path):
    data_root = str(tmp_path / 'shapes')
    cfg = small_config(data_root, str(tmp_path / 'train'))
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert osp.isfile(osp.join(data_root, 'img_dir', 'val', '00001.jpg'))
    checkpoint = osp.join(cfg.work_dir, 'iter_3.pth')
    assert osp.isfile(checkpoint)
    val_metrics = runner.val()
    expected = independent_metrics(runner)
    for name in ('aAcc', 'mIoU', 'mDice'):
        assert val_metrics[name] == pytest.approx(expected[name], abs=0.006)

    cfg = small_config(data_root, str(tmp_path / 'test'))
    cfg.load_from = checkpoint
    test_metrics = Runner.from_cfg(cfg).test()
    assert test_metrics == val_metrics
