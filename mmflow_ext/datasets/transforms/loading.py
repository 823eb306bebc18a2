# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Segmentation-map loading (placeholder)."""
