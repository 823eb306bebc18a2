# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Bad configs and arguments: caught when things are built (not deep into
a run), each error naming the key or value at fault."""

import argparse
import importlib.util
import os.path as osp
import re

import numpy as np
import pytest
import torch
from conftest import REPO_ROOT
from mmengine.config import Config
from mmengine.runner import Runner

from mmflow_ext.registry import METRICS, MODELS, VISUALIZERS
from mmflow_ext.structures import DataSample, SegDataSample

MAIN_CONFIG = osp.join(
    REPO_ROOT, 'configs', 'segmentation', 'fcn-compactcnn_400it_shapes.py'
)


def tiny_main_job(tmp_path, **overrides) -> Config:
    """The main job on a 6-image shapes dataset, no worker processes."""
    cfg = Config.fromfile(MAIN_CONFIG)
    cfg.work_dir = str(tmp_path / 'work')
    options = {}
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        options.update(
            {
                f'{loader}.num_workers': 0,
                f'{loader}.persistent_workers': False,
                f'{loader}.dataset.data_root': str(tmp_path / 'shapes'),
                f'{loader}.dataset.num_train': 4,
                f'{loader}.dataset.num_val': 2,
                f'{loader}.dataset.image_size': 32,
            }
        )
    options.update(overrides)
    cfg.merge_from_dict(options)
    return cfg


def test_head_num_classes_differs_from_the_dataset(tmp_path):
    cfg = tiny_main_job(tmp_path, **{'model.decode_head.num_classes': 19})
    cfg.custom_hooks = [dict(type='NumClassCheckHook')]
    runner = Runner.from_cfg(cfg)
    with pytest.raises(
        ValueError,
        match=re.escape(
            'model.decode_head.num_classes=19 does not match the 5 '
            'classes of ShapesDataset in train_dataloader'
        )
        + r" \('background', .*set model\.decode_head\.num_classes=5",
    ):
        runner.train()
    assert runner.iter == 0  # before the first iteration


def test_mean_std_length_differs_from_channels():
    pre = MODELS.build(
        dict(type='SegDataPreProcessor', mean=[1, 2, 3], std=[1, 2, 3])
    )
    gray = torch.zeros(1, 4, 4, dtype=torch.uint8)
    with pytest.raises(
        ValueError,
        match='mean/std have 3 values but the images have 1 channels',
    ):
        pre(dict(inputs=[gray]))


def test_editing_mean_std_length_differs_from_channels():
    pre = MODELS.build(
        dict(type='DataPreprocessor', mean=[1, 2, 3], std=[1, 2, 3])
    )
    gray = torch.zeros(1, 4, 4, dtype=torch.uint8)
    with pytest.raises(
        ValueError,
        match='mean/std have 3 values but the images have 1 channels',
    ):
        pre(dict(inputs=[gray], data_samples=[DataSample()]))


@pytest.mark.parametrize(
    'training,name', [(True, 'size'), (False, 'test_cfg.size')]
)
def test_size_smaller_than_an_image_without_a_crop(training, name):
    pre = MODELS.build(
        dict(type='SegDataPreProcessor', size=(4, 4), test_cfg=dict(size=4))
    )
    sample = SegDataSample(metainfo=dict(img_path='scenes/big.jpg'))
    with pytest.raises(
        ValueError,
        match=re.escape(
            f'image 0 (scenes/big.jpg) is 4x6, larger than {name}=(4, 4)'
        )
        + r'.*RandomCrop',
    ):
        pre(
            dict(
                inputs=[torch.zeros(3, 4, 6, dtype=torch.uint8)],
                data_samples=[sample],
            ),
            training=training,
        )


def test_empty_dataset_split(tmp_path):
    (tmp_path / 'img' / 'val').mkdir(parents=True)
    (tmp_path / 'ann' / 'val').mkdir(parents=True)
    from mmflow_ext.registry import DATASETS

    folder = str(tmp_path / 'img' / 'val')
    with pytest.raises(
        ValueError,
        match=f'no image ending in ".jpg" found for BaseSegDataset in '
        f'{re.escape(folder)}',
    ):
        DATASETS.build(
            dict(
                type='BaseSegDataset',
                data_prefix=dict(
                    img_path=folder, seg_map_path=str(tmp_path / 'ann' / 'val')
                ),
            )
        )


def test_unknown_metric_name_at_construction():
    with pytest.raises(
        KeyError,
        match=r"iou_metrics \['mIou'\] are not supported; choose from "
        'mIoU, mDice, mFscore',
    ):
        METRICS.build(dict(type='IoUMetric', iou_metrics=['mIou']))


def test_misspelt_registry_type(tmp_path):
    cfg = tiny_main_job(tmp_path, **{'model.type': 'EncoderDecodr'})
    with pytest.raises(
        KeyError,
        match=r'"EncoderDecodr" is not registered in the "model" '
        r'registry of scope "mmflow_ext".*Did you mean: EncoderDecoder',
    ):
        Runner.from_cfg(cfg)


def _tool(name: str):
    spec = importlib.util.spec_from_file_location(
        f'{name}_tool', osp.join(REPO_ROOT, 'tools', f'{name}.py')
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize('tool', ['train', 'test'])
def test_default_scope_of_another_package(tmp_path, tool):
    path = tmp_path / 'from_mmseg.py'
    path.write_text(
        f"_base_ = [{MAIN_CONFIG!r}]\ndefault_scope = 'mmseg_missing'\n"
    )
    args = argparse.Namespace(
        config=str(path),
        checkpoint='x.pth',
        launcher='none',
        cfg_options=None,
        work_dir=str(tmp_path),
        amp=False,
        resume=None,
        show_dir=None,
        out=None,
    )
    with pytest.raises(
        ValueError,
        match=r"from_mmseg\.py sets default_scope='mmseg_missing', but "
        r'no package "mmseg_missing" with a registry is installed, so '
        r'its unprefixed types \(.*EncoderDecoder.*\) cannot be found\. '
        r"Set default_scope='mmflow_ext' .* e\.g\. "
        r"'mmflow_ext\.EncoderDecoder'",
    ):
        _tool(tool).build_config(args)


def test_fn_key_missing_in_a_sample():
    visualizer = VISUALIZERS.build(
        dict(
            type='ConcatImageVisualizer',
            name='bad_fn_key',
            fn_key='gt_path',
            img_keys=['gt_img'],
        )
    )
    sample = DataSample(
        gt_img=torch.zeros(3, 2, 2), metainfo=dict(img_path='lq/0001.png')
    )
    with pytest.raises(
        KeyError,
        match=r'fn_key "gt_path" is not in the data sample or its output '
        r'\(keys: .*img_path',
    ):
        visualizer.add_datasample(sample)
    assert np.all(sample.gt_img.numpy() == 0)  # the sample is untouched
