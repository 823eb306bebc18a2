# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Stateful metrics (MMEngine ``BaseMetric``) over :mod:`..functional`."""

from .depth_metric import *  # noqa: F401,F403
from .generation_metrics import *  # noqa: F401,F403
from .image_quality_metrics import *  # noqa: F401,F403
from .iou_metric import *  # noqa: F401,F403
