# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Distributed runs on CPU-only machines with MMEngine 0.10.

MMEngine's ``pytorch`` and ``slurm`` launchers call
``torch.cuda.set_device``, and its Runner hands ``device_ids`` to DDP; both
fail without CUDA. Nothing here changes MMEngine itself:

* :func:`init_distributed` starts the process group the way
  :func:`mmengine.dist.init_dist` does, with a CPU-only path (``gloo``
  instead of ``nccl``, with a warning; no CUDA device to select). Our tools
  call it before they build the Runner, which then finds the group ready.
* :class:`MMDistributedDataParallel`, registered under our scope, is
  MMEngine's wrapper that passes ``device_ids=None`` for a CPU module; our
  tools set ``model_wrapper_cfg`` to it when a config names none.
"""

import datetime
import logging
import os
import shutil
import subprocess
from typing import Optional

import torch
import torch.distributed as torch_dist
from mmengine.dist import init_dist
from mmengine.logging import print_log
from mmengine.model import (
    MMDistributedDataParallel as MMEngineDistributedDataParallel,
)

from mmflow_ext.registry import MODEL_WRAPPERS

__all__ = [
    'MMDistributedDataParallel',
    'init_distributed',
    'slurm_environment',
]


@MODEL_WRAPPERS.register_module()
class MMDistributedDataParallel(MMEngineDistributedDataParallel):
    """MMEngine's DDP wrapper that also wraps modules on the CPU.

    DDP requires ``device_ids=None`` for a CPU module, while MMEngine's
    Runner always passes ``[LOCAL_RANK]``; here they are dropped for a CPU
    module (or one without parameters). Everything else is MMEngine's.

    Args:
        module (torch.nn.Module): The model.
        detect_anomalous_params (bool): As in MMEngine. Defaults to False.
        **kwargs: Arguments of :class:`torch.nn.parallel.
            DistributedDataParallel`.
    """

    def __init__(
        self,
        module: torch.nn.Module,
        detect_anomalous_params: bool = False,
        **kwargs,
    ) -> None:
        params = list(module.parameters())
        if kwargs.get('device_ids') and (
            not params or params[0].device.type == 'cpu'
        ):
            kwargs['device_ids'] = None
        super().__init__(
            module, detect_anomalous_params=detect_anomalous_params, **kwargs
        )


def slurm_environment(port: Optional[int] = None) -> None:
    """Export ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR`` and
    ``MASTER_PORT`` from the variables ``srun`` sets, as MMEngine's slurm
    launcher does, without needing a GPU.

    ``MASTER_ADDR`` and ``MASTER_PORT`` already in the environment are kept;
    otherwise the first host of ``SLURM_NODELIST`` (through ``scontrol``;
    without ``scontrol``, a node list that is one plain host name is used
    as is) and port 29500 are used.

    Args:
        port (int, optional): Master port, over ``MASTER_PORT``.

    Raises:
        KeyError: When a ``SLURM_*`` variable is missing, naming it.
        RuntimeError: When the master host cannot be found.

    Examples:
        >>> env = dict(SLURM_PROCID='1', SLURM_NTASKS='2',
        ...            SLURM_NODELIST='localhost', SLURM_LOCALID='1',
        ...            MASTER_ADDR='127.0.0.1')
        >>> from unittest import mock
        >>> with mock.patch.dict(os.environ, env, clear=True):
        ...     slurm_environment(port=12345)
        ...     print({k: os.environ[k] for k in ('RANK', 'WORLD_SIZE',
        ...            'LOCAL_RANK', 'MASTER_ADDR', 'MASTER_PORT')})
        {'RANK': '1', 'WORLD_SIZE': '2', 'LOCAL_RANK': '1', \
'MASTER_ADDR': '127.0.0.1', 'MASTER_PORT': '12345'}
    """
    missing = [
        name
        for name in ('SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_NODELIST')
        if name not in os.environ
    ]
    if missing:
        raise KeyError(
            f'--launcher slurm needs the environment variables '
            f'that srun sets; missing: {", ".join(missing)}'
        )
    if port is not None:
        os.environ['MASTER_PORT'] = str(port)
    os.environ.setdefault('MASTER_PORT', '29500')
    if 'MASTER_ADDR' not in os.environ:
        os.environ['MASTER_ADDR'] = _first_host(os.environ['SLURM_NODELIST'])
    os.environ['WORLD_SIZE'] = os.environ['SLURM_NTASKS']
    os.environ['RANK'] = os.environ['SLURM_PROCID']
    os.environ['LOCAL_RANK'] = os.environ.get('SLURM_LOCALID', '0')


def _first_host(node_list: str) -> str:
    """The first host of a slurm node list such as ``node[01-04],gpu7``."""
    if shutil.which('scontrol') is not None:
        return subprocess.getoutput(
            f'scontrol show hostname {node_list} | head -n1'
        )
    if any(char in node_list for char in '[],'):
        raise RuntimeError(
            f'cannot expand the slurm node list {node_list!r} without '
            'scontrol; set MASTER_ADDR to the first host'
        )
    return node_list


def init_distributed(launcher: str, backend: str = 'nccl', **kwargs) -> None:
    """Start the process group of ``launcher``, also on CPU-only machines.

    With CUDA (or another launcher) this is
    :func:`mmengine.dist.init_dist`. Without CUDA, the ``pytorch`` and
    ``slurm`` launchers use ``gloo`` (``nccl`` needs a GPU) and select no
    device. Nothing happens when a group is already running.

    Args:
        launcher (str): ``'pytorch'``, ``'slurm'`` or ``'mpi'``.
        backend (str): The configured backend. Defaults to ``'nccl'``.
        **kwargs: ``env_cfg.dist_cfg`` entries: ``timeout`` in seconds,
            ``port`` (slurm), ``init_backend`` and arguments of
            :func:`torch.distributed.init_process_group`.
    """
    if torch_dist.is_available() and torch_dist.is_initialized():
        return
    cpu_only = not torch.cuda.is_available()
    if (
        not cpu_only
        or launcher not in ('pytorch', 'slurm')
        or kwargs.get('init_backend', 'torch') != 'torch'
    ):
        init_dist(launcher, backend, **kwargs)
        return
    kwargs.pop('init_backend', None)
    port = kwargs.pop('port', None)
    if backend == 'nccl':
        print_log(
            'No CUDA device found: using the "gloo" backend instead of '
            '"nccl" for distributed training.',
            logger='current',
            level=logging.WARNING,
        )
        backend = 'gloo'
    if launcher == 'slurm':
        slurm_environment(port)
    timeout = kwargs.pop('timeout', None)
    if timeout is not None:
        kwargs['timeout'] = datetime.timedelta(seconds=timeout)
    torch_dist.init_process_group(
        backend=backend,
        rank=int(os.environ['RANK']),
        world_size=int(os.environ['WORLD_SIZE']),
        **kwargs,
    )
