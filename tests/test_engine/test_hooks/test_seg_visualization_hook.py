# Copyright (c) mmflow_ext contributors. All rights reserved.
import glob
import os.path as osp
import uuid
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch
from mmengine.evaluator import BaseMetric
from mmengine.model import BaseModel
from mmengine.runner import Runner
from mmengine.structures import PixelData
from torch.utils.data import Dataset

from mmflow_ext.engine.hooks import SegVisualizationHook, enable_visualization
from mmflow_ext.registry import HOOKS
from mmflow_ext.structures import SegDataSample
from mmflow_ext.visualization import ConcatImageVisualizer

PALETTE = [[255, 0, 0], [0, 0, 255]]


def write_image(path, height=3, width=4):
    """A BGR image whose pixel (y, x) is (10 y, 10 x, 200)."""
    y, x = np.mgrid[:height, :width]
    bgr = np.stack([10 * y, 10 * x, np.full_like(y, 200)], -1)
    cv2.imwrite(str(path), bgr.astype(np.uint8))
    return bgr.astype(np.uint8)


def seg_sample(img_path, height=3, width=4):
    gt = torch.zeros(1, height, width, dtype=torch.uint8)
    gt[0, 0, 0] = 255
    return SegDataSample(
        metainfo=dict(img_path=str(img_path), ori_shape=(height, width)),
        gt_sem_seg=PixelData(data=gt),
        pred_sem_seg=PixelData(data=torch.ones(1, height, width).long()),
    )


def seg_visualizer(**kwargs):
    kwargs.setdefault('img_keys', ['img', 'gt_sem_seg', 'pred_sem_seg'])
    return ConcatImageVisualizer(
        name=f'vis_{uuid.uuid4().hex}',
        fn_key='img_path',
        palette=PALETTE,
        **kwargs,
    )


@pytest.mark.parametrize('bgr2rgb', [True, False])
def test_image_read_from_img_path_is_drawn_in_true_colours(tmp_path, bgr2rgb):
    bgr = write_image(tmp_path / 'street.png')
    runner = SimpleNamespace(
        iter=5,
        visualizer=seg_visualizer(bgr2rgb=bgr2rgb, blend_key='img', alpha=1.0),
    )
    rows = []
    runner.visualizer.add_datasample = lambda sample, step, extra_images: (
        rows.append((step, runner.visualizer.draw_row(sample, extra_images)))
    )
    hook = SegVisualizationHook(interval=1)
    hook.after_val_iter(runner, 0, None, [seg_sample(tmp_path / 'street.png')])
    [(step, row)] = rows
    assert step == 5 and row.shape == (3, 12, 3)
    rgb = bgr[..., ::-1]
    assert np.array_equal(row[:, :4], rgb)
    # GT: ignore pixel (0, 0) shows the image, the rest class 0 (red)
    assert row[0, 4].tolist() == rgb[0, 0].tolist()
    assert row[1, 5].tolist() == [255, 0, 0]
    assert (row[:, 8:] == [0, 0, 255]).all()


def test_image_not_read_when_not_drawn(tmp_path):
    runner = SimpleNamespace(
        iter=0, visualizer=seg_visualizer(img_keys=['pred_sem_seg'])
    )
    sample = seg_sample(tmp_path / 'missing.png')
    rows = []
    runner.visualizer.add_datasample = lambda sample, step, extra_images: (
        rows.append(
            (extra_images, runner.visualizer.draw_row(sample, extra_images))
        )
    )
    SegVisualizationHook().after_test_iter(runner, 0, None, [sample])
    [(extra_images, row)] = rows
    assert not extra_images  # the missing image file was never opened
    # every pixel predicts class 1: PALETTE[1], drawn by hand
    expected = np.empty((3, 4, 3), dtype=np.uint8)
    expected[...] = PALETTE[1]
    assert np.array_equal(row, expected)


def test_undecodable_image_is_a_clear_error(tmp_path):
    (tmp_path / 'broken.png').write_bytes(b'not an image')
    runner = SimpleNamespace(iter=0, visualizer=seg_visualizer())
    with pytest.raises(
        ValueError, match='cannot decode the image ".*broken.png"'
    ):
        SegVisualizationHook().after_val_iter(
            runner, 0, None, [seg_sample(tmp_path / 'broken.png')]
        )


def test_defaults_draw_the_first_batch_of_a_short_loop(tmp_path):
    hook = HOOKS.build(dict(type='SegVisualizationHook'))
    assert hook.draw and hook.interval == 50
    runner = SimpleNamespace(
        iter=0, visualizer=seg_visualizer(img_keys=['pred_sem_seg'])
    )
    drawn = []
    runner.visualizer.add_datasample = lambda sample, step, extra_images: (
        drawn.append(sample.img_path)
    )
    hook.before_val_epoch(runner)
    for batch_idx in range(20):
        hook.after_val_iter(
            runner, batch_idx, None, [seg_sample(f'{batch_idx}.png')]
        )
    assert drawn == ['0.png']


