# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Data transforms: loading and packing, next to mmcv's transforms.

Importing :mod:`mmcv.transforms` registers mmcv's transforms
(``LoadImageFromFile``, ``RandomFlip``, ``Resize``, ...) in MMEngine's root
registry, which our scope falls back to.
"""
import mmcv.transforms  # noqa: F401

from . import (edit_formatting, image_loading, loading, seg_formatting,
               seg_transforms)

__all__ = [
    'edit_formatting', 'image_loading', 'loading', 'seg_formatting',
    'seg_transforms'
]
