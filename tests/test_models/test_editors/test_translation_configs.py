# Copyright (c) mmflow_ext contributors. All rights reserved.
"""MMagic 1.2.0's pix2pix (facades) and CycleGAN (horse2zebra) configs,
rebuilt here with small networks and images, through our Runner: training,
validation, the Inception metrics failing clearly without weights, and the
visualization hook saving grids."""

import copy
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

from mmflow_ext.registry import (
    HOOKS,
    LOOPS,
    METRICS,
    MODELS,
    PARAM_SCHEDULERS,
    TRANSFORMS,
    VISUALIZERS,
)
from mmflow_ext.structures import DataSample


def _write(path, img):
    os.makedirs(osp.dirname(path), exist_ok=True)
    assert cv2.imwrite(path, img)


def _paired_root(root, n_train=3, n_test=2):
    rng = np.random.default_rng(0)
    for phase, n in (('train', n_train), ('test', n_test)):
        for i in range(n):
            img = rng.integers(0, 256, (40, 80, 3), dtype=np.uint8)  # A|B
            _write(osp.join(root, phase, f'{i}.png'), img)
    return root


def _unpaired_root(root, n_a=3, n_b=2):
    rng = np.random.default_rng(1)
    for phase in ('train', 'test'):
        for dom, n in (('A', n_a), ('B', n_b)):
            for i in range(n):
                img = rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)
                _write(osp.join(root, f'{phase}{dom}', f'{i}.png'), img)
    return root


def _pack(domain_a, domain_b):
    """The KeyMapper and PackInputs the MMagic configs append."""
    keys = [f'img_{domain_a}', f'img_{domain_b}']
    return [
        dict(
            type='KeyMapper',
            mapping={keys[0]: 'img_A', keys[1]: 'img_B'},
            remapping={k: k for k in keys},
        ),
        dict(type='PackInputs', keys=keys, data_keys=keys),
    ]


def _runtime(work_dir, hooks):
    """gen_default_runtime.py's pieces that a CPU test can run."""
    return dict(
        default_scope='mmflow_ext',
        work_dir=str(work_dir),
        randomness=dict(seed=2022, diff_rank_seed=True),
        default_hooks=dict(
            timer=dict(type='IterTimerHook'),
            logger=dict(
                type='LoggerHook', interval=1, log_metric_by_epoch=False
            ),
            checkpoint=dict(
                type='CheckpointHook', interval=100, by_epoch=False
            ),
        ),
        env_cfg=dict(cudnn_benchmark=False, dist_cfg=dict(backend='gloo')),
        log_processor=dict(type='LogProcessor', by_epoch=False),
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=2, val_interval=2),
        val_cfg=dict(type='MultiValLoop'),
        test_cfg=dict(type='MultiTestLoop'),
        optim_wrapper=dict(
            constructor='MultiOptimWrapperConstructor',
            generators=dict(
                type='OptimWrapper',
                optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999)),
            ),
            discriminators=dict(
                type='OptimWrapper',
                optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999)),
            ),
        ),
        custom_hooks=hooks,
    )


def _loaders(dataset_type, data_root, train_pipeline, test_pipeline):
    def loader(test_mode, pipeline, shuffle):
        sampler = 'InfiniteSampler' if not test_mode else 'DefaultSampler'
        return dict(
            batch_size=2,
            num_workers=0,
            sampler=dict(type=sampler, shuffle=shuffle),
            dataset=dict(
                type=dataset_type,
                data_root=data_root,
                test_mode=test_mode,
                pipeline=pipeline,
            ),
        )

    return dict(
        train_dataloader=loader(False, train_pipeline, True),
        val_dataloader=loader(True, test_pipeline, False),
        test_dataloader=loader(True, test_pipeline, False),
    )


VIS_HOOK = dict(
    type='VisualizationHook',
    interval=1,
    fixed_input=True,
    vis_kwargs_list=[
        dict(type='Translation', name='trans'),
        dict(type='TranslationVal', name='trans_val'),
    ],
)


