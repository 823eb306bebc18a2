# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Losses of both task families."""
from .cross_entropy_loss import (CrossEntropyLoss, binary_cross_entropy,
                                 cross_entropy, weight_reduce_loss)
from .dice_loss import DiceLoss
from .pixelwise_loss import L1Loss, MSELoss

__all__ = [
    'CrossEntropyLoss', 'DiceLoss', 'L1Loss', 'MSELoss',
    'binary_cross_entropy', 'cross_entropy', 'weight_reduce_loss'
]
