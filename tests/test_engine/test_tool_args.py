# Copyright (c) mmflow_ext contributors. All rights reserved.
import argparse
import os

import pytest
from conftest import TOY_CONFIG, TOY_DIR

from mmflow_ext.compat import TRUST_ENV_VAR
from mmflow_ext.engine.tool_args import (add_runner_arguments,
                                         apply_environment, load_runner_config)


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
        parse([
            TOY_CONFIG, '--work-dir',
            str(tmp_path), '--launcher', 'pytorch', '--cfg-options',
            'train_cfg.max_epochs=7'
        ]))
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
