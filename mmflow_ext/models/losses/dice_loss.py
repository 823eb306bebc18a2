# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Dice loss of segmentation (MMSegmentation 1.x ``DiceLoss`` numbers).

The loss is computed per image over all classes and pixels at once. As in
MMSegmentation 1.x, ``ignore_index`` drops the *class channel* of that index
(when it exists); a pixel labelled ``ignore_index`` has an all-zero target.
"""

from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmflow_ext.registry import MODELS

from .cross_entropy_loss import weight_reduce_loss

__all__ = ['DiceLoss', 'dice_loss']


def dice_loss(
    pred: torch.Tensor,
    target: torch.Tensor,
    weight: Optional[torch.Tensor] = None,
    eps: float = 1e-3,
    reduction: str = 'mean',
    naive_dice: bool = False,
    avg_factor: Optional[float] = None,
    ignore_index: Optional[int] = 255,
) -> torch.Tensor:
    """Dice loss of probabilities and one-hot targets, one value per image.

    Args:
        pred (Tensor): Probabilities ``N×C×H×W``.
        target (Tensor): One-hot targets of ``pred``'s shape.
        weight (Tensor, optional): Per-image weight ``N``.
        eps (float): Smoothing term. Defaults to 1e-3.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``.
        naive_dice (bool): ``2|X∩Y| / (|X| + |Y|)`` instead of the squared
            denominator of V-Net. Defaults to False.
        avg_factor (float, optional): Divisor of the mean.
        ignore_index (int, optional): Class channel left out.

    Returns:
        Tensor: The loss.

    Examples:
        >>> pred = torch.tensor([[[[1.0, 0.0]], [[0.0, 1.0]]]])
        >>> target = pred.clone()
        >>> dice_loss(pred, target, eps=0.0)
        tensor(0.)
        >>> dice_loss(pred, 1 - target, eps=0.0)
        tensor(1.)
    """
    if ignore_index is not None:
        keep = torch.arange(pred.shape[1], device=pred.device) != ignore_index
        pred, target = pred[:, keep], target[:, keep]
        if pred.shape[1] == 0:
            raise ValueError(
                f'ignore_index={ignore_index} removes the only class channel'
            )
    pred = pred.flatten(1)
    target = target.flatten(1).float()
    inter = (pred * target).sum(1)
    if naive_dice:
        dice = (2 * inter + eps) / (pred.sum(1) + target.sum(1) + eps)
    else:
        dice = (2 * inter) / (
            (pred * pred).sum(1) + eps + (target * target).sum(1) + eps
        )
    loss = 1 - dice
    if weight is not None and weight.shape != loss.shape:
        raise ValueError(
            f'weight must have shape {tuple(loss.shape)} (one per image), '
            f'got {tuple(weight.shape)}'
        )
    return weight_reduce_loss(loss, weight, reduction, avg_factor)


def _one_hot(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """``N×H×W`` class indices to ``N×C×H×W``; out-of-range labels (e.g.
    ``255``) give all-zero vectors."""
    num_classes = pred.shape[1]
    clamped = target.clamp(min=0, max=num_classes)
    one_hot = F.one_hot(clamped.long(), num_classes + 1)
    return one_hot[..., :num_classes].permute(0, 3, 1, 2)


@MODELS.register_module()
class DiceLoss(nn.Module):
    """Dice loss module (MMSegmentation 1.x ``DiceLoss`` arguments).

    Args:
        use_sigmoid (bool): Sigmoid activation (else softmax over classes).
            Defaults to True.
        activate (bool): Apply the activation to ``pred``. Defaults to True.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``.
        naive_dice (bool): Naive dice formula. Defaults to False.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        ignore_index (int, optional): Class channel left out.
            Defaults to 255.
        eps (float): Smoothing term. Defaults to 1e-3.
        loss_name (str): Key in the loss dict. Defaults to ``loss_dice``.
    """

    def __init__(
        self,
        use_sigmoid: bool = True,
        activate: bool = True,
        reduction: str = 'mean',
        naive_dice: bool = False,
        loss_weight: float = 1.0,
        ignore_index: Optional[int] = 255,
        eps: float = 1e-3,
        loss_name: str = 'loss_dice',
    ):
        super().__init__()
        self.use_sigmoid = use_sigmoid
        self.activate = activate
        self.reduction = reduction
        self.naive_dice = naive_dice
        self.loss_weight = loss_weight
        self.ignore_index = ignore_index
        self.eps = eps
        self._loss_name = loss_name

    def forward(
        self,
        pred: torch.Tensor,
        target: torch.Tensor,
        weight: Optional[torch.Tensor] = None,
        avg_factor: Optional[float] = None,
        reduction_override: Optional[str] = None,
        **kwargs,
    ) -> torch.Tensor:
        """Compute the loss.

        Args:
            pred (Tensor): Logits (or probabilities with
                ``activate=False``) ``N×C×H×W``.
            target (Tensor): Labels ``N×H×W`` or one-hot ``N×C×H×W``.
            weight (Tensor, optional): Per-image weight.
            avg_factor (float, optional): Divisor of the mean.
            reduction_override (str, optional): Overrides ``reduction``.
            **kwargs: Ignored (decode heads pass ``ignore_index``; this loss
                uses its own).

        Returns:
            Tensor: The weighted loss.
        """
        if pred.shape != target.shape:
            target = _one_hot(pred, target)
        if self.activate:
            if self.use_sigmoid:
                pred = pred.sigmoid()
            elif pred.shape[1] != 1:
                pred = pred.softmax(dim=1)
        return self.loss_weight * dice_loss(
            pred,
            target,
            weight,
            eps=self.eps,
            reduction=reduction_override or self.reduction,
            naive_dice=self.naive_dice,
            avg_factor=avg_factor,
            ignore_index=self.ignore_index,
        )

    @property
    def loss_name(self) -> str:
        """Key of this loss in the loss dict."""
        return self._loss_name
