# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Train a model from a config with MMEngine's Runner.

Examples::

    python tools/train.py configs/segmentation/CONFIG.py
    python tools/train.py CONFIG --resume                  # latest checkpoint
    python tools/train.py CONFIG --resume work_dirs/x/iter_400.pth
    torchrun --nproc_per_node=2 tools/train.py CONFIG --launcher pytorch
"""

import argparse

from mmengine.config import Config

import mmflow_ext  # noqa: F401  (version checks)
from mmflow_ext.engine.hooks import name_collective_timeouts
from mmflow_ext.engine.tool_args import (
    add_runner_arguments,
    apply_environment,
    build_runner,
    load_runner_config,
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or from the latest one in '
        'the work dir when no path is given',
    )
    parser.add_argument(
        '--amp',
        action='store_true',
        help='enable automatic mixed precision training (needs a CUDA GPU)',
    )
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
    if args.amp:
        import torch

        if not torch.cuda.is_available():
            raise SystemExit(
                'error: --amp needs a CUDA GPU, and none is available on '
                'this machine (torch.cuda.is_available() is False). Train '
                'without --amp.'
            )
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    return cfg


def main() -> None:
    args = parse_args()
    apply_environment(args)
    runner = build_runner(build_config(args))
    with name_collective_timeouts(runner):
        runner.train()


if __name__ == '__main__':
    main()
