# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Pixel-wise losses of editing models (L1, MSE, Charbonnier) with optional
masks, and the PSNR loss of NAFNet."""

import math
from typing import Optional

import torch
from torch import Tensor, nn

from mmflow_ext.registry import MODELS

__all__ = [
    'CharbonnierLoss',
    'L1Loss',
    'MSELoss',
    'PSNRLoss',
    'mask_reduce_loss',
]

_REDUCTIONS = ('none', 'mean', 'sum')


def mask_reduce_loss(
    loss: Tensor,
    weight: Optional[Tensor] = None,
    reduction: str = 'mean',
    sample_wise: bool = False,
) -> Tensor:
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
        if weight.dim() != loss.dim() or weight.size(1) not in (
            1,
            loss.size(1),
        ):
            raise ValueError(
                f'weight of shape {tuple(weight.shape)} does not '
                f'fit a loss of shape {tuple(loss.shape)}'
            )
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

    def __init__(
        self,
        loss_weight: float = 1.0,
        reduction: str = 'mean',
        sample_wise: bool = False,
    ) -> None:
        super().__init__()
        if reduction not in _REDUCTIONS:
            raise ValueError(
                f'Unsupported reduction mode: {reduction!r}; '
                f'use one of {_REDUCTIONS}'
            )
        self.loss_weight = loss_weight
        self.reduction = reduction
        self.sample_wise = sample_wise

    def elementwise(self, pred: Tensor, target: Tensor) -> Tensor:
        """The loss of every element."""
        raise NotImplementedError

    def forward(
        self,
        pred: Tensor,
        target: Tensor,
        weight: Optional[Tensor] = None,
        **kwargs,
    ) -> Tensor:
        """Compute the weighted, reduced loss.

        Args:
            pred (Tensor): Prediction, ``N×C×H×W``.
            target (Tensor): Ground truth, same shape.
            weight (Tensor, optional): Element-wise weight or mask.

        Returns:
            Tensor: The loss times ``loss_weight``.
        """
        if pred.shape != target.shape:
            raise ValueError(
                f'{type(self).__name__}: prediction shape '
                f'{tuple(pred.shape)} differs from target shape '
                f'{tuple(target.shape)}'
            )
        loss = self.elementwise(pred, target.to(pred.dtype))
        return self.loss_weight * mask_reduce_loss(
            loss, weight, self.reduction, self.sample_wise
        )


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
        return (pred - target) ** 2


@MODELS.register_module()
class CharbonnierLoss(_PixelwiseLoss):
    """Charbonnier loss ``sqrt((pred - target)**2 + eps)``, a smooth L1.

    Args:
        loss_weight (float): Factor of the loss. Defaults to 1.0.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``. Defaults to
            ``'mean'``.
        sample_wise (bool): With a weight and ``'mean'``, average per sample
            first. Defaults to False.
        eps (float): Keeps the gradient finite at 0. Defaults to 1e-12.

    Examples:
        >>> import torch
        >>> loss = CharbonnierLoss(eps=9.)
        >>> loss(torch.zeros(1, 1, 1, 1), torch.full((1, 1, 1, 1), 4.))
        tensor(5.)
    """

    def __init__(
        self,
        loss_weight: float = 1.0,
        reduction: str = 'mean',
        sample_wise: bool = False,
        eps: float = 1e-12,
    ) -> None:
        super().__init__(loss_weight, reduction, sample_wise)
        self.eps = eps

    def elementwise(self, pred: Tensor, target: Tensor) -> Tensor:
        """``sqrt((pred - target) ** 2 + eps)``."""
        return torch.sqrt((pred - target) ** 2 + self.eps)


@MODELS.register_module()
class PSNRLoss(nn.Module):
    """Negative-PSNR loss of NAFNet: ``10 / ln(10) * mean_n ln(MSE_n +
    1e-8)`` over the samples ``n`` of an ``N×C×H×W`` batch in ``[0, 1]``.

    Args:
        loss_weight (float): Factor of the loss. Defaults to 1.0.
        toY (bool): Compare the Y channel (ITU-R BT.601) of RGB inputs.
            MMagic stores this flag but ignores it; we apply it (see
            docs/migration.md). Defaults to False.

    Examples:
        >>> import torch
        >>> pred, target = torch.zeros(1, 1, 1, 2), torch.ones(1, 1, 1, 2)
        >>> round(PSNRLoss()(pred, target).item(), 4)
        0.0
    """

    def __init__(self, loss_weight: float = 1.0, toY: bool = False) -> None:
        super().__init__()
        self.loss_weight = loss_weight
        self.scale = 10 / math.log(10)
        self.toY = toY
        self.register_buffer(
            'coef',
            torch.tensor([65.481, 128.553, 24.966]).reshape(1, 3, 1, 1),
            persistent=False,
        )

    def _to_y(self, img: Tensor) -> Tensor:
        return (
            (img * self.coef.to(img)).sum(dim=1, keepdim=True) + 16.0
        ) / 255.0

    def forward(self, pred: Tensor, target: Tensor, **kwargs) -> Tensor:
        """Compute the loss.

        Args:
            pred (Tensor): Prediction, ``N×C×H×W``.
            target (Tensor): Ground truth, same shape.

        Returns:
            Tensor: The loss (lower is a higher PSNR).
        """
        if pred.dim() != 4 or pred.shape != target.shape:
            raise ValueError(
                'PSNRLoss needs N×C×H×W prediction and target '
                f'of one shape, got {tuple(pred.shape)} and '
                f'{tuple(target.shape)}'
            )
        if self.toY:
            if pred.size(1) != 3:
                raise ValueError(
                    'PSNRLoss(toY=True) needs 3-channel RGB '
                    f'inputs, got {pred.size(1)} channels'
                )
            pred, target = self._to_y(pred), self._to_y(target)
        mse = ((pred - target) ** 2).mean(dim=(1, 2, 3))
        return self.loss_weight * self.scale * torch.log(mse + 1e-8).mean()
