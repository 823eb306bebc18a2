# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Evaluate a checkpoint with MMEngine's Runner.

Examples::

    python tools/test.py CONFIG CHECKPOINT
    python tools/test.py CONFIG CHECKPOINT --show-dir vis --out preds
"""

import argparse
import os.path as osp

from mmengine.config import Config

import mmflow_ext  # noqa: F401  (version checks)
from mmflow_ext.engine.hooks import (
    enable_visualization,
    name_collective_timeouts,
)
from mmflow_ext.engine.test_time_aug import enable_tta
from mmflow_ext.engine.tool_args import (
    add_partial_load_argument,
    add_runner_arguments,
    apply_environment,
    build_runner,
    load_runner_config,
    set_test_output,
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out',
        help='segmentation: directory where the metric writes predictions '
        '(PNG) for offline evaluation; editing (metrics without an '
        'output_dir): file the metric values are dumped to (json/yaml/pkl)',
    )
    parser.add_argument(
        '--show-dir',
        help='directory, inside the work dir, where visualized predictions '
        'are saved',
    )
    parser.add_argument(
        '--tta',
        action='store_true',
        help='test-time augmentation: test with the config\'s tta_model '
        'and tta_pipeline',
    )
    add_partial_load_argument(parser)
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
        set_test_output(cfg, args.out)
    if args.tta:
        enable_tta(cfg)
    return cfg


def main() -> None:
    args = parse_args()
    apply_environment(args)
    runner = build_runner(
        build_config(args), require_fit=not args.allow_partial_load
    )
    with name_collective_timeouts(runner):
        runner.test()


if __name__ == '__main__':
    main()
