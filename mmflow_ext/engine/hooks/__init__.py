# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Hooks: visualization of val/test predictions."""
from .basic_visualization_hook import BasicVisualizationHook
from .enable_visualization import VISUALIZATION_HOOKS, enable_visualization
from .seg_visualization_hook import SegVisualizationHook

__all__ = [
    'BasicVisualizationHook', 'SegVisualizationHook', 'enable_visualization',
    'VISUALIZATION_HOOKS'
]
