# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Losses of both task families."""

from .cross_entropy_loss import (
    CrossEntropyLoss,
    binary_cross_entropy,
    cross_entropy,
    weight_reduce_loss,
)
from .dice_loss import DiceLoss
from .gan_loss import GANLoss
from .pixelwise_loss import CharbonnierLoss, L1Loss, MSELoss, PSNRLoss

__all__ = [
    'CrossEntropyLoss',
    'DiceLoss',
    'GANLoss',
    'L1Loss',
    'MSELoss',
    'binary_cross_entropy',
    'cross_entropy',
    'weight_reduce_loss',
    'CharbonnierLoss',
    'PSNRLoss',
]
