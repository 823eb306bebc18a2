# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Datasets of both task families and the embedded default data."""
from mmengine.dataset import *  # noqa: F401,F403  (samplers, collate fns)

from . import (embedded_sr_dataset, paired_image_dataset, seg_dataset,
               shapes_dataset, transforms)

__all__ = [
    'embedded_sr_dataset', 'paired_image_dataset', 'seg_dataset',
    'shapes_dataset', 'transforms'
]
