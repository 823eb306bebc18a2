# Copyright (c) mmflow_ext contributors. All rights reserved.
"""The LMDB tool, BasicImageDataset on LMDB stores, and the editing main
job trained from LMDB giving the numbers it gives from folders."""

import os.path as osp
import sys

import cv2
import numpy as np
import pytest
import torch

from mmflow_ext.datasets.paired_image_dataset import BasicImageDataset

pytest.importorskip('lmdb')
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tools', 'dataset_converters'))
from image_folder_to_lmdb import folder_to_lmdb, main  # noqa: E402


def _folder(root, names, size=(6, 5)):
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.RandomState(0)
    for name in names:
        cv2.imwrite(
            str(root / name), rng.randint(0, 255, size + (3,)).astype(np.uint8)
        )


def test_store_has_keys_meta_info_and_lossless_images(tmp_path):
    _folder(tmp_path / 'HR', ['b.png', 'a.png'])
    cv2.imwrite(str(tmp_path / 'HR' / 'c.png'), np.zeros((2, 3), np.uint8))
    assert main([str(tmp_path / 'HR'), str(tmp_path / 'HR.lmdb')]) == 0
    meta = (tmp_path / 'HR.lmdb' / 'meta_info.txt').read_text()
    assert meta == ('a.png (6,5,3) 1\nb.png (6,5,3) 1\nc.png (2,3,1) 1\n')
    from mmflow_ext.datasets.transforms import LoadImageFromFile

    load = LoadImageFromFile(
        key='gt',
        backend_args=dict(backend='lmdb', db_path=str(tmp_path / 'HR.lmdb')),
    )
    out = load(dict(gt_path=str(tmp_path / 'HR.lmdb' / 'b.png')))
    np.testing.assert_array_equal(
        out['gt'], cv2.imread(str(tmp_path / 'HR/b.png'))
    )
    store = str(tmp_path / 'HR.lmdb')
    with pytest.raises(
        KeyError, match=f'"zz" .* not a key of the store {store}'
    ):
        load(dict(gt_path=str(tmp_path / 'HR.lmdb' / 'zz.png')))
    with pytest.raises(FileExistsError, match='already exists'):
        folder_to_lmdb(str(tmp_path / 'HR'), str(tmp_path / 'HR.lmdb'))
    with pytest.raises(ValueError, match="must end with '.lmdb'"):
        folder_to_lmdb(str(tmp_path / 'HR'), str(tmp_path / 'HR.db'))
    assert not list(tmp_path.glob('*.tmp-*'))


def test_same_key_twice_is_refused(tmp_path):
    _folder(tmp_path / 'HR', ['a.png', 'a.jpg'])
    with pytest.raises(ValueError, match='same LMDB key "a"'):
        folder_to_lmdb(str(tmp_path / 'HR'), str(tmp_path / 'HR.lmdb'))


def test_dataset_on_stores_checks_keys(tmp_path):
    _folder(tmp_path / 'HR', ['0001.png', '0002.png'])
    _folder(tmp_path / 'LR', ['0001.png'])
    for name in ('HR', 'LR'):
        folder_to_lmdb(str(tmp_path / name), str(tmp_path / f'{name}.lmdb'))
    dataset = BasicImageDataset(
        data_root=str(tmp_path), data_prefix=dict(gt='HR.lmdb')
    )
    assert [d['key'] for d in dataset] == ['0001', '0002']
    with pytest.raises(
        KeyError,
        match='Key "0002" .*img of sample "0002".* '
        'is not in the LMDB store .*LR.lmdb',
    ):
        BasicImageDataset(
            data_root=str(tmp_path),
            ann_file='HR.lmdb/meta_info.txt',
            data_prefix=dict(img='LR.lmdb', gt='HR.lmdb'),
        )


def _job(data_root, work_dir, lmdb):
    from mmengine.config import Config
    from mmengine.runner import Runner

    cfg = Config.fromfile(
        osp.join(
            REPO,
            'configs',
            'editing',
            'espcn-res_500it_embedded-sr-denoise.py',
        )
    )
    for split, loader in (
        ('train', cfg.train_dataloader),
        ('val', cfg.val_dataloader),
    ):
        prefix = dict(img=f'{split}/noisy', gt=f'{split}/gt')
        pipeline = []
        for key in ('img', 'gt'):
            load = dict(type='LoadImageFromFile', key=key, channel_order='rgb')
            if lmdb:
                prefix[key] += '.lmdb'
                load['backend_args'] = dict(
                    backend='lmdb', db_path=osp.join(data_root, prefix[key])
                )
            pipeline.append(load)
        loader.dataset = dict(
            type='BasicImageDataset',
            data_root=data_root,
            data_prefix=prefix,
            search_key='gt',
            test_mode=split == 'val',
            pipeline=pipeline + [dict(type='PackInputs')],
        )
        loader.batch_size = 4
    cfg.test_dataloader = cfg.val_dataloader
    cfg.train_cfg.max_iters = 6
    cfg.train_cfg.val_interval = 6
    cfg.param_scheduler.T_max = 6
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=-1)
    cfg.default_hooks.visualization = dict(
        type='BasicVisualizationHook', interval=10**6
    )
    cfg.work_dir = str(work_dir)
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner.val(), {
        k: v.detach().clone() for k, v in runner.model.state_dict().items()
    }


@pytest.mark.slow
def test_main_job_trains_from_lmdb_like_from_folders(tmp_path):
    from mmflow_ext.datasets import generate_embedded_sr_data

    data_root = str(tmp_path / 'data')
    generate_embedded_sr_data(
        data_root, num_train=8, num_val=4, img_size=32, show_progress=False
    )
    for split in ('train', 'val'):
        for key in ('noisy', 'gt'):
            folder = osp.join(data_root, split, key)
            folder_to_lmdb(folder, folder + '.lmdb')
    from_folders, weights = _job(data_root, tmp_path / 'w1', lmdb=False)
    from_lmdb, lmdb_weights = _job(data_root, tmp_path / 'w2', lmdb=True)
    assert from_folders == from_lmdb
    assert set(from_folders) >= {'PSNR', 'SSIM', 'MAE'}
    for key, value in weights.items():
        torch.testing.assert_close(lmdb_weights[key], value, rtol=0, atol=0)
