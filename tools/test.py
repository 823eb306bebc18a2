# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Evaluate a checkpoint with MMEngine's Runner.

Examples::

    python tools/test.py CONFIG CHECKPOINT
    python tools/test.py CONFIG CHECKPOINT --show-dir vis --out preds
"""
import argparse
import os.path as osp

from mmengine.config import Config

import mmflow_ext  # noqa: F401  (version checks and compat fixes)
from mmflow_ext.engine.hooks import enable_visualization
from mmflow_ext.engine.tool_args import (add_runner_arguments,
                                         apply_environment, build_runner,
                                         load_runner_config)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out',
        help='directory where the metric writes predictions (as PNG for '
        'segmentation) for offline evaluation')
    parser.add_argument(
        '--show-dir',
        help='directory, inside the work dir, where visualized predictions '
        'are saved')
    add_runner_arguments(parser)
    return parser.parse_args()


def build_config(args: argparse.Namespace) -> Config:
    """Merge the command line into the config.

    Args:
        args (argparse.Namespace): Parsed arguments.

    Returns:
        Config: The config the Runner is built from.
    """
    cfg = load_runner_config(args)
    cfg.load_from = args.checkpoint
    if args.show_dir is not None:
        enable_visualization(cfg, osp.join(cfg.work_dir, args.show_dir))
    if args.out is not None:
        cfg.test_evaluator['output_dir'] = args.out
    return cfg


def main() -> None:
    args = parse_args()
    apply_environment(args)
    build_runner(build_config(args)).test()


if __name__ == '__main__':
    main()
