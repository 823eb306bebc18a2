# Copyright (c) mmflow_ext contributors. All rights reserved.
"""MMagic 1.2.0's shipped configs run their train and val data flow on ours.

For each config (read from an installed MMagic's ``.mim/configs``; skipped
when there is none), tiny data is written in the dataset's real layout,
every ``data_root`` is pointed at it, and a few samples go from the dataset
through the whole pipeline to ``PackInputs``, a collated batch and the
config's ``DataPreprocessor``, under ``default_scope='mmflow_ext'``.
"""

import copy
import glob
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import DefaultScope

from mmflow_ext.registry import DATASETS, MODELS

CONFIGS = [
    'srcnn/srcnn_x4k915_1xb16-1000k_div2k.py',
    'edsr/edsr_x2c64b16_1xb16-300k_div2k.py',
    'esrgan/esrgan_x4c64b23g32_1xb16-400k_div2k.py',
    'real_esrgan/realesrgan_c64b23g32_4xb12-lr1e-4-400k_df2k-ost.py',
    'basicvsr/basicvsr_2xb4_reds4.py',
    'nafnet/nafnet_c64eb11128mb1db1111_8xb8-lr1e-3-400k_gopro.py',
    'pix2pix/pix2pix_vanilla-unet-bn_1xb1-80kiters_facades.py',
    'cyclegan/cyclegan_lsgan-resnet-in_1xb1-80kiters_facades.py',
    'deepfillv2/deepfillv2_8xb2_celeba-256x256.py',
]


#: (train, val) shapes of the batch inputs and ``gt_img`` on the tiny data
#: (GT 400×400 images; REDS clips of 15 frames at 256 and 100 at 16)
EXPECTED = {
    'srcnn': [
        ((2, 3, 32, 32), (2, 3, 128, 128)),
        ((2, 3, 100, 100), (2, 3, 400, 400)),
    ],
    'edsr': [
        ((2, 3, 48, 48), (2, 3, 96, 96)),
        ((2, 3, 200, 200), (2, 3, 400, 400)),
    ],
    'esrgan': [
        ((2, 3, 32, 32), (2, 3, 128, 128)),
        ((2, 3, 100, 100), (2, 3, 400, 400)),
    ],
    'real_esrgan': [
        ((2, 3, 64, 64), (2, 3, 256, 256)),
        ((2, 3, 100, 100), (2, 3, 400, 400)),
    ],
    'basicvsr': [
        ((2, 15, 3, 64, 64), (2, 15, 3, 256, 256)),
        ((2, 100, 3, 4, 4), (2, 100, 3, 16, 16)),
    ],
    'nafnet': [
        ((2, 3, 256, 256), (2, 3, 256, 256)),
        ((2, 3, 400, 400), (2, 3, 400, 400)),
    ],
    'pix2pix': [
        ({'img_photo': (2, 3, 256, 256), 'img_mask': (2, 3, 256, 256)}, None)
    ]
    * 2,
    'cyclegan': [
        ({'img_photo': (2, 3, 256, 256), 'img_mask': (2, 3, 256, 256)}, None)
    ]
    * 2,
    'deepfillv2': [((2, 3, 256, 256), (2, 3, 256, 256))] * 2,
}


def _shapes(batch):
    inputs = batch['inputs']
    shape = (
        tuple(inputs.shape)
        if isinstance(inputs, torch.Tensor)
        else {k: tuple(v.shape) for k, v in inputs.items()}
    )
    gt = getattr(batch['data_samples'], 'gt_img', None)
    return shape, None if gt is None else tuple(gt.shape)


def _mmagic_config_dir():
    env = os.environ.get('MMAGIC_CONFIGS')
    candidates = (
        ([env] if env else [])
        + glob.glob(
            osp.join(
                osp.dirname(osp.dirname(osp.dirname(np.__file__))),
                'mmagic',
                '.mim',
                'configs',
            )
        )
        + glob.glob(
            '/work/refenv/lib/python*/site-packages/mmagic/.mim/configs'
        )
    )
    for path in candidates:
        if path and osp.isdir(path):
            return path
    return None


