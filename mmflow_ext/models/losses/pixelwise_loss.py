# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Pixel-wise losses of editing models (L1, MSE) with optional masks."""
from typing import Optional

from torch import Tensor, nn

from mmflow_ext.registry import MODELS

__all__ = ['L1Loss', 'MSELoss', 'mask_reduce_loss']

_REDUCTIONS = ('none', 'mean', 'sum')


def mask_reduce_loss(loss: Tensor,
                     weight: Optional[Tensor] = None,
                     reduction: str = 'mean',
                     sample_wise: bool = False) -> Tensor:
    """Weight an element-wise loss and reduce it.

    With a ``weight`` (``N×1×H×W`` or ``N×C×H×W``) and ``'mean'``, the mean
    is taken over the weighted region only: over the whole batch, or per
    sample and then averaged when ``sample_wise``.

    Args:
        loss (Tensor): Element-wise loss, ``N×C×H×W``.
        weight (Tensor, optional): Element-wise weight or mask.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``.
        sample_wise (bool): Average per sample first (weighted mean only).

    Returns:
        Tensor: The reduced loss.

    Examples:
        >>> import torch
        >>> loss = torch.tensor([[[[1., 3.]]]])
        >>> mask_reduce_loss(loss, torch.tensor([[[[1., 0.]]]])).item()
        1.0
    """
    if weight is not None:
        if weight.dim() != loss.dim() or weight.size(1) not in (1,
                                                                loss.size(1)):
            raise ValueError(f'weight of shape {tuple(weight.shape)} does not '
                             f'fit a loss of shape {tuple(loss.shape)}')
        loss = loss * weight
    if reduction == 'none':
        return loss
    if weight is None or reduction == 'sum':
        return loss.mean() if reduction == 'mean' else loss.sum()
    weight = weight.expand_as(loss)
    eps = 1e-12
    if sample_wise:
        per_sample = weight.sum(dim=list(range(1, loss.dim())), keepdim=True)
        return (loss / (per_sample + eps)).sum() / weight.size(0)
    return loss.sum() / (weight.sum() + eps)


class _PixelwiseLoss(nn.Module):
    """Shared arguments and reduction of the pixel-wise losses."""

    def __init__(self,
                 loss_weight: float = 1.0,
                 reduction: str = 'mean',
                 sample_wise: bool = False) -> None:
        super().__init__()
        if reduction not in _REDUCTIONS:
            raise ValueError(f'Unsupported reduction mode: {reduction!r}; '
                             f'use one of {_REDUCTIONS}')
        self.loss_weight = loss_weight
        self.reduction = reduction
        self.sample_wise = sample_wise

    def elementwise(self, pred: Tensor, target: Tensor) -> Tensor:
        """The loss of every element."""
        raise NotImplementedError

    def forward(self,
                pred: Tensor,
                target: Tensor,
                weight: Optional[Tensor] = None,
                **kwargs) -> Tensor:
        """Compute the weighted, reduced loss.

        Args:
            pred (Tensor): Prediction, ``N×C×H×W``.
            target (Tensor): Ground truth, same shape.
            weight (Tensor, optional): Element-wise weight or mask.

        Returns:
            Tensor: The loss times ``loss_weight``.
        """
        if pred.shape != target.shape:
            raise ValueError(f'{type(self).__name__}: prediction shape '
                             f'{tuple(pred.shape)} differs from target shape '
                             f'{tuple(target.shape)}')
        loss = self.elementwise(pred, target.to(pred.dtype))
        return self.loss_weight * mask_reduce_loss(
            loss, weight, self.reduction, self.sample_wise)


@MODELS.register_module()
class L1Loss(_PixelwiseLoss):
    """L1 (mean absolute error) loss.

    Args:
        loss_weight (float): Factor of the loss. Defaults to 1.0.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``. Defaults to
            ``'mean'``.
        sample_wise (bool): With a weight and ``'mean'``, average per sample
            first. Defaults to False.

    Examples:
        >>> import torch
        >>> L1Loss()(torch.zeros(1, 1, 2, 2), torch.ones(1, 1, 2, 2)).item()
        1.0
    """

    def elementwise(self, pred: Tensor, target: Tensor) -> Tensor:
        """``|pred - target|``."""
        return (pred - target).abs()


@MODELS.register_module()
class MSELoss(_PixelwiseLoss):
    """Mean squared error loss (arguments as :class:`L1Loss`).

    Examples:
        >>> import torch
        >>> MSELoss()(torch.zeros(1, 1, 1, 2), torch.tensor([[[[1., 3.]]]]))
        tensor(5.)
    """

    def elementwise(self, pred: Tensor, target: Tensor) -> Tensor:
        """``(pred - target) ** 2``."""
        return (pred - target)**2
