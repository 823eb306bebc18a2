# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``CheckpointHook``: MMEngine's, with atomic writes, secure loading and
one run per work dir.

Registered under MMEngine's name in our scope, so a config or Runner with
``default_scope='mmflow_ext'`` (including the Runner's default
``CheckpointHook``) gets this one. On top of MMEngine's hook it

* writes checkpoints and ``last_checkpoint`` atomically (a temporary file
  renamed into place): a kill mid-write keeps the previous files;
* installs, on its own Runner only, the secure loading and resuming of
  :mod:`mmflow_ext.compat.runner_checkpoint` in ``before_run``, before the
  Runner loads or resumes;
* refuses a second training run on the same work dir
  (:mod:`mmflow_ext.engine.work_dir_lock`); only rank 0 takes the lock and
  every rank learns the outcome.
"""

import os.path as osp
import tempfile
from typing import Any, Optional

from mmengine.dist import broadcast_object_list, is_main_process
from mmengine.hooks import CheckpointHook as MMEngineCheckpointHook

from mmflow_ext.compat import (
    ATOMIC_BACKEND,
    atomic_write_bytes,
    install_secure_loading,
)
from mmflow_ext.registry import HOOKS

from ..work_dir_lock import (
    WorkDirLock,
    WorkDirLockedError,
    acquire_work_dir_lock,
)

__all__ = ['CheckpointHook']

POINTER = 'last_checkpoint'


class _WithWorkDir:
    """A Runner seen with another ``work_dir`` (everything else is the
    Runner's)."""

    def __init__(self, runner: Any, work_dir: str) -> None:
        self._runner = runner
        self.work_dir = work_dir

    def __getattr__(self, name: str) -> Any:
        return getattr(self._runner, name)


@HOOKS.register_module()
class CheckpointHook(MMEngineCheckpointHook):
    """MMEngine's :class:`~mmengine.hooks.CheckpointHook` (same arguments),
    writing atomically, loading securely and locking the work dir.

    Local checkpoints go through the file backend
    ``'mmflow_ext_atomic_local'`` unless ``backend_args`` or
    ``file_client_args`` choose another one.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._lock: Optional[WorkDirLock] = None

    def before_run(self, runner) -> None:
        """Install secure loading on ``runner`` (before it loads)."""
        install_secure_loading(runner)

    def before_train(self, runner) -> None:
        """Lock the work dir, then set up saving as MMEngine does."""
        self._take_lock(runner)
        out_dir = self.out_dir if self.out_dir is not None else runner.work_dir
        if (
            self.backend_args is None
            and self.file_client_args is None
            and '://' not in str(out_dir)
        ):
            self.backend_args = dict(backend=ATOMIC_BACKEND)
        super().before_train(runner)

    def after_run(self, runner) -> None:
        """Release the work dir."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def _take_lock(self, runner) -> None:
        error = [None]
        if is_main_process():
            try:
                self._lock = acquire_work_dir_lock(runner.work_dir)
            except WorkDirLockedError as locked:
                error = [str(locked)]
        broadcast_object_list(error)
        if error[0] is not None:
            raise WorkDirLockedError(error[0])

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        """MMEngine's save, with ``last_checkpoint`` written atomically.

        MMEngine writes the pointer with a plain ``open()``; here it writes
        into a private folder, from which the content is moved into place
        atomically.
        """
        if not is_main_process():
            super()._save_checkpoint_with_step(runner, step, meta)
            return
        with tempfile.TemporaryDirectory(
            prefix=f'.{POINTER}.', dir=runner.work_dir
        ) as scratch:
            super()._save_checkpoint_with_step(
                _WithWorkDir(runner, scratch), step, meta
            )
            with open(osp.join(scratch, POINTER), 'rb') as f:
                atomic_write_bytes(
                    f.read(), osp.join(runner.work_dir, POINTER)
                )
