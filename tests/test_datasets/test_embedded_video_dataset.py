# Copyright (c) mmflow_ext contributors. All rights reserved.
import json
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.config import Config

from mmflow_ext.datasets import EmbeddedVideoDataset
from mmflow_ext.datasets.embedded_video_dataset import (
    MARKER,
    generate_embedded_video_data,
    synthesize_clip,
)

SMALL = dict(num_train=2, num_val=1, num_frames=4, img_size=32)
CONFIGS = osp.join(osp.dirname(__file__), '..', '..', 'configs')


def _frames(root, kind, clip, count):
    return [
        cv2.imread(osp.join(root, kind, clip, f'{t:08d}.png'))
        for t in range(count)
    ]


def test_generation_is_deterministic_and_reused(tmp_path):
    first, second = str(tmp_path / 'a'), str(tmp_path / 'b')
    assert generate_embedded_video_data(first, seed=3, **SMALL)
    assert generate_embedded_video_data(second, seed=3, **SMALL)
    manifest = json.loads(open(osp.join(first, MARKER)).read())
    assert manifest['complete'] and manifest['seed'] == 3
    # 2 ann files + 3 clips x 4 frames x (gt, x4)
    assert len(manifest['files']) == 2 + 3 * 4 * 2
    for rel in manifest['files']:
        with open(osp.join(first, rel), 'rb') as a:
            with open(osp.join(second, rel), 'rb') as b:
                assert a.read() == b.read(), rel
    stamp = osp.getmtime(osp.join(first, MARKER))
    assert not generate_embedded_video_data(first, seed=3, **SMALL)
    assert osp.getmtime(osp.join(first, MARKER)) == stamp
    # another seed rewrites the tree with other frames
    assert generate_embedded_video_data(first, seed=4, **SMALL)
    gt = 'gt/train_000/00000000.png'
    with open(osp.join(first, gt), 'rb') as a:
        with open(osp.join(second, gt), 'rb') as b:
            assert a.read() != b.read()


def test_layout_ann_files_and_degradation(tmp_path):
    root = str(tmp_path / 'v')
    generate_embedded_video_data(root, **SMALL)
    with open(osp.join(root, 'meta_info_train.txt')) as f:
        assert f.read() == 'train_000 4 (32,32,3)\ntrain_001 4 (32,32,3)\n'
    with open(osp.join(root, 'meta_info_val.txt')) as f:
        assert f.read() == 'val_000 4 (32,32,3)\n'
    gts = _frames(root, 'gt', 'val_000', 4)
    lqs = _frames(root, 'x4', 'val_000', 4)
    for gt, lq in zip(gts, lqs):
        assert gt.shape == (32, 32, 3) and lq.shape == (8, 8, 3)
        area = cv2.resize(gt, (8, 8), interpolation=cv2.INTER_AREA)
        assert np.array_equal(area, lq)
        assert len(np.unique(gt.reshape(-1, 3), axis=0)) > 50


def test_clips_move():
    frames = synthesize_clip(np.random.default_rng(5), 6, 32)
    assert len(frames) == 6
    diffs = [
        np.abs(a.astype(int) - b).mean() for a, b in zip(frames, frames[1:])
    ]
    # every frame differs from the previous one, but they stay one scene
    assert all(0.5 < d < 60 for d in diffs), diffs
    again = synthesize_clip(np.random.default_rng(5), 6, 32)
    assert all(np.array_equal(a, b) for a, b in zip(frames, again))


def test_argument_errors(tmp_path):
    with pytest.raises(ValueError, match='multiple of 4 and >= 16, got 30'):
        generate_embedded_video_data(str(tmp_path), img_size=30)
    with pytest.raises(ValueError, match='num_frames must be >= 1, got 0'):
        generate_embedded_video_data(str(tmp_path), num_frames=0)
    with pytest.raises(ValueError, match="split must be 'train' or 'val'"):
        EmbeddedVideoDataset(str(tmp_path), split='test', **SMALL)


def test_reds_pipeline_with_segment_indices(tmp_path):
    root = str(tmp_path / 'v')
    dataset = EmbeddedVideoDataset(
        root,
        split='train',
        num_input_frames=3,
        pipeline=[
            dict(type='GenerateSegmentIndices', interval_list=[1]),
            dict(type='LoadImageFromFile', key='img'),
            dict(type='LoadImageFromFile', key='gt'),
            dict(type='PackInputs'),
        ],
        **SMALL,
    )
    assert len(dataset) == 2
    assert dataset.get_data_info(1)['key'] == 'train_001'
    assert dataset.get_data_info(1)['sequence_length'] == 4
    np.random.seed(0)
    item = dataset[1]
    assert item['inputs'].shape == (3, 3, 8, 8)
    sample = item['data_samples']
    assert sample.gt_img.shape == (3, 3, 32, 32)
    start = int(sample.gt_path[0][-12:-4])
    assert [p[-12:-4] for p in sample.gt_path] == [
        f'{t:08d}' for t in range(start, start + 3)
    ]
    expected = cv2.imread(sample.gt_path[0])
    assert np.array_equal(sample.gt_img[0].permute(1, 2, 0).numpy(), expected)


def test_val_split_lists_whole_clips_with_bicubic_baseline(tmp_path):
    cfg = Config.fromfile(
        osp.join(CONFIGS, '_base_', 'datasets', 'embedded_video_x4.py')
    )
    args = dict(cfg.val_dataloader.dataset)
    args.pop('type')
    args.update(SMALL, data_root=str(tmp_path / 'v'))
    dataset = EmbeddedVideoDataset(**args)
    item = dataset[0]
    sample = item['data_samples']
    assert item['inputs'].shape == (4, 3, 8, 8)
    assert sample.gt_img.shape == (4, 3, 32, 32)
    assert sample.img_bicubic.shape == (4, 3, 32, 32)
    assert sample.metainfo['key'] == 'val_000'
    lq = cv2.imread(sample.img_path[2])
    bicubic = cv2.resize(lq, (32, 32), interpolation=cv2.INTER_CUBIC)
    assert np.array_equal(
        sample.img_bicubic[2].permute(1, 2, 0).numpy(), bicubic
    )


def test_reds4_base_pipelines_run_on_the_embedded_clips(tmp_path):
    """The REDS4 config's own pipelines (RGB, GenerateSegmentIndices in
    validation too) read the embedded data unchanged."""
    cfg = Config.fromfile(osp.join(CONFIGS, '_base_', 'datasets', 'reds4.py'))
    root = str(tmp_path / 'v')
    train = EmbeddedVideoDataset(
        root,
        num_input_frames=2,
        pipeline=[
            p for p in cfg.train_pipeline if p['type'] != 'PairedRandomCrop'
        ],
        **SMALL,
    )
    val = EmbeddedVideoDataset(
        root, split='val', pipeline=cfg.val_pipeline, **SMALL
    )
    np.random.seed(1)
    item = train[0]
    assert item['inputs'].shape == (2, 3, 8, 8)
    assert item['data_samples'].gt_img.shape == (2, 3, 32, 32)
    assert item['data_samples'].metainfo['img_channel_order'] == 'rgb'
    item = val[0]
    assert item['inputs'].shape == (4, 3, 8, 8)
    bgr = cv2.imread(item['data_samples'].img_path[3])
    assert np.array_equal(
        item['inputs'][3].permute(1, 2, 0).numpy(), bgr[..., ::-1]
    )
