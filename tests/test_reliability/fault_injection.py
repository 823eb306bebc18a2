# Copyright (c) mmflow_ext contributors. All rights reserved.
"""A hook that stops a training run at a chosen iteration, for the crash
tests. Test configs import it through ``custom_imports``; it acts only when
its environment variables are set, so the same config otherwise trains
normally."""

import os
import signal
import time

from mmengine.dist import get_rank
from mmengine.hooks import Hook

from mmflow_ext.registry import HOOKS

#: ``N``: after iteration N, print ``PAUSED AT N`` and wait to be killed
PAUSE_ENV = 'MMFLOW_EXT_TEST_PAUSE_AT'
#: ``RANK:N``: after iteration N, the process of rank RANK kills itself
DIE_ENV = 'MMFLOW_EXT_TEST_DIE_AT'
#: ``RANK:N``: after iteration N, the process of rank RANK stalls (a hang)
STALL_ENV = 'MMFLOW_EXT_TEST_STALL_AT'
#: how long a paused run waits before it carries on
_PAUSE_SECONDS = 600


@HOOKS.register_module()
class FaultInjectionHook(Hook):
    """Pause, stall or kill the process after a given training
    iteration."""

    priority = 'LOWEST'  # after the checkpoint of that iteration

    def after_train_iter(
        self, runner, batch_idx: int, data_batch=None, outputs=None
    ) -> None:
        done = runner.iter + 1
        pause_at = os.environ.get(PAUSE_ENV)
        if pause_at and int(pause_at) == done:
            print(f'PAUSED AT {done}', flush=True)
            time.sleep(_PAUSE_SECONDS)
        die_at = os.environ.get(DIE_ENV)
        if die_at:
            rank, at = (int(v) for v in die_at.split(':'))
            if rank == get_rank() and at == done:
                os.kill(os.getpid(), signal.SIGKILL)
        stall_at = os.environ.get(STALL_ENV)
        if stall_at:
            rank, at = (int(v) for v in stall_at.split(':'))
            if rank == get_rank() and at == done:
                time.sleep(_PAUSE_SECONDS)
