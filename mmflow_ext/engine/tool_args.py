# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Command-line plumbing shared by ``tools/train.py``, ``tools/test.py``
and ``tools/infer.py``: the common options, and turning them into a config
and a Runner."""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from mmflow_ext.compat import TRUST_ENV_VAR
from mmflow_ext.registry import RUNNERS
from .config_checks import check_default_scope


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--trust-checkpoint`` and ``--cfg-options``.

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
    """
    parser.add_argument(
        '--trust-checkpoint',
        action='store_true',
        help='allow checkpoints that carry arbitrary Python objects (only '
        'for files whose origin you trust)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, `key=value` pairs, e.g. '
        'train_cfg.max_iters=100')


def add_runner_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of the Runner tools: ``--work-dir``, ``--launcher``,
    ``--local-rank`` and those of :func:`add_config_arguments`.

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
    """
    parser.add_argument(
        '--work-dir', help='the folder for logs, checkpoints and results')
    add_config_arguments(parser)
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torch.distributed.launch passes --local_rank, torchrun --local-rank
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def apply_environment(args: argparse.Namespace) -> None:
    """Export what the options mean for this process: ``LOCAL_RANK`` (when
    the launcher has not) and the checkpoint opt-in.

    Args:
        args (argparse.Namespace): Parsed options.
    """
    if 'local_rank' in args and 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    if args.trust_checkpoint:
        os.environ[TRUST_ENV_VAR] = '1'


def load_runner_config(args: argparse.Namespace) -> Config:
    """Read ``args.config`` and merge the common options into it.

    The work dir is ``--work-dir``, else the config's, else
    ``./work_dirs/<config name>``; the config's ``default_scope`` is checked
    before anything is built.

    Args:
        args (argparse.Namespace): Parsed options of
            :func:`add_runner_arguments` plus ``config``.

    Returns:
        Config: The merged config.
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
    return cfg


def build_runner(cfg: Config) -> Runner:
    """Build the Runner a config asks for (``runner_type``, else MMEngine's
    :class:`~mmengine.runner.Runner`).

    Args:
        cfg (Config): The merged config.

    Returns:
        Runner: The runner.
    """
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)
