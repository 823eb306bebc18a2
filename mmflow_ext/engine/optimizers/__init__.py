# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Optimizer wrapper constructors."""

from .multi_optimizer_constructor import (
    MultiOptimWrapperConstructor,
    get_params_by_names,
)

__all__ = ['MultiOptimWrapperConstructor', 'get_params_by_names']
