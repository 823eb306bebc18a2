# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Config hygiene: every config under ``configs/`` (not the ``_base_``
parts alone) builds its model, dataloaders and evaluators with MMEngine's
builders and runs one batch through them; every config basename is unique
(mim finds a config by its basename)."""

import copy
import glob
import inspect
import math
import os.path as osp
from collections import Counter
from typing import Tuple

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmflow_ext.apis import (
    find_test_dataset,
    inference_model,
    init_model,
    registry_scope,
)
from mmflow_ext.registry import DATASETS, MODELS

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG_ROOT = osp.join(REPO_ROOT, 'configs')
ALL_CONFIG_FILES = sorted(
    glob.glob(osp.join(CONFIG_ROOT, '**', '*.py'), recursive=True)
)
CONFIGS = [
    osp.relpath(path, CONFIG_ROOT)
    for path in ALL_CONFIG_FILES
    if '_base_' not in osp.relpath(path, CONFIG_ROOT).split(osp.sep)
]
#: sizes of the datasets that generate their data on first use
TINY_GENERATION = dict(num_train=2, num_val=2)
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def test_there_are_configs():
    assert any(path.startswith('segmentation') for path in CONFIGS)


def test_config_basenames_are_unique():
    names = Counter(osp.basename(path) for path in ALL_CONFIG_FILES)
    repeated = {
        name: [p for p in ALL_CONFIG_FILES if osp.basename(p) == name]
        for name, count in names.items()
        if count > 1
    }
    assert not repeated


def tiny_loader(loader_cfg: dict, data_root: str) -> Tuple[dict, bool]:
    """The loader with 2-sample batches and no workers, and whether it has
    data: a dataset that generates its data does so, tiny, into
    ``data_root``; one that needs external data is built without reading
    it (``lazy_init``)."""
    loader_cfg = copy.deepcopy(loader_cfg)
    loader_cfg.update(batch_size=2, num_workers=0, persistent_workers=False)
    dataset = find_test_dataset(dict(test_dataloader=loader_cfg))
    assert dataset is not None, 'the dataloader has no dataset pipeline'
    params = inspect.signature(DATASETS.get(dataset['type'])).parameters
    generated = {k: v for k, v in TINY_GENERATION.items() if k in params}
    if generated:
        dataset.update(generated, data_root=data_root)
    else:
        dataset['lazy_init'] = True
    return loader_cfg, bool(generated)


def first_batch(loader_cfg: dict, data_root: str):
    loader_cfg, has_data = tiny_loader(loader_cfg, data_root)
    loader = Runner.build_dataloader(loader_cfg, seed=0)
    return loader, (next(iter(loader)) if has_data else None)


@pytest.mark.parametrize('config', CONFIGS)
def test_config_builds_and_runs_one_batch(config, tmp_path):
    cfg = Config.fromfile(osp.join(CONFIG_ROOT, config))
    assert cfg.get('default_scope') == 'mmflow_ext'
    data_root = str(tmp_path / 'data')
    with registry_scope(cfg):
        torch.manual_seed(0)
        model = MODELS.build(cfg.model)
        loader, batch = first_batch(cfg.train_dataloader, data_root)
        if batch is not None:
            model.train()
            data = model.data_preprocessor(batch, True)
            losses = model(**data, mode='loss')
            loss, _ = model.parse_losses(losses)
            assert math.isfinite(loss.item())

        for name, evaluator_key in (
            ('val_dataloader', 'val_evaluator'),
            ('test_dataloader', 'test_evaluator'),
        ):
            loader, batch = first_batch(cfg[name], data_root)
            if batch is None:
                continue
            model.eval()
            with torch.no_grad():
                outputs = model.val_step(batch)
            assert len(outputs) == len(batch['inputs'])
            evaluator = Runner.build_evaluator(None, cfg[evaluator_key])
            evaluator.dataset_meta = loader.dataset.metainfo
            evaluator.process(outputs, batch)
            metrics = evaluator.evaluate(len(outputs))
            assert metrics and all(
                isinstance(v, float) for v in metrics.values()
            ), metrics


@pytest.mark.parametrize(
    'config',
    # generation models sample from noise: they take no input image
    [c for c in CONFIGS if not c.startswith('generation' + osp.sep)],
)
def test_config_serves_inference(config):
    """The test pipeline works without ground truth, for any image size."""
    model = init_model(osp.join(CONFIG_ROOT, config))
    image = np.random.default_rng(0).integers(
        0, 256, (21, 18, 3), dtype=np.uint8
    )
    result = inference_model(model, image)
    if 'pred_sem_seg' in result:
        assert result.pred_sem_seg.shape == (21, 18)
        assert len(model.dataset_meta['palette']) == len(
            model.dataset_meta['classes']
        )
    else:
        scale = getattr(model.generator, 'upscale_factor', 1)
        assert result.output.pred_img.shape == (3, 21 * scale, 18 * scale)


@pytest.mark.parametrize(
    'config',
    [
        'segmentation/fcn-compactcnn_400it_shapes.py',
        'editing/espcn-res_500it_embedded-sr-denoise.py',
        'segmentation/upernet-r18_400it_shapes.py',
        'editing/edsr-small_x2_1000it_embedded-sr.py',
        'editing/edsr-small_x4_1000it_embedded-sr.py',
    ],
)
def test_main_jobs_can_resume_mid_run(config):
    """README promises that a crashed main job resumes with ``--resume``:
    a checkpoint is saved before the last iteration, and the newest are
    kept."""
    cfg = Config.fromfile(osp.join(CONFIG_ROOT, config))
    checkpoint = cfg.default_hooks.checkpoint
    assert checkpoint.interval < cfg.train_cfg.max_iters
    assert cfg.train_cfg.max_iters % checkpoint.interval == 0
    assert checkpoint.get('max_keep_ckpts', -1) >= 1