class FolderDataset(Dataset):
    """Three images on disk with their GT; the model predicts class 1."""

    metainfo = dict(classes=('background', 'object'), palette=PALETTE)

    def __init__(self, root):
        self.paths = [osp.join(root, f'im{i}.png') for i in range(3)]
        for path in self.paths:
            write_image(path)

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, index):
        return dict(
            inputs=torch.zeros(3, 3, 4),
            data_samples=seg_sample(self.paths[index]),
        )


class ConstantSegmentor(BaseModel):
    def forward(self, inputs, data_samples=None, mode='tensor'):
        return data_samples


class CountMetric(BaseMetric):
    def process(self, data_batch, data_samples):
        self.results.extend(1 for _ in data_samples)

    def compute_metrics(self, results):
        return dict(count=len(results))


def test_show_dir_config_draws_every_test_image(tmp_path):
    dataloader = dict(
        dataset=FolderDataset(str(tmp_path)),
        sampler=dict(type='DefaultSampler', shuffle=False),
        batch_size=2,
        num_workers=0,
        collate_fn=dict(type='pseudo_collate'),
    )
    cfg = dict(
        visualizer=dict(
            type='ConcatImageVisualizer',
            vis_backends=[dict(type='LocalVisBackend')],
            fn_key='img_path',
            img_keys=['img', 'gt_sem_seg', 'pred_sem_seg'],
            bgr2rgb=True,
            blend_key='img',
            alpha=0.5,
        ),
        default_hooks=dict(
            visualization=dict(
                type='SegVisualizationHook', interval=5, max_samples=1
            )
        ),
    )
    enable_visualization(cfg, show_dir=str(tmp_path / 'show'))
    runner = Runner(
        model=ConstantSegmentor(),
        work_dir=str(tmp_path / 'work'),
        experiment_name=f'seg_{uuid.uuid4().hex}',
        default_scope='mmflow_ext',
        test_dataloader=dataloader,
        test_cfg=dict(),
        test_evaluator=[CountMetric()],
        env_cfg=dict(dist_cfg=dict(backend='gloo')),
        log_level='WARNING',
        **cfg,
    )
    runner.test()
    saved = sorted(
        glob.glob(str(tmp_path / 'show' / 'vis_data' / 'vis_image' / '*.png'))
    )
    assert [osp.basename(p) for p in saved] == [
        'im0_0.png',
        'im1_0.png',
        'im2_0.png',
    ]
    row = cv2.imread(saved[2], cv2.IMREAD_UNCHANGED)[..., ::-1]
    rgb = write_image(tmp_path / 'check.png')[..., ::-1].astype(np.float32)
    assert row.shape == (3, 12, 3)
    assert np.array_equal(row[:, :4], rgb)
    # prediction: class 1 (blue) blended half over the image
    expected = np.rint(rgb * 0.5 + np.array([0, 0, 255]) * 0.5)
    assert np.array_equal(row[:, 8:], expected.astype(np.uint8))


def _runner(tmp_path, visualizer, hook, with_train=True):
    def loader(**kwargs):
        return dict(
            dataset=FolderDataset(str(tmp_path)),
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=1,
            num_workers=0,
            collate_fn=dict(type='pseudo_collate'),
            **kwargs,
        )

    train = dict(
        train_dataloader=loader(),
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=1),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
    )
    return Runner(
        model=ConstantSegmentor(),
        work_dir=str(tmp_path / 'work'),
        experiment_name=f'seg_{uuid.uuid4().hex}',
        default_scope='mmflow_ext',
        test_dataloader=loader(),
        test_cfg=dict(),
        test_evaluator=[CountMetric()],
        env_cfg=dict(dist_cfg=dict(backend='gloo')),
        log_level='WARNING',
        visualizer=visualizer,
        default_hooks=dict(visualization=hook),
        **(train if with_train else {}),
    )


def test_test_run_never_builds_the_train_loop(tmp_path):
    """Reading ``runner.iter`` in a test run built the train loop (and its
    dataset, which on 2 ranks entered a barrier on rank 0 only)."""
    from mmengine.runner import BaseLoop

    runner = _runner(
        tmp_path,
        dict(
            type='ConcatImageVisualizer',
            name=f'vis_{uuid.uuid4().hex}',
            vis_backends=[dict(type='LocalVisBackend')],
            save_dir=str(tmp_path / 'show'),
            fn_key='img_path',
            img_keys=['pred_sem_seg'],
            palette=PALETTE,
        ),
        dict(type='SegVisualizationHook', interval=1),
    )
    runner.test()
    assert not isinstance(runner._train_loop, BaseLoop)
    assert isinstance(runner._train_loop, dict)
    saved = sorted(p.name for p in (tmp_path / 'show').glob('**/*.png'))
    assert saved == ['im0_0.png', 'im1_0.png', 'im2_0.png']


