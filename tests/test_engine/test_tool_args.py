# Copyright (c) mmflow_ext contributors. All rights reserved.
import argparse
import os

import pytest
from conftest import TOY_CONFIG, TOY_DIR
from mmengine.config import Config

from mmflow_ext.compat import TRUST_ENV_VAR
from mmflow_ext.engine.tool_args import (
    add_runner_arguments,
    apply_environment,
    build_runner,
    load_runner_config,
    set_test_output,
)


@pytest.fixture(autouse=True)
def toy_modules_importable(monkeypatch):
    """The toy config imports its components by module name."""
    monkeypatch.syspath_prepend(TOY_DIR)


def parse(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument('config')
    add_runner_arguments(parser)
    return parser.parse_args(argv)


def test_work_dir_defaults_to_the_config_name():
    cfg = load_runner_config(parse([TOY_CONFIG]))
    assert cfg.work_dir == os.path.join('./work_dirs', 'toy_line_regression')
    assert cfg.launcher == 'none'


def test_options_override_the_config(tmp_path):
    cfg = load_runner_config(
        parse(
            [
                TOY_CONFIG,
                '--work-dir',
                str(tmp_path),
                '--launcher',
                'pytorch',
                '--cfg-options',
                'train_cfg.max_epochs=7',
            ]
        )
    )
    assert cfg.work_dir == str(tmp_path)
    assert cfg.launcher == 'pytorch'
    assert cfg.train_cfg.max_epochs == 7


def test_environment_gets_local_rank_and_trust(monkeypatch):
    monkeypatch.delenv('LOCAL_RANK', raising=False)
    monkeypatch.delenv(TRUST_ENV_VAR, raising=False)
    apply_environment(parse([TOY_CONFIG, '--local-rank', '3']))
    assert os.environ['LOCAL_RANK'] == '3'
    assert TRUST_ENV_VAR not in os.environ
    apply_environment(parse([TOY_CONFIG, '--trust-checkpoint']))
    assert os.environ[TRUST_ENV_VAR] == '1'
    assert os.environ['LOCAL_RANK'] == '3'  # a launcher's value is kept


@pytest.mark.parametrize('launcher', ['none', 'pytorch', 'slurm', 'mpi'])
def test_launcher_choices(launcher):
    assert parse([TOY_CONFIG, '--launcher', launcher]).launcher == launcher


def test_distributed_defaults_only_for_a_launcher(monkeypatch):
    cfg = load_runner_config(parse([TOY_CONFIG]))
    assert 'model_wrapper_cfg' not in cfg
    assert 'timeout' not in cfg.env_cfg.dist_cfg
    cfg = load_runner_config(parse([TOY_CONFIG, '--launcher', 'pytorch']))
    assert cfg.model_wrapper_cfg == dict(
        type='mmflow_ext.MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=False,
    )
    assert cfg.env_cfg.dist_cfg == dict(backend='gloo', timeout=600)
    own = load_runner_config(
        parse(
            [
                TOY_CONFIG,
                '--launcher',
                'pytorch',
                '--cfg-options',
                'env_cfg.dist_cfg.timeout=30',
                'model_wrapper_cfg.type=MMFullyShardedDataParallel',
            ]
        )
    )
    assert own.env_cfg.dist_cfg.timeout == 30  # the config's own choice
    assert own.model_wrapper_cfg == dict(type='MMFullyShardedDataParallel')


@pytest.mark.parametrize(
    'evaluator,expected_dirs',
    [
        (dict(type='IoUMetric'), ['out']),
        ([dict(type='IoUMetric'), dict(type='PSNR')], ['out', None]),
        (dict(type='Evaluator', metrics=[dict(type='IoUMetric')]), ['out']),
    ],
)
def test_out_is_the_prediction_folder_of_metrics_that_take_one(
    evaluator, expected_dirs
):
    cfg = Config(dict(test_evaluator=evaluator))
    set_test_output(cfg, 'out')
    metrics = cfg.test_evaluator
    metrics = (
        metrics.get('metrics', metrics)
        if isinstance(metrics, dict)
        else metrics
    )
    metrics = metrics if isinstance(metrics, list) else [metrics]
    assert [m.get('output_dir') for m in metrics] == expected_dirs
    assert 'custom_hooks' not in cfg


def test_out_is_the_metrics_file_of_an_editing_evaluator():
    cfg = Config(
        dict(
            test_evaluator=[dict(type='PSNR'), dict(type='SSIM')],
            custom_hooks=[dict(type='RandomStateHook')],
        )
    )
    set_test_output(cfg, 'metrics.json')
    assert cfg.custom_hooks == [
        dict(type='RandomStateHook'),
        dict(type='mmflow_ext.SaveMetricsHook', out_file='metrics.json'),
    ]
    assert all('output_dir' not in m for m in cfg.test_evaluator)


def test_built_runner_loads_securely_and_strictly_when_asked(tmp_path):
    cfg = load_runner_config(parse([TOY_CONFIG, '--work-dir', str(tmp_path)]))
    lenient = build_runner(cfg)
    assert lenient._mmflow_ext_secure_loading is False
    strict = build_runner(cfg.copy(), require_fit=True)
    assert strict._mmflow_ext_secure_loading is True
    # our CheckpointHook's before_run keeps the tool's choice
    strict.call_hook('before_run')
    assert strict._mmflow_ext_secure_loading is True
