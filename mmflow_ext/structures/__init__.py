# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Data structures that travel between the stages of the data flow."""

from .data_sample import DataSample
from .sample_access import (
    field_data,
    field_keys,
    get_field,
    has_field,
    sample_source,
)
from .seg_data_sample import SegDataSample

__all__ = [
    'DataSample',
    'SegDataSample',
    'get_field',
    'has_field',
    'field_keys',
    'field_data',
    'sample_source',
]
