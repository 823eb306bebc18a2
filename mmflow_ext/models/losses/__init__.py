# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Losses of both task families."""
from . import cross_entropy_loss, pixelwise_loss

__all__ = ['cross_entropy_loss', 'pixelwise_loss']
