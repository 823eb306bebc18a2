# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Decode heads (placeholder)."""
