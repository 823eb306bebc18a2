# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Whole networks of upstream configs, built unchanged under
``default_scope='mmflow_ext'``: forward and backward on a batch, an
upstream-saved state dict loaded with ``strict=True``, outputs equal to
upstream's.

The upstream-config tests read the configs shipped inside the upstream
packages, so they run where ``mmseg`` / ``mmagic`` import (the reference
environment): ``PYTHONPATH=. /work/refenv/bin/python -m pytest <this
file>``. The first test runs everywhere.
"""

import copy
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmcv import imwrite
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.structures import PixelData

from mmflow_ext.compat.checkpoint import load_checkpoint_file
from mmflow_ext.registry import MODELS

SEG_CONFIGS = [
    'fcn/fcn_r50-d8_4xb2-40k_cityscapes-512x1024.py',
    'pspnet/pspnet_r50-d8_4xb4-80k_ade20k-512x512.py',
    'deeplabv3plus/deeplabv3plus_r50-d8_4xb2-40k_cityscapes-512x1024.py',
    'segformer/segformer_mit-b0_8xb2-160k_ade20k-512x512.py',
]
EDIT_CONFIGS = [
    'edsr/edsr_x2c64b16_1xb16-300k_div2k.py',
    'nafnet/nafnet_c64eb2248mb12db2222_8xb8-lr1e-3-400k_sidd.py',
]
# parameters of the whole upstream networks (measured with mmseg 1.2.2 and
# mmagic 1.2.0)
PARAMS = {
    'fcn': 49497734,
    'pspnet': 49076364,
    'deeplabv3plus': 43589878,
    'segformer': 3753718,
    'edsr': 1369859,
    'nafnet': 115982915,
}


def _config(package: str, name: str) -> Config:
    module = pytest.importorskip(package)
    path = osp.join(osp.dirname(module.__file__), '.mim', 'configs', name)
    if not osp.isfile(path):
        pytest.skip(f'{path} is not installed')
    return Config.fromfile(path)


def _build_both(package: str, cfg: Config):
    registry = pytest.importorskip(f'{package}.registry').MODELS
    pytest.importorskip(f'{package}.models')
    with DefaultScope.overwrite_default_scope(package):
        upstream = registry.build(copy.deepcopy(cfg.model))
    with DefaultScope.overwrite_default_scope('mmflow_ext'):
        ours = MODELS.build(copy.deepcopy(cfg.model))
    return upstream, ours


def _load_upstream_checkpoint(upstream, ours, tmp_path, randomized_state):
    """Save upstream's (randomized) weights as MMEngine does, load them into
    ours through the safe loader with ``strict=True``."""
    state = randomized_state(upstream)
    upstream.load_state_dict(state, strict=True)
    path = str(tmp_path / 'upstream.pth')
    torch.save(dict(meta=dict(mmseg_version='1.2.2'), state_dict=state), path)
    loaded = load_checkpoint_file(path, map_location='cpu')['state_dict']
    ours.load_state_dict(loaded, strict=True)
    assert list(ours.state_dict()) == list(state)
    assert sum(p.numel() for p in ours.parameters()) == sum(
        p.numel() for p in upstream.parameters()
    )


def _registered(name: str) -> bool:
    try:
        return MODELS.get(name) is not None
    except KeyError:
        return False


def _seg_samples(num_classes: int, size: int = 64):
    from mmflow_ext.structures import SegDataSample

    samples = []
    for i in range(2):
        sample = SegDataSample()
        labels = torch.randint(
            0,
            num_classes,
            (1, size, size),
            generator=torch.Generator().manual_seed(i),
        )
        sample.gt_sem_seg = PixelData(data=labels.to(torch.uint8))
        sample.set_metainfo(
            dict(img_shape=(size, size), ori_shape=(size, size))
        )
        samples.append(sample)
    return samples


def _pspnet_r50_d8_ade20k() -> dict:
    """The model of ``pspnet_r50-d8_4xb4-80k_ade20k-512x512.py`` with two
    auxiliary FCN heads given as a list."""
    norm_cfg = dict(type='SyncBN', requires_grad=True)
    ce = dict(type='CrossEntropyLoss', use_sigmoid=False)
    aux = dict(
        type='FCNHead',
        in_channels=1024,
        in_index=2,
        channels=256,
        num_convs=1,
        concat_input=False,
        dropout_ratio=0.1,
        num_classes=150,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(ce, loss_weight=0.4),
    )
    return dict(
        type='EncoderDecoder',
        data_preprocessor=dict(
            type='SegDataPreProcessor',
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375],
            bgr_to_rgb=True,
            pad_val=0,
            seg_pad_val=255,
            size=(64, 64),
        ),
        pretrained='open-mmlab://resnet50_v1c',
        backbone=dict(
            type='ResNetV1c',
            depth=50,
            num_stages=4,
            out_indices=(0, 1, 2, 3),
            dilations=(1, 1, 2, 4),
            strides=(1, 2, 1, 1),
            norm_cfg=norm_cfg,
            norm_eval=False,
            style='pytorch',
            contract_dilation=True,
        ),
        decode_head=dict(
            type='PSPHead',
            in_channels=2048,
            in_index=3,
            channels=512,
            pool_scales=(1, 2, 3, 6),
            dropout_ratio=0.1,
            num_classes=150,
            norm_cfg=norm_cfg,
            align_corners=False,
            loss_decode=dict(ce, loss_weight=1.0),
        ),
        auxiliary_head=[aux, dict(aux, in_index=1, in_channels=512)],
        train_cfg=dict(),
        test_cfg=dict(mode='whole'),
    )


def test_pspnet_with_auxiliary_list_trains_a_batch_on_cpu():
    with DefaultScope.overwrite_default_scope('mmflow_ext'):
        model = MODELS.build(_pspnet_r50_d8_ade20k())
    # the upstream network (one auxiliary head) has 49076364 parameters;
    # the second head adds 1x(3x3x512x256) conv + BN + 256x150 classifier
    extra = 3 * 3 * 512 * 256 + 2 * 256 + 256 * 150 + 150
    assert sum(p.numel() for p in model.parameters()) == 49076364 + extra
    assert len(model.auxiliary_head) == 2
    # SyncBN stays SyncBN, and runs as BN without a process group
    assert type(model.backbone.stem[1]).__name__ == 'SyncBatchNorm'
    images = [torch.randint(0, 256, (3, 64, 64), dtype=torch.uint8)] * 2
    data = model.data_preprocessor(
        dict(inputs=images, data_samples=_seg_samples(150)), training=True
    )
    model.train()
    losses = model(**data, mode='loss')
    assert set(losses) == {
        'decode.loss_ce',
        'decode.acc_seg',
        'aux_0.loss_ce',
        'aux_0.acc_seg',
        'aux_1.loss_ce',
        'aux_1.acc_seg',
    }
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    assert model.decode_head.conv_seg.weight.grad is not None
    assert model.auxiliary_head[1].conv_seg.weight.grad is not None
    assert model.backbone.stem[0].weight.grad is not None
    # the config's open-mmlab:// backbone weights are never downloaded
    with pytest.raises(ValueError, match='resnet50_v1c-2cccc1ad.pth'):
        model.init_weights()


@pytest.mark.parametrize('name', SEG_CONFIGS)
def test_segmentation_config_matches_upstream(
    name, tmp_path, randomized_state
):
    cfg = _config('mmseg', name)
    upstream, ours = _build_both('mmseg', cfg)
    assert type(ours).__module__.startswith('mmflow_ext')
    _load_upstream_checkpoint(upstream, ours, tmp_path, randomized_state)
    assert (
        sum(p.numel() for p in ours.parameters()) == PARAMS[name.split('/')[0]]
    )
    # a batch through our data flow: a training pad size that keeps it
    # small (the network itself is unchanged)
    ours.data_preprocessor.size = (64, 64)
    images = [
        torch.randint(
            0,
            256,
            (3, 64, 64),
            dtype=torch.uint8,
            generator=torch.Generator().manual_seed(i),
        )
        for i in range(2)
    ]
    data = ours.data_preprocessor(
        dict(
            inputs=images,
            data_samples=_seg_samples(ours.decode_head.num_classes),
        ),
        training=True,
    )
    # same weights, same outputs
    upstream.eval()
    ours.eval()
    with torch.no_grad():
        expected = upstream(data['inputs'], mode='tensor')
        got = ours(data['inputs'], mode='tensor')
    torch.testing.assert_close(got, expected, rtol=0, atol=1e-6)
    ours.train()
    losses = ours(**data, mode='loss')
    total = sum(v for k, v in losses.items() if 'loss' in k)
    total.backward()
    grads = [p.grad for p in ours.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)


@pytest.mark.parametrize('name', EDIT_CONFIGS)
def test_editing_config_matches_upstream(name, tmp_path, randomized_state):
    cfg = _config('mmagic', name)
    if not _registered(cfg.model.pixel_loss.type):
        # the whole model needs that loss; the network is checked alone
        cfg.model = dict(
            type='BaseEditModel',
            generator=cfg.model.generator,
            pixel_loss=dict(type='L1Loss'),
        )
    upstream, ours = _build_both('mmagic', cfg)
    _load_upstream_checkpoint(
        upstream.generator, ours.generator, tmp_path, randomized_state
    )
    assert (
        sum(p.numel() for p in ours.generator.parameters())
        == PARAMS[name.split('/')[0]]
    )
    x = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    upstream.eval()
    ours.eval()
    with torch.no_grad():
        expected = upstream.generator(x)
        got = ours.generator(x)
    torch.testing.assert_close(got, expected, rtol=0, atol=1e-6)
    ours.train()
    ours.generator(x).mean().backward()
    assert all(p.grad is not None for p in ours.generator.parameters())


@pytest.mark.slow
def test_tools_test_evaluates_an_upstream_checkpoint(
    tmp_path, randomized_state
):
    """The unchanged upstream SegFormer config and a checkpoint saved from
    MMSegmentation's network, evaluated by our ``tools/test.py``."""
    name = 'segformer/segformer_mit-b0_8xb2-160k_ade20k-512x512.py'
    cfg = _config('mmseg', name)
    registry = pytest.importorskip('mmseg.registry').MODELS
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.backbone.init_cfg = None
    with DefaultScope.overwrite_default_scope('mmseg'):
        upstream = registry.build(model_cfg)
    checkpoint = str(tmp_path / 'segformer_upstream.pth')
    torch.save(
        dict(
            meta=dict(mmseg_version='1.2.2'),
            state_dict=randomized_state(upstream),
        ),
        checkpoint,
    )
    root = tmp_path / 'data' / 'ade' / 'ADEChallengeData2016'
    rng = np.random.default_rng(0)
    for i in range(2):
        stem = f'ADE_val_{i:08d}'
        imwrite(
            rng.integers(0, 256, (32, 40, 3), dtype=np.uint8),
            str(root / 'images' / 'validation' / f'{stem}.jpg'),
        )
        imwrite(
            rng.integers(0, 151, (32, 40), dtype=np.uint8),
            str(root / 'annotations' / 'validation' / f'{stem}.png'),
        )
    repo = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    env = dict(os.environ, OMP_NUM_THREADS='1')
    env['PYTHONPATH'] = os.pathsep.join(
        p for p in (repo, env.get('PYTHONPATH')) if p
    )
    result = subprocess.run(
        [
            sys.executable,
            osp.join(repo, 'tools', 'test.py'),
            cfg.filename,
            checkpoint,
            '--work-dir',
            str(tmp_path / 'work'),
            '--cfg-options',
            'default_scope=mmflow_ext',
            'test_dataloader.num_workers=0',
            'test_dataloader.persistent_workers=False',
        ],
        cwd=str(tmp_path),
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'Iter(test) [2/2]' in result.stdout + result.stderr
    assert 'mIoU' in result.stdout + result.stderr
