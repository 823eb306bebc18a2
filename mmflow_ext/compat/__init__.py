# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Fixes that make MMEngine 0.10 work on today's stack, applied on import.

* :mod:`.checkpoint` — secure checkpoint loading on torch >= 2.6;
* :mod:`.atomic_write` — checkpoints and ``last_checkpoint`` written
  atomically, so a crash never leaves a half-written file behind;
* :mod:`.distributed` — ``torchrun`` with the gloo backend on CPU-only
  machines.
"""
from .atomic_write import patch_local_backend
from .checkpoint import (TRUST_ENV_VAR, UnsafeCheckpointError,
                         load_checkpoint_file, patch_checkpoint_loader,
                         trusted_checkpoints)
from .distributed import patch_cpu_distributed


def apply_all() -> None:
    """Apply every compatibility patch (idempotent)."""
    patch_checkpoint_loader()
    patch_local_backend()
    patch_cpu_distributed()


__all__ = [
    'apply_all', 'load_checkpoint_file', 'trusted_checkpoints',
    'UnsafeCheckpointError', 'TRUST_ENV_VAR', 'patch_checkpoint_loader',
    'patch_local_backend', 'patch_cpu_distributed'
]
