# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Inference API (placeholder)."""
