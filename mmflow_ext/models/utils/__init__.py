# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Helpers shared by the models: batch allocation (``memory``), the
preprocessing steps of both data preprocessors (``preprocessing``), safe
pretrained weights (``pretrained``) and token/map reshapes
(``shape_convert``)."""

from .memory import empty_batch
from .preprocessing import (
    active_normalization,
    check_std,
    fill_padding,
    flip_channels,
    flipped_channels,
    write_normalized,
)

__all__ = [
    'empty_batch',
    'active_normalization',
    'check_std',
    'fill_padding',
    'flip_channels',
    'flipped_channels',
    'write_normalized',
]
