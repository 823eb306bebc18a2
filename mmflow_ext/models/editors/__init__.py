# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Editing models (placeholder)."""
