# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Distributed training on CPU-only machines with MMEngine 0.10.

MMEngine's ``pytorch`` launcher calls ``torch.cuda.set_device`` and the
Runner hands ``device_ids`` to DDP; both fail without CUDA. These patches
skip the CUDA-only steps when no GPU is present and fall back from ``nccl``
to ``gloo`` with a warning, so ``torchrun --nproc_per_node=2 tools/train.py
CFG --launcher pytorch`` works on a laptop.
"""
import logging

import torch
import torch.distributed as torch_dist
from mmengine.dist import utils as dist_utils
from mmengine.logging import print_log
from mmengine.model import MMDistributedDataParallel

_original_init_dist_pytorch = dist_utils._init_dist_pytorch
_original_ddp_init = MMDistributedDataParallel.__init__


def _init_dist_pytorch(backend: str = 'nccl',
                       init_backend: str = 'torch',
                       **kwargs) -> None:
    """MMEngine's pytorch launcher, with a CPU-only path."""
    if torch.cuda.is_available() or init_backend != 'torch':
        _original_init_dist_pytorch(backend, init_backend, **kwargs)
        return
    if backend == 'nccl':
        print_log(
            'No CUDA device found: using the "gloo" backend instead of '
            '"nccl" for distributed training.',
            logger='current',
            level=logging.WARNING)
        backend = 'gloo'
    torch_dist.init_process_group(backend=backend, **kwargs)


def _ddp_init(self: MMDistributedDataParallel,
              module: torch.nn.Module,
              detect_anomalous_params: bool = False,
              **kwargs) -> None:
    """MMEngine's DDP wrapper, dropping ``device_ids`` for CPU modules
    (DDP requires ``None`` there)."""
    params = list(module.parameters())
    if kwargs.get('device_ids') and (not params
                                     or params[0].device.type == 'cpu'):
        kwargs['device_ids'] = None
    _original_ddp_init(
        self,
        module,
        detect_anomalous_params=detect_anomalous_params,
        **kwargs)


def patch_cpu_distributed() -> None:
    """Install the CPU-aware launcher and DDP constructor."""
    dist_utils._init_dist_pytorch = _init_dist_pytorch
    MMDistributedDataParallel.__init__ = _ddp_init
