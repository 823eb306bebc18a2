# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Data transforms: loading and packing, next to mmcv's transforms.

Importing :mod:`mmcv.transforms` registers mmcv's transforms (``Resize``,
``RandomFlip``, ``RandomResize``, ...) in MMEngine's root registry, which our
scope falls back to.
"""
import mmcv.transforms  # noqa: F401

from .edit_formatting import PackInputs
from .image_loading import LoadImageFromFile
from .loading import LoadAnnotations
from .seg_formatting import PackSegInputs
from .seg_transforms import PhotoMetricDistortion, RandomCrop

__all__ = [
    'LoadAnnotations', 'LoadImageFromFile', 'PackInputs', 'PackSegInputs',
    'PhotoMetricDistortion', 'RandomCrop'
]
