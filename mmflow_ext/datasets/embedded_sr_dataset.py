# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Embedded editing data (placeholder)."""
