# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Helpers with no home in one half: :mod:`.opencv_probes` (inputs that
make OpenCV run every value through both of its loops)."""

from .opencv_probes import ALL_UINT8, loop_probes

__all__ = ['ALL_UINT8', 'loop_probes']
