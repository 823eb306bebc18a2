# Copyright (c) mmflow_ext contributors. All rights reserved.
"""tools/train.py and tools/test.py: how the command line lands in the
config, and the clear error of --amp without a GPU."""

import importlib.util
import os.path as osp
import sys

import pytest
import torch
from conftest import REPO_ROOT, TOY_CONFIG, TOY_DIR, run_tool


def load_tool(name: str):
    spec = importlib.util.spec_from_file_location(
        f'tool_{name}', osp.join(REPO_ROOT, 'tools', f'{name}.py')
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def train_config(monkeypatch):
    monkeypatch.syspath_prepend(TOY_DIR)
    train = load_tool('train')

    def build(*argv):
        monkeypatch.setattr(sys, 'argv', ['train.py', TOY_CONFIG, *argv])
        return train.build_config(train.parse_args())

    return build


def test_resume_without_a_path_means_the_latest_checkpoint(train_config):
    cfg = train_config('--resume')
    assert cfg.resume is True and cfg.load_from is None


def test_resume_with_a_path(train_config):
    cfg = train_config('--resume', 'work/epoch_2.pth')
    assert cfg.resume is True and cfg.load_from == 'work/epoch_2.pth'


def test_no_resume_keeps_the_config(train_config):
    cfg = train_config()
    assert cfg.get('resume', False) is False and cfg.get('load_from') is None


def test_test_tool_sets_checkpoint_and_output_dir(monkeypatch, tmp_path):
    """``--out`` is MMSegmentation's prediction folder for the segmentation
    config (one ``IoUMetric``) and MMagic's metrics file for the editing
    config (a list of metrics)."""
    test = load_tool('test')
    configs = dict(
        seg=osp.join(
            REPO_ROOT,
            'configs',
            'segmentation',
            'fcn-compactcnn_400it_shapes.py',
        ),
        edit=osp.join(
            REPO_ROOT,
            'configs',
            'editing',
            'espcn-res_500it_embedded-sr-denoise.py',
        ),
    )
    built = {}
    for name, config in configs.items():
        monkeypatch.setattr(
            sys,
            'argv',
            [
                'test.py',
                config,
                'ckpt.pth',
                '--out',
                str(tmp_path / name),
                '--work-dir',
                str(tmp_path),
            ],
        )
        args = test.parse_args()
        assert args.allow_partial_load is False
        built[name] = test.build_config(args)
        assert built[name].load_from == 'ckpt.pth'
    assert built['seg'].test_evaluator['output_dir'] == str(tmp_path / 'seg')
    assert all('output_dir' not in m for m in built['edit'].test_evaluator)
    assert built['edit'].custom_hooks[-1] == dict(
        type='mmflow_ext.SaveMetricsHook', out_file=str(tmp_path / 'edit')
    )


@pytest.mark.skipif(
    torch.cuda.is_available(), reason='checks the no-GPU message'
)
def test_amp_without_a_gpu_is_a_clear_error(tmp_path):
    result = run_tool(
        [
            sys.executable,
            osp.join(REPO_ROOT, 'tools', 'train.py'),
            TOY_CONFIG,
            '--amp',
            '--work-dir',
            str(tmp_path),
        ]
    )
    assert result.returncode == 1
    assert 'error: --amp needs a CUDA GPU' in result.stderr
    assert 'Traceback' not in result.stderr


def test_show_dir_turns_on_drawing_every_test_sample(monkeypatch):
    test = load_tool('test')
    main_config = osp.join(
        REPO_ROOT, 'configs', 'segmentation', 'fcn-compactcnn_400it_shapes.py'
    )
    monkeypatch.setattr(
        sys,
        'argv',
        [
            'test.py',
            main_config,
            'ckpt.pth',
            '--work-dir',
            'wd',
            '--show-dir',
            'vis',
        ],
    )
    cfg = test.build_config(test.parse_args())
    hook = cfg.default_hooks.visualization
    assert hook.draw is True and hook.on_test is True
    assert hook.interval['test'] == 1 and hook.max_samples['test'] is None
    assert cfg.visualizer.save_dir == osp.join('wd', 'vis')
