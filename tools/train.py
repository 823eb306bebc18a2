# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Train a model from a config with MMEngine's Runner.

Examples::

    python tools/train.py configs/segmentation/CONFIG.py
    python tools/train.py CONFIG --resume                  # latest checkpoint
    python tools/train.py CONFIG --resume work_dirs/x/epoch_2.pth
    torchrun --nproc_per_node=2 tools/train.py CONFIG --launcher pytorch
"""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

import mmflow_ext  # noqa: F401  (version checks and compat fixes)
from mmflow_ext.compat import TRUST_ENV_VAR
from mmflow_ext.engine.config_checks import check_default_scope
from mmflow_ext.registry import RUNNERS


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or from the latest one in '
        'the work dir when no path is given')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='enable automatic mixed precision training (needs a CUDA GPU)')
    parser.add_argument(
        '--trust-checkpoint',
        action='store_true',
        help='allow loading checkpoints that carry arbitrary Python objects '
        '(only for files whose origin you trust)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, `key=value` pairs, e.g. '
        'train_cfg.max_iters=100')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torch.distributed.launch passes --local_rank, torchrun --local-rank
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
    if args.amp:
        import torch
        if not torch.cuda.is_available():
            raise SystemExit(
                'error: --amp needs a CUDA GPU, and none is available on '
                'this machine (torch.cuda.is_available() is False). Train '
                'without --amp.')
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
    if args.trust_checkpoint:
        os.environ[TRUST_ENV_VAR] = '1'
    cfg = build_config(args)
    if 'runner_type' not in cfg:
        runner = Runner.from_cfg(cfg)
    else:
        runner = RUNNERS.build(cfg)
    runner.train()


if __name__ == '__main__':
    main()
