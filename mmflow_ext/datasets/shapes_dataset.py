# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Embedded segmentation data (placeholder)."""
