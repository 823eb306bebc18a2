# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Evaluation: functional core and registered metrics."""
from . import functional, metrics

__all__ = ['functional', 'metrics']
