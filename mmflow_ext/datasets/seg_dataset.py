# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Folder-layout segmentation dataset (placeholder)."""