def test_any_visualizer_is_called_as_mmseg_calls_it(tmp_path):
    runner = _runner(
        tmp_path,
        dict(
            type='SegLocalVisualizer',
            name=f'vis_{uuid.uuid4().hex}',
            vis_backends=[dict(type='LocalVisBackend')],
            save_dir=str(tmp_path / 'show'),
            alpha=1.0,
        ),
        dict(type='SegVisualizationHook', interval=2),
        with_train=False,
    )
    runner.test()
    folder = tmp_path / 'show' / 'vis_data' / 'vis_image'
    # batches 0 (always) and 1 ((1 + 1) % 2 == 0) of three
    assert sorted(p.name for p in folder.iterdir()) == [
        'test_im0.png_0.png',
        'test_im1.png_0.png',
    ]
    drawn = cv2.imread(str(folder / 'test_im0.png_0.png'))[..., ::-1]
    # GT (class 0 red, the ignore pixel black) left of the prediction;
    # name boxes start in the middle of each class's longest row
    assert drawn.shape == (3, 8, 3)
    assert drawn[0, 0].tolist() == [0, 0, 0]
    assert drawn[1, 1].tolist() == PALETTE[0]
    assert (drawn[:, 4:6] == PALETTE[1]).all()


def test_batches_are_chosen_per_iteration_as_upstream_plus_the_first():
    calls = []
    visualizer = SimpleNamespace(
        add_datasample=lambda *args, **kwargs: calls.append((args, kwargs))
    )
    hook = SegVisualizationHook(interval=3)
    hook.read_image = lambda path, order: order
    runner = SimpleNamespace(iter=4, visualizer=visualizer)
    hook.before_val_epoch(runner)
    for batch_idx in range(8):
        hook.after_val_iter(
            runner, batch_idx, None, [seg_sample(f'd/{batch_idx}.png')]
        )
    assert [args[0] for args, _ in calls] == [
        'val_0.png',
        'val_2.png',
        'val_5.png',
    ]
    args, kwargs = calls[0]
    assert args[1] == 'rgb'
    assert kwargs == dict(
        data_sample=kwargs['data_sample'], show=False, wait_time=0.0, step=4
    )
    assert kwargs['data_sample'].img_path == 'd/0.png'
    hook = SegVisualizationHook(draw=False)
    hook.after_test_iter(runner, 0, None, [seg_sample('d/x.png')])
    assert len(calls) == 3


def test_visualizer_taken_from_the_current_instance():
    visualizer = ConcatImageVisualizer.get_instance(
        f'vis_{uuid.uuid4().hex}',
        fn_key='img_path',
        img_keys=['pred_sem_seg'],
        palette=PALETTE,
    )
    hook = SegVisualizationHook()
    rows = []
    visualizer.add_datasample = lambda sample, step, extra_images: rows.append(
        step
    )
    hook.after_val_iter(
        SimpleNamespace(iter=2), 0, None, [seg_sample('a.png')]
    )
    assert rows == [2]


def test_mmsegs_visualizer_draws_what_ours_draws(tmp_path):
    mmseg_vis = pytest.importorskip('mmseg.visualization')
    from mmflow_ext.visualization import SegLocalVisualizer

    write_image(tmp_path / 'street.png', height=6, width=8)
    sample = seg_sample(tmp_path / 'street.png', height=6, width=8)
    saved = {}
    for name, cls in (
        ('ours', SegLocalVisualizer),
        ('theirs', mmseg_vis.SegLocalVisualizer),
    ):
        visualizer = cls(
            name=f'{name}_{uuid.uuid4().hex}',
            vis_backends=[dict(type='LocalVisBackend')],
            save_dir=str(tmp_path / name),
        )
        visualizer.dataset_meta = dict(
            classes=('background', 'object'), palette=PALETTE
        )
        hook = SegVisualizationHook(interval=1)
        hook.after_test_iter(
            SimpleNamespace(iter=3, visualizer=visualizer), 0, None, [sample]
        )
        [path] = (tmp_path / name).glob('**/*.png')
        saved[name] = (path.name, cv2.imread(str(path)))
    assert saved['ours'][0] == saved['theirs'][0] == 'test_street.png_3.png'
    assert np.array_equal(saved['ours'][1], saved['theirs'][1])