def _write(path, h, w, seed=0):
    os.makedirs(osp.dirname(path), exist_ok=True)
    img = np.random.RandomState(seed).randint(0, 255, (h, w, 3), np.uint8)
    cv2.imwrite(path, img)


def _scale(pipeline):
    for t in pipeline:
        if t['type'] == 'SetValues' and 'scale' in t['dictionary']:
            return t['dictionary']['scale']
    return 1


def _populate(root, dataset, pipeline, train, scale):
    """Write tiny data for ``dataset`` under ``root``; return the dataset
    config pointed at it."""
    dataset = copy.deepcopy(dataset)
    dataset['data_root'] = root
    kind = dataset['type']
    if kind == 'BasicImageDataset':
        names = ['0001', '0002']
        gt_size = 400
        tmpl = dataset.get('filename_tmpl', {})
        for key, folder in dataset['data_prefix'].items():
            size = gt_size // scale if key == 'img' else gt_size
            for i, name in enumerate(names):
                file = tmpl.get(key, '{}').format(name) + '.png'
                path = osp.join(root, folder, file)
                if not osp.exists(path):
                    _write(path, size, size, i)
        if dataset.get('ann_file'):
            lines = [f'{n}.png ({gt_size},{gt_size},3)' for n in names]
            with open(osp.join(root, dataset['ann_file']), 'w') as f:
                f.write('\n'.join(lines) + '\n')
    elif kind == 'BasicFramesDataset':
        frames = dataset.get('fixed_seq_len') or dataset['num_input_frames']
        clip = '000' if train else '001'
        gt_size = 256 if train else 16
        for key, folder in dataset['data_prefix'].items():
            size = gt_size // scale if key == 'img' else gt_size
            for i in range(frames):
                _write(
                    osp.join(root, folder, clip, f'{i:08d}.png'), size, size, i
                )
        with open(osp.join(root, dataset['ann_file']), 'w') as f:
            f.write(f'{clip} {frames} (720,1280,3)\n')
    elif kind == 'PairedImageDataset':
        for phase in ('train', 'test'):
            _write(osp.join(root, phase, '1.jpg'), 256, 512)
    elif kind == 'UnpairedImageDataset':
        for phase in ('trainA', 'trainB', 'testA', 'testB'):
            for i in range(2):
                _write(osp.join(root, phase, f'{i}.jpg'), 256, 256, i)
    else:
        raise AssertionError(kind)
    return dataset


def _loader(cfg):
    return cfg[0] if isinstance(cfg, list) else cfg


@pytest.mark.parametrize('name', CONFIGS)
def test_train_and_val_data_flow(name, tmp_path):
    config_dir = _mmagic_config_dir()
    if config_dir is None or not osp.isfile(osp.join(config_dir, name)):
        pytest.skip('MMagic 1.x configs are not installed')
    cfg = Config.fromfile(osp.join(config_dir, name))
    train = cfg.train_dataloader.dataset
    scale = _scale(train.pipeline)
    with DefaultScope.overwrite_default_scope('mmflow_ext'):
        preprocessor = MODELS.build(cfg.model.data_preprocessor)
        shapes = []
        for is_train, loader in (
            (True, cfg.train_dataloader),
            (False, _loader(cfg.val_dataloader)),
        ):
            root = str(tmp_path / ('train' if is_train else 'val'))
            dataset_cfg = _populate(
                root, loader.dataset, loader.dataset.pipeline, is_train, scale
            )
            dataset = DATASETS.build(dataset_cfg)
            np.random.seed(0)
            samples = [dataset[i % len(dataset)] for i in range(2)]
            for sample in samples:
                assert set(sample) == {'inputs', 'data_samples'}
            batch = preprocessor(pseudo_collate(samples), training=is_train)
            inputs = batch['inputs']
            tensor = (
                inputs
                if isinstance(inputs, torch.Tensor)
                else next(iter(inputs.values()))
            )
            assert tensor.dtype == torch.float32
            assert torch.isfinite(tensor).all()
            shapes.append(_shapes(batch))
    assert shapes == EXPECTED[name.split('/')[0]]
