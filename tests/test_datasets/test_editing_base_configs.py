# Copyright (c) mmflow_ext contributors. All rights reserved.
"""The editing dataset configs of configs/_base_/datasets build and load
tiny data in their real layouts; the LMDB variant gives the samples the
folder variant gives."""

import os
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmflow_ext.registry import DATASETS, EVALUATOR

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BASE = osp.join(REPO, 'configs', '_base_', 'datasets')


def _write(path, size, seed):
    os.makedirs(osp.dirname(path), exist_ok=True)
    img = np.random.RandomState(seed).randint(0, 255, (size, size, 3))
    cv2.imwrite(path, img.astype(np.uint8))


def _div2k(root):
    names = ['0001_s001', '0001_s002', '0002_s001']
    for i, name in enumerate(names):
        _write(
            osp.join(root, 'DIV2K/DIV2K_train_HR_sub', name + '.png'), 160, i
        )
        _write(
            osp.join(
                root, 'DIV2K/DIV2K_train_LR_bicubic/X4_sub', name + '.png'
            ),
            40,
            i,
        )
    with open(osp.join(root, 'DIV2K/meta_info_DIV2K800sub_GT.txt'), 'w') as f:
        f.write(''.join(f'{n}.png (160,160,3)\n' for n in names))
    for bench in ('Set5', 'Set14'):
        _write(osp.join(root, bench, 'GTmod12', 'baby.png'), 48, 0)
        _write(osp.join(root, bench, 'LRbicx4', 'baby.png'), 12, 0)


def _rooted(loader, root):
    dataset = dict(loader['dataset'])
    dataset['data_root'] = dataset['data_root'].replace('data', root, 1)
    return dataset


def _samples(dataset_cfg, count):
    dataset = DATASETS.build(dataset_cfg)
    np.random.seed(0)
    return [dataset[i % len(dataset)] for i in range(count)]


def test_div2k_x4_train_and_val_sets(tmp_path):
    root = str(tmp_path / 'data')
    _div2k(root)
    cfg = Config.fromfile(osp.join(BASE, 'div2k_x4.py'))
    with DefaultScope.overwrite_default_scope('mmflow_ext'):
        sample = _samples(_rooted(cfg.train_dataloader, root), 1)[0]
        assert tuple(sample['inputs'].shape) == (3, 32, 32)
        assert tuple(sample['data_samples'].gt_img.shape) == (3, 128, 128)
        for loader in cfg.val_dataloader:
            val = _samples(_rooted(loader, root), 1)[0]
            assert tuple(val['inputs'].shape) == (3, 12, 12)
        evaluators = [EVALUATOR.build(e) for e in cfg.val_evaluator]
        assert [m.prefix for m in evaluators[1].metrics] == ['Set14'] * 2
    assert cfg.val_cfg == dict(type='MultiValLoop')


def test_div2k_x4_lmdb_gives_the_folder_samples(tmp_path):
    pytest.importorskip('lmdb')
    sys.path.insert(0, osp.join(REPO, 'tools', 'dataset_converters'))
    from image_folder_to_lmdb import folder_to_lmdb

    root = str(tmp_path / 'data')
    _div2k(root)
    folder_to_lmdb(
        osp.join(root, 'DIV2K/DIV2K_train_HR_sub'),
        osp.join(root, 'DIV2K/DIV2K_train_HR_sub.lmdb'),
    )
    folder_to_lmdb(
        osp.join(root, 'DIV2K/DIV2K_train_LR_bicubic/X4_sub'),
        osp.join(root, 'DIV2K/DIV2K_train_LR_bicubic_X4_sub.lmdb'),
    )
    folders = Config.fromfile(osp.join(BASE, 'div2k_x4.py'))
    stores = Config.fromfile(osp.join(BASE, 'div2k_x4_lmdb.py'))
    for load in stores.train_dataloader.dataset.pipeline[:2]:
        load.backend_args.db_path = load.backend_args.db_path.replace(
            'data', root, 1
        )
    with DefaultScope.overwrite_default_scope('mmflow_ext'):
        expected = _samples(_rooted(folders.train_dataloader, root), 4)
        got = _samples(_rooted(stores.train_dataloader, root), 4)
    for a, b in zip(expected, got):
        assert (a['inputs'] == b['inputs']).all()
        assert (a['data_samples'].gt_img == b['data_samples'].gt_img).all()
        assert a['data_samples'].gt_path != b['data_samples'].gt_path


def test_reds4_train_and_val(tmp_path):
    root = str(tmp_path / 'data')
    for clip, frames, size in (('000', 15, 256), ('011', 100, 8)):
        for i in range(frames):
            _write(
                osp.join(root, 'REDS/train_sharp', clip, f'{i:08d}.png'),
                size,
                i,
            )
            _write(
                osp.join(
                    root, 'REDS/train_sharp_bicubic/X4', clip, f'{i:08d}.png'
                ),
                size // 4,
                i,
            )
    with open(osp.join(root, 'REDS/meta_info_reds4_train.txt'), 'w') as f:
        f.write('000 15 (256,256,3)\n')
    with open(osp.join(root, 'REDS/meta_info_reds4_val.txt'), 'w') as f:
        f.write('011 100 (8,8,3)\n')
    cfg = Config.fromfile(osp.join(BASE, 'reds4.py'))
    with DefaultScope.overwrite_default_scope('mmflow_ext'):
        train = _samples(_rooted(cfg.train_dataloader, root), 1)[0]
        val = _samples(_rooted(cfg.val_dataloader, root), 1)[0]
    assert tuple(train['inputs'].shape) == (15, 3, 64, 64)
    assert tuple(val['data_samples'].gt_img.shape) == (100, 3, 8, 8)
