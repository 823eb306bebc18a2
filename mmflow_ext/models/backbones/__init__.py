# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Backbones of segmentors."""
from .compact_cnn import CompactCNN

__all__ = ['CompactCNN']
