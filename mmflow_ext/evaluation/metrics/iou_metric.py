# Copyright (c) mmflow_ext contributors. All rights reserved.
"""IoUMetric (placeholder)."""
