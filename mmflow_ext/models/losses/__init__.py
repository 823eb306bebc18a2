# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Losses of both task families."""
from . import cross_entropy_loss, dice_loss, pixelwise_loss
from .cross_entropy_loss import (CrossEntropyLoss, binary_cross_entropy,
                                 cross_entropy, weight_reduce_loss)
from .dice_loss import DiceLoss

__all__ = [
    'cross_entropy_loss', 'dice_loss', 'pixelwise_loss', 'CrossEntropyLoss',
    'DiceLoss', 'binary_cross_entropy', 'cross_entropy', 'weight_reduce_loss'
]
