# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Runner-side pieces: hooks and loops."""

from . import hooks, optimizers, runner, schedulers

__all__ = ['hooks', 'optimizers', 'runner', 'schedulers']
