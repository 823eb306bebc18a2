# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Parameter schedulers of MMagic's generation configs."""

from .linear_lr_interval import LinearLrInterval

__all__ = ['LinearLrInterval']
