# Copyright (c) mmflow_ext contributors. All rights reserved.
"""SegDataPreProcessor (placeholder)."""
