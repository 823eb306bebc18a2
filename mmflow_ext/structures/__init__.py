# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Data structures that travel between the stages of the data flow."""
from .data_sample import DataSample
from .seg_data_sample import SegDataSample

__all__ = ['DataSample', 'SegDataSample']
