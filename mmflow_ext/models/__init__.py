# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Models: preprocessors, segmentors, editors and their building blocks."""
from . import (backbones, data_preprocessors, editors, heads, losses,
               segmentors)

__all__ = [
    'backbones', 'data_preprocessors', 'editors', 'heads', 'losses',
    'segmentors'
]
