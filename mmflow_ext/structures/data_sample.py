# Copyright (c) mmflow_ext contributors. All rights reserved.
"""DataSample for image editing (placeholder)."""