def pix2pix_cfg(work_dir, data_root, metrics):
    """pix2pix_vanilla-unet-bn_1xb1-80kiters_facades.py, small."""
    source, target = 'mask', 'photo'
    train_pipeline = [
        dict(
            type='LoadPairedImageFromFile',
            key='pair',
            domain_a='A',
            domain_b='B',
            color_type='color',
        ),
        dict(
            type='Resize',
            keys=['img_A', 'img_B'],
            scale=(36, 36),
            interpolation='bicubic',
        ),
        dict(type='FixedCrop', keys=['img_A', 'img_B'], crop_size=(32, 32)),
        dict(type='Flip', keys=['img_A', 'img_B'], direction='horizontal'),
    ] + _pack(target, source)
    test_pipeline = [
        dict(
            type='LoadPairedImageFromFile',
            key='pair',
            domain_a='A',
            domain_b='B',
            color_type='color',
        ),
        dict(
            type='TransformBroadcaster',
            mapping={'img': ['img_A', 'img_B']},
            auto_remap=True,
            share_random_params=True,
            transforms=[
                dict(
                    type='Resize',
                    scale=(32, 32),
                    keys='img',
                    interpolation='bicubic',
                )
            ],
        ),
    ] + _pack(target, source)
    model = dict(
        type='Pix2Pix',
        data_preprocessor=dict(
            type='DataPreprocessor',
            data_keys=[f'img_{target}', f'img_{source}'],
        ),
        generator=dict(
            type='UnetGenerator',
            in_channels=3,
            out_channels=3,
            num_down=5,
            base_channels=4,
            norm_cfg=dict(type='BN'),
            use_dropout=True,
            init_cfg=dict(type='normal', gain=0.02),
        ),
        discriminator=dict(
            type='PatchDiscriminator',
            in_channels=6,
            base_channels=4,
            num_conv=3,
            norm_cfg=dict(type='BN'),
            init_cfg=dict(type='normal', gain=0.02),
        ),
        loss_config=dict(pixel_loss_weight=100.0),
        default_domain=target,
        reachable_domains=[target],
        related_domains=[target, source],
    )
    cfg = dict(
        model=model,
        **_loaders(
            'PairedImageDataset', data_root, train_pipeline, test_pipeline
        ),
        **_runtime(work_dir, [VIS_HOOK]),
        val_evaluator=dict(metrics=metrics),
        test_evaluator=dict(metrics=metrics),
    )
    return cfg


def cyclegan_cfg(work_dir, data_root, metrics):
    """cyclegan_lsgan-resnet-in_1xb1-270kiters_horse2zebra.py, small."""
    domain_a, domain_b = 'horse', 'zebra'
    train_pipeline = [
        dict(type='LoadImageFromFile', key='img_A', color_type='color'),
        dict(type='LoadImageFromFile', key='img_B', color_type='color'),
        dict(
            type='TransformBroadcaster',
            mapping={'img': ['img_A', 'img_B']},
            auto_remap=True,
            share_random_params=True,
            transforms=[
                dict(type='Resize', scale=(36, 36), interpolation='bicubic'),
                dict(
                    type='Crop',
                    keys=['img'],
                    crop_size=(32, 32),
                    random_crop=True,
                ),
            ],
        ),
        dict(type='Flip', keys=['img_A'], direction='horizontal'),
        dict(type='Flip', keys=['img_B'], direction='horizontal'),
    ] + _pack(domain_a, domain_b)
    test_pipeline = [
        dict(type='LoadImageFromFile', key='img_A', color_type='color'),
        dict(type='LoadImageFromFile', key='img_B', color_type='color'),
        dict(
            type='TransformBroadcaster',
            mapping={'img': ['img_A', 'img_B']},
            auto_remap=True,
            share_random_params=True,
            transforms=dict(
                type='Resize', scale=(32, 32), interpolation='bicubic'
            ),
        ),
    ] + _pack(domain_a, domain_b)
    model = dict(
        type='CycleGAN',
        data_preprocessor=dict(
            type='DataPreprocessor',
            data_keys=[f'img_{domain_a}', f'img_{domain_b}'],
        ),
        generator=dict(
            type='ResnetGenerator',
            in_channels=3,
            out_channels=3,
            base_channels=4,
            norm_cfg=dict(type='IN'),
            use_dropout=False,
            num_blocks=1,
            padding_mode='reflect',
            init_cfg=dict(type='normal', gain=0.02),
        ),
        discriminator=dict(
            type='PatchDiscriminator',
            in_channels=3,
            base_channels=4,
            num_conv=3,
            norm_cfg=dict(type='IN'),
            init_cfg=dict(type='normal', gain=0.02),
        ),
        loss_config=dict(cycle_loss_weight=10.0, id_loss_weight=0.5),
        default_domain=domain_b,
        reachable_domains=[domain_a, domain_b],
        related_domains=[domain_a, domain_b],
    )
    cfg = dict(
        model=model,
        param_scheduler=dict(
            type='LinearLrInterval',
            interval=1,
            by_epoch=False,
            start_factor=0.0002,
            end_factor=0,
            begin=1,
            end=2,
        ),
        **_loaders(
            'UnpairedImageDataset', data_root, train_pipeline, test_pipeline
        ),
        **_runtime(work_dir, [VIS_HOOK]),
        val_evaluator=dict(metrics=metrics),
        test_evaluator=dict(metrics=metrics),
    )
    return cfg


