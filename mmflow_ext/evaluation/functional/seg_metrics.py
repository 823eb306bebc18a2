# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Confusion counts and segmentation metrics (placeholder)."""
