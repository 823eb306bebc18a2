# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Evaluate a checkpoint with MMEngine's Runner.

Examples::

    python tools/test.py CONFIG CHECKPOINT
    python tools/test.py CONFIG CHECKPOINT --show-dir vis --out preds
"""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

import mmflow_ext  # noqa: F401  (version checks and compat fixes)
from mmflow_ext.compat import TRUST_ENV_VAR
from mmflow_ext.engine.config_checks import check_default_scope
from mmflow_ext.engine.hooks import enable_visualization
from mmflow_ext.registry import RUNNERS


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir', help='the dir to save the evaluation log and metrics')
    parser.add_argument(
        '--out',
        help='directory where the metric writes predictions (as PNG for '
        'segmentation) for offline evaluation')
    parser.add_argument(
        '--show-dir',
        help='directory, inside the work dir, where visualized predictions '
        'are saved')
    parser.add_argument(
        '--trust-checkpoint',
        action='store_true',
        help='allow a checkpoint that carries arbitrary Python objects '
        '(only for files whose origin you trust)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, `key=value` pairs')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def build_config(args: argparse.Namespace) -> Config:
    """Merge the command line into the config.

    Args:
        args (argparse.Namespace): Parsed arguments.

    Returns:
        Config: The config the Runner is built from.
    """
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    check_default_scope(cfg)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    if args.show_dir is not None:
        enable_visualization(cfg, osp.join(cfg.work_dir, args.show_dir))
    if args.out is not None:
        cfg.test_evaluator['output_dir'] = args.out
    return cfg


def main() -> None:
    args = parse_args()
    if args.trust_checkpoint:
        os.environ[TRUST_ENV_VAR] = '1'
    cfg = build_config(args)
    if 'runner_type' not in cfg:
        runner = Runner.from_cfg(cfg)
    else:
        runner = RUNNERS.build(cfg)
    runner.test()


if __name__ == '__main__':
    main()
