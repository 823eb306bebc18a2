# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Runner-side pieces: hooks."""
from . import hooks

__all__ = ['hooks']
