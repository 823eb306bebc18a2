# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Data preprocessors: batch, move to device, normalize, pad."""
from . import data_preprocessor, seg_data_preprocessor

__all__ = ['data_preprocessor', 'seg_data_preprocessor']
