# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Keyed image loading (placeholder)."""
