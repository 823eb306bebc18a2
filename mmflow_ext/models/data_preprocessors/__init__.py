# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Data preprocessors: batch, move to device, normalize, pad."""

from .data_preprocessor import DataPreprocessor
from .seg_data_preprocessor import SegDataPreProcessor

__all__ = ['DataPreprocessor', 'SegDataPreProcessor']
