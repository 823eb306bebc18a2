# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Fixes that make MMEngine 0.10 work on today's stack, none of them global.

Importing this package changes nothing in MMEngine: each fix is used only
by our own code and by Runners that opt in (our ``CheckpointHook``, which a
config with ``default_scope='mmflow_ext'`` gets, and our tools).

* :mod:`.checkpoint` — secure checkpoint loading on torch >= 2.6;
* :mod:`.checkpoint_fit` — whether a checkpoint's tensors fit a model;
* :mod:`.runner_checkpoint` — secure loading and resuming for one Runner;
* :mod:`.atomic_write` — atomic file writes, and a file backend using them;
* :mod:`.distributed` — ``torchrun`` and slurm with ``gloo`` on CPU-only
  machines;
* :mod:`.config_prefix` — ``_base_ = 'mmflow_ext::PATH'`` in user configs.
"""

from .atomic_write import (
    ATOMIC_BACKEND,
    AtomicLocalBackend,
    atomic_write_bytes,
)
from .checkpoint import (
    TRUST_ENV_VAR,
    CorruptCheckpointError,
    UnsafeCheckpointError,
    load_checkpoint_file,
    trusted_checkpoints,
)
from .checkpoint_fit import check_fits
from .config_prefix import enable_config_prefix
from .distributed import MMDistributedDataParallel, init_distributed
from .runner_checkpoint import install_secure_loading

__all__ = [
    'load_checkpoint_file',
    'trusted_checkpoints',
    'UnsafeCheckpointError',
    'CorruptCheckpointError',
    'TRUST_ENV_VAR',
    'check_fits',
    'install_secure_loading',
    'atomic_write_bytes',
    'AtomicLocalBackend',
    'ATOMIC_BACKEND',
    'MMDistributedDataParallel',
    'init_distributed',
    'enable_config_prefix',
]
