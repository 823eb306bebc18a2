# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``ExponentialMovingAverage`` with MMagic's ``sync_buffers`` /
``sync_parameters``, the EMA that ``BaseGAN``'s ``ema_config`` builds."""

import itertools
import warnings

import torch.nn as nn
from mmengine.model import ExponentialMovingAverage as _MMEngineEMA

from mmflow_ext.registry import MODELS

__all__ = ['ExponentialMovingAverage']


@MODELS.register_module()
class ExponentialMovingAverage(_MMEngineEMA):
    """MMEngine's EMA (``avg = (1 - momentum) * avg + momentum * src``,
    same arguments) that can also copy the source's buffers or weights.

    Examples:
        >>> import torch
        >>> src = nn.BatchNorm1d(2)
        >>> ema = ExponentialMovingAverage(src, momentum=0.5)
        >>> _ = src(torch.randn(4, 2) + 3)
        >>> ema.sync_buffers(src)
        >>> bool((ema.module.running_mean == src.running_mean).all())
        True
    """

    def sync_buffers(self, model: nn.Module) -> None:
        """Copy the buffers of ``model`` into the averaged model."""
        if self.update_buffers:
            warnings.warn(
                'update_buffers is True in this EMA model: its '
                'buffers are averaged by update_parameters'
            )
        for avg, src in zip(self.module.buffers(), model.buffers()):
            avg.data.copy_(src.data)

    def sync_parameters(self, model: nn.Module) -> None:
        """Copy the parameters and buffers of ``model`` (before the EMA
        starts)."""
        averaged = itertools.chain(
            self.module.parameters(), self.module.buffers()
        )
        source = itertools.chain(model.parameters(), model.buffers())
        for avg, src in zip(averaged, source):
            avg.data.copy_(src.data)
