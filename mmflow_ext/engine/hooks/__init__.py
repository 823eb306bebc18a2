# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Hooks: visualization of val/test predictions, class-count checks,
random states that survive a resume and consistent buffers across ranks."""

from .basic_visualization_hook import BasicVisualizationHook
from .broadcast_buffers_hook import BroadcastBuffersHook, broadcast_buffers
from .checkpoint_hook import CheckpointHook
from .enable_visualization import VISUALIZATION_HOOKS, enable_visualization
from .finite_loss_hook import FiniteLossHook
from .gen_visualization_hook import GenVisualizationHook
from .num_class_check_hook import NumClassCheckHook
from .random_state_hook import (
    RandomStateHook,
    get_random_states,
    set_random_states,
)
from .run_stage_hook import (
    CollectiveTimeoutError,
    RunStageHook,
    name_collective_timeouts,
)
from .save_metrics_hook import SaveMetricsHook
from .seg_visualization_hook import SegVisualizationHook
from .visualization_hook import VisualizationHook

__all__ = [
    'BasicVisualizationHook',
    'SegVisualizationHook',
    'enable_visualization',
    'VISUALIZATION_HOOKS',
    'NumClassCheckHook',
    'RandomStateHook',
    'get_random_states',
    'set_random_states',
    'BroadcastBuffersHook',
    'broadcast_buffers',
    'CheckpointHook',
    'FiniteLossHook',
    'SaveMetricsHook',
    'RunStageHook',
    'CollectiveTimeoutError',
    'name_collective_timeouts',
    'GenVisualizationHook',
    'VisualizationHook',
]
