# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Decode heads of segmentors."""
from .accuracy import seg_accuracy
from .decode_head import BaseDecodeHead
from .fcn_head import FCNHead

__all__ = ['BaseDecodeHead', 'FCNHead', 'seg_accuracy']
