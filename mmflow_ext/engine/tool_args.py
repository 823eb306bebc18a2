# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Command-line plumbing shared by ``tools/train.py``, ``tools/test.py``
and ``tools/infer.py``: the common options, and turning them into a config
and a Runner.

The tools apply the compat fixes of :mod:`mmflow_ext.compat` to their own
Runner only: the process group is started CPU-aware before the Runner is
built, the DDP wrapper is our CPU-aware one unless the config names
another, collectives time out after :data:`DEFAULT_DIST_TIMEOUT` seconds
unless the config says otherwise, and the Runner loads checkpoints
securely.
"""

import argparse
import inspect
import os
import os.path as osp
from typing import Any, Optional

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from mmflow_ext.compat import (
    TRUST_ENV_VAR,
    init_distributed,
    install_secure_loading,
)
from mmflow_ext.registry import METRICS, RUNNERS, SCOPE

from .config_checks import check_default_scope

#: seconds a collective may wait before the run fails instead of hanging
DEFAULT_DIST_TIMEOUT = 600


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--trust-checkpoint`` and ``--cfg-options``.

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
    """
    parser.add_argument(
        '--trust-checkpoint',
        action='store_true',
        help='allow checkpoints that carry arbitrary Python objects (only '
        'for files whose origin you trust)',
    )
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, `key=value` pairs, e.g. '
        'train_cfg.max_iters=100',
    )


def add_partial_load_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--allow-partial-load`` (the evaluation and inference tools).

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
    """
    parser.add_argument(
        '--allow-partial-load',
        action='store_true',
        help='load a checkpoint even when some of its tensors do not fit '
        'the model (missing, unexpected or of another shape); those keep '
        'their initial values. Without it such a checkpoint is an error',
    )


def add_runner_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of the Runner tools: ``--work-dir``, ``--launcher``,
    ``--local-rank`` and those of :func:`add_config_arguments`.

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
    """
    parser.add_argument(
        '--work-dir', help='the folder for logs, checkpoints and results'
    )
    add_config_arguments(parser)
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher',
    )
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
        cfg.work_dir = osp.join(
            './work_dirs', osp.splitext(osp.basename(args.config))[0]
        )
    if cfg.launcher != 'none':
        set_distributed_defaults(cfg)
    return cfg


def set_distributed_defaults(cfg: Config) -> None:
    """Our DDP wrapper (CPU-aware) unless ``model_wrapper_cfg`` names one,
    and a collective timeout unless ``env_cfg.dist_cfg`` sets one.

    Args:
        cfg (Config): The config, changed in place.

    Examples:
        >>> cfg = Config(dict(find_unused_parameters=True))
        >>> set_distributed_defaults(cfg)
        >>> cfg.model_wrapper_cfg.type, cfg.env_cfg.dist_cfg.timeout
        ('mmflow_ext.MMDistributedDataParallel', 600)
        >>> cfg.model_wrapper_cfg.find_unused_parameters
        True
    """
    if cfg.get('model_wrapper_cfg') is None:
        # the arguments MMEngine's Runner uses when it wraps by itself
        cfg.model_wrapper_cfg = dict(
            type=f'{SCOPE}.MMDistributedDataParallel',
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False),
        )
    if cfg.get('env_cfg') is None:
        cfg.env_cfg = dict()
    if cfg.env_cfg.get('dist_cfg') is None:
        cfg.env_cfg.dist_cfg = dict()
    if cfg.env_cfg.dist_cfg.get('timeout') is None:
        cfg.env_cfg.dist_cfg.timeout = DEFAULT_DIST_TIMEOUT


def _takes_output_dir(metric_cfg: Any) -> bool:
    """Whether the metric a config entry builds has an ``output_dir``."""
    metric_type = metric_cfg.get('type')
    if isinstance(metric_type, str):
        try:
            metric_type = METRICS.get(metric_type)
        except KeyError:
            return False
    return (
        inspect.isclass(metric_type)
        and 'output_dir' in inspect.signature(metric_type).parameters
    )


def set_test_output(cfg: Config, out: str) -> None:
    """What ``tools/test.py --out OUT`` does to the config.

    When a test metric has an ``output_dir`` (segmentation's ``IoUMetric``)
    it writes its predictions into the folder ``out``, as MMSegmentation's
    ``--out``; ``test_evaluator`` may be one metric or a list. Otherwise
    (editing metrics) the metric values are dumped to the file ``out`` by a
    :class:`~mmflow_ext.engine.hooks.SaveMetricsHook`, as MMagic's
    ``--out``.

    Args:
        cfg (Config): The config, changed in place.
        out (str): The ``--out`` value.

    Examples:
        >>> cfg = Config(dict(test_evaluator=[dict(type='PSNR'),
        ...                                   dict(type='SSIM')]))
        >>> set_test_output(cfg, 'metrics.json')
        >>> cfg.custom_hooks
        [{'type': 'mmflow_ext.SaveMetricsHook', 'out_file': 'metrics.json'}]
        >>> cfg = Config(dict(test_evaluator=dict(type='IoUMetric')))
        >>> set_test_output(cfg, 'preds')
        >>> cfg.test_evaluator.output_dir
        'preds'
    """
    evaluator = cfg.test_evaluator
    if isinstance(evaluator, dict) and 'metrics' in evaluator:
        evaluator = evaluator['metrics']  # an Evaluator config
    metrics = (
        evaluator if isinstance(evaluator, (list, tuple)) else [evaluator]
    )
    takers = [m for m in metrics if _takes_output_dir(m)]
    for metric in takers:
        metric['output_dir'] = out
    if not takers:
        cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
            dict(type=f'{SCOPE}.SaveMetricsHook', out_file=out)
        ]


def build_runner(cfg: Config, require_fit: Optional[bool] = None) -> Runner:
    """Build the Runner a config asks for (``runner_type``, else MMEngine's
    :class:`~mmengine.runner.Runner`), after starting the process group of
    ``cfg.launcher`` (CPU-aware, :func:`~mmflow_ext.compat.
    init_distributed`), and make it load checkpoints securely.

    Args:
        cfg (Config): The merged config.
        require_fit (bool, optional): Refuse a ``load_from`` checkpoint
            whose tensors do not fit the model. Defaults to None (MMEngine's
            partial loading).

    Returns:
        Runner: The runner.
    """
    launcher = cfg.get('launcher', 'none')
    if launcher != 'none':
        init_distributed(
            launcher, **cfg.get('env_cfg', {}).get('dist_cfg', {})
        )
    if 'runner_type' in cfg:
        runner = RUNNERS.build(cfg)
    else:
        runner = Runner.from_cfg(cfg)
    install_secure_loading(runner, require_fit)
    return runner
