# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Decode heads of segmentors."""

from .accuracy import seg_accuracy
from .aspp_head import ASPPHead
from .decode_head import BaseDecodeHead
from .fcn_head import FCNHead
from .psp_head import PSPHead
from .segformer_head import SegformerHead
from .sep_aspp_head import DepthwiseSeparableASPPHead
from .uper_head import UPerHead

__all__ = [
    'ASPPHead',
    'BaseDecodeHead',
    'DepthwiseSeparableASPPHead',
    'FCNHead',
    'PSPHead',
    'SegformerHead',
    'UPerHead',
    'seg_accuracy',
]