PIX2PIX_METRICS = [
    dict(
        type='TransIS',
        prefix='IS-Full',
        fake_nums=2,
        inception_style='PyTorch',
        fake_key='fake_photo',
        sample_model='orig',
    ),
    dict(
        type='TransFID',
        prefix='FID-Full',
        fake_nums=2,
        inception_style='PyTorch',
        real_key='img_photo',
        fake_key='fake_photo',
        sample_model='orig',
    ),
]
CYCLEGAN_METRICS = [
    dict(
        type='TransFID',
        prefix='FID-horse-to-zebra',
        fake_nums=3,
        inception_style='StyleGAN',
        real_key='img_zebra',
        fake_key='fake_zebra',
    ),
]


def _runner(cfg):
    return Runner.from_cfg(Config(copy.deepcopy(cfg)))


@pytest.mark.parametrize('name', ['pix2pix', 'cyclegan'])
def test_config_trains_validates_and_saves_grids(name, tmp_path):
    os.environ.setdefault('OMP_NUM_THREADS', '1')
    if name == 'pix2pix':
        root = _paired_root(str(tmp_path / 'facades'))
        cfg, fakes, reals = pix2pix_cfg, ['fake_photo'], ['img_photo']
        metrics = PIX2PIX_METRICS
    else:
        root = _unpaired_root(str(tmp_path / 'horse2zebra'))
        cfg = cyclegan_cfg
        fakes = ['fake_horse', 'fake_zebra']
        reals = ['img_horse', 'img_zebra']
        metrics = CYCLEGAN_METRICS

    # without metrics (omitted): two iterations and a validation
    plain = cfg(tmp_path / 'plain', root, metrics)
    for key in ('val_evaluator', 'test_evaluator'):
        plain[key] = dict(metrics=[])
    plain.pop('val_evaluator')
    plain.pop('val_dataloader')
    plain.pop('val_cfg')
    plain['train_cfg'].pop('val_interval')
    plain['custom_hooks'] = [
        dict(
            VIS_HOOK, vis_kwargs_list=[dict(type='Translation', name='trans')]
        )
    ]
    runner = _runner(plain)
    runner.train()
    grid = tmp_path / 'plain' / 'vis_data' / 'trans_iter_1.png'
    assert grid.is_file()
    img = cv2.imread(str(grid))
    # 3 train samples (n_samples=64 caps at the dataset), one block per
    # image key, ceil(sqrt(3)) = 2 per row: 2 rows per key, 32 px + 2 pad
    keys = 2 + len(fakes)
    assert img.shape == (keys * 2 * 34 + 2, 2 * 34 + 2, 3)

    # the model's outputs: fake_<domain> next to the real images
    batch = next(iter(runner.build_dataloader(plain['test_dataloader'])))
    outputs = runner.model.test_step(batch)
    assert isinstance(outputs[0], DataSample)
    for key in fakes + reals:
        assert outputs[0].get(key).shape == (3, 32, 32)

    # with MMagic's Inception metrics and no weights: a clear failure
    runner = _runner(cfg(tmp_path / 'metrics', root, metrics))
    if name == 'pix2pix':
        match = "TransIS: only inception_style='StyleGAN'"
        error = ValueError
    else:
        match = 'TransFID needs the StyleGAN Inception weights: put'
        error = FileNotFoundError
    with pytest.raises(error, match=match):
        runner.train()
    # the grids of both samplers were saved before validation
    vis = tmp_path / 'metrics' / 'vis_data'
    assert (vis / 'trans_iter_1.png').is_file()
    assert (vis / 'trans_val_iter_2.png').is_file()


# ------------------------------------------------- the shipped configs
def _shipped(rel):
    mmagic = pytest.importorskip('mmagic')
    path = osp.join(osp.dirname(mmagic.__file__), '.mim', 'configs', rel)
    if not osp.isfile(path):
        pytest.skip(f'{path} is not shipped')
    return Config.fromfile(path)


