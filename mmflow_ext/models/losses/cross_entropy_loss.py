# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Segmentation losses (placeholder)."""
