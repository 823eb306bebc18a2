# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Paired-folder editing dataset (placeholder)."""