SHIPPED = [
    'pix2pix/pix2pix_vanilla-unet-bn_1xb1-80kiters_facades.py',
    'pix2pix/pix2pix_vanilla-unet-bn_1xb1-220kiters_aerial2maps.py',
    'pix2pix/pix2pix_vanilla-unet-bn_1xb1-220kiters_maps2aerial.py',
    'pix2pix/pix2pix_vanilla-unet-bn_wo-jitter-flip-1xb4-190kiters_edges2shoes.py',
    'cyclegan/cyclegan_lsgan-resnet-in_1xb1-270kiters_horse2zebra.py',
    'cyclegan/cyclegan_lsgan-id0-resnet-in_1xb1-80kiters_facades.py',
    'cyclegan/cyclegan_lsgan-resnet-in_1xb1-250kiters_summer2winter.py',
]


@pytest.mark.parametrize('rel', SHIPPED)
def test_shipped_config_types_resolve(rel, tmp_path):
    """Every type of the shipped config builds in our scope (the metrics
    without weights, the pipelines, hooks, loops, schedulers, the
    visualizer and the whole model, loading MMagic's state dict)."""
    cfg = _shipped(rel)
    from mmagic.registry import MODELS as UPSTREAM

    with DefaultScope.overwrite_default_scope('mmflow_ext'):
        for key in ('train_dataloader', 'val_dataloader'):
            for t in cfg[key]['dataset']['pipeline']:
                TRANSFORMS.build(copy.deepcopy(t))
        for hook in cfg.custom_hooks:
            HOOKS.build(copy.deepcopy(hook))
        for metric in cfg.val_evaluator['metrics']:
            METRICS.build(copy.deepcopy(metric))
        for key in ('val_cfg', 'test_cfg'):
            assert LOOPS.get(cfg[key]['type']) is not None
        schedulers = cfg.get('param_scheduler') or []
        for sched in (
            [schedulers] if isinstance(schedulers, dict) else schedulers
        ):
            assert PARAM_SCHEDULERS.get(sched['type']) is not None
        vis = copy.deepcopy(cfg.visualizer)
        VISUALIZERS.build(dict(vis, name=rel, save_dir=str(tmp_path)))
        ours = MODELS.build(copy.deepcopy(cfg.model))
    with DefaultScope.overwrite_default_scope('mmagic'):
        ref = UPSTREAM.build(copy.deepcopy(cfg.model))
    ours.load_state_dict(ref.state_dict(), strict=True)
    assert type(ours).__name__ == type(ref).__name__


@pytest.mark.parametrize('rel', [SHIPPED[0], SHIPPED[4]])
def test_shipped_config_model_outputs_equal_mmagic(rel):
    cfg = _shipped(rel)
    from mmagic.registry import MODELS as UPSTREAM
    from mmagic.structures import DataSample as RefSample

    with DefaultScope.overwrite_default_scope('mmagic'):
        ref = UPSTREAM.build(copy.deepcopy(cfg.model))
    with DefaultScope.overwrite_default_scope('mmflow_ext'):
        ours = MODELS.build(copy.deepcopy(cfg.model))
    ours.load_state_dict(ref.state_dict(), strict=True)
    keys = cfg.model.data_preprocessor['data_keys']
    gen = np.random.default_rng(0)

    def batch(cls):
        imgs = {
            k: gen.integers(0, 256, (3, 256, 256), dtype=np.uint8)
            for k in keys
        }
        sample = cls()
        sample.set_tensor_data(
            {k: torch.from_numpy(v) for k, v in imgs.items()}
        )
        return dict(
            inputs=[{k: torch.from_numpy(v) for k, v in imgs.items()}],
            data_samples=[sample],
        )

    data = batch(DataSample)
    ref_data = copy.deepcopy(data)
    ref_data['data_samples'] = [RefSample(**data['data_samples'][0].to_dict())]
    with torch.no_grad():
        torch.manual_seed(0)  # dropout of pix2pix's train-mode test
        got = ours.val_step(data)[0]
        torch.manual_seed(0)
        expected = ref.val_step(ref_data)[0]
    fakes = [k for k in expected.keys() if k.startswith('fake_')]
    assert fakes
    for key in fakes:
        torch.testing.assert_close(got.get(key), expected.get(key))
