# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Cross-entropy losses of segmentation (MMSegmentation 1.x numbers).

With the default ``avg_non_ignore=False`` the mean runs over all pixels,
ignored ones included (they contribute 0). With class weights the mean is
weighted: the sum is divided by the summed class weight of the pixels. An
ignored pixel then weighs 1 in the divisor (0 with ``avg_non_ignore``);
MMSegmentation 1.2 fails with an ``IndexError`` on such batches.
"""

from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmflow_ext.registry import MODELS

__all__ = [
    'CrossEntropyLoss',
    'cross_entropy',
    'binary_cross_entropy',
    'weight_reduce_loss',
]

_EPS = torch.finfo(torch.float32).eps


def weight_reduce_loss(
    loss: torch.Tensor,
    weight: Optional[torch.Tensor] = None,
    reduction: str = 'mean',
    avg_factor: Optional[float] = None,
) -> torch.Tensor:
    """Weight an element-wise loss, then reduce it.

    Args:
        loss (Tensor): Element-wise loss.
        weight (Tensor, optional): Element-wise weight, broadcastable to
            ``loss`` with the same number of dimensions.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``.
        avg_factor (float, optional): Divisor of the sum for ``'mean'``
            instead of the element count.

    Returns:
        Tensor: The reduced loss.

    Examples:
        >>> loss = torch.tensor([1.0, 2.0, 3.0])
        >>> weight_reduce_loss(loss, torch.tensor([1.0, 0.0, 1.0]))
        tensor(1.3333)
        >>> weight_reduce_loss(loss, avg_factor=2)
        tensor(3.)
    """
    if reduction not in ('none', 'mean', 'sum'):
        raise ValueError(
            f'reduction must be "none", "mean" or "sum", got {reduction!r}'
        )
    if weight is not None:
        if weight.dim() != loss.dim():
            raise ValueError(
                f'weight has {weight.dim()} dims but the loss has {loss.dim()}'
            )
        loss = loss * weight
    if avg_factor is None:
        if reduction == 'mean':
            return loss.mean()
        return loss.sum() if reduction == 'sum' else loss
    if reduction == 'mean':
        return loss.sum() / (avg_factor + _EPS)
    if reduction == 'sum':
        raise ValueError('avg_factor cannot be used with reduction="sum"')
    return loss


def _mean_divisor(
    label: torch.Tensor,
    class_weight: Optional[torch.Tensor],
    ignore_index: int,
    avg_non_ignore: bool,
) -> Union[int, torch.Tensor]:
    """Divisor of the mean cross-entropy: the pixel count, or with class
    weights the summed weight of the pixels' classes (a weighted mean).

    An ignored pixel counts 0 with ``avg_non_ignore``, else 1 (without
    class weights, or weighing 1 with them).
    """
    ignored = label == ignore_index
    if class_weight is None:
        if avg_non_ignore:
            return label.numel() - int(ignored.sum())
        return label.numel()
    pixel_weight = class_weight[label.masked_fill(ignored, 0)]
    return pixel_weight.masked_fill(
        ignored, 0.0 if avg_non_ignore else 1.0
    ).sum()


def cross_entropy(
    pred: torch.Tensor,
    label: torch.Tensor,
    weight: Optional[torch.Tensor] = None,
    class_weight: Optional[torch.Tensor] = None,
    reduction: str = 'mean',
    avg_factor: Optional[float] = None,
    ignore_index: int = -100,
    avg_non_ignore: bool = False,
) -> torch.Tensor:
    """Softmax cross-entropy of ``N×C×H×W`` logits and ``N×H×W`` labels.

    Args:
        pred (Tensor): Logits, class dimension 1.
        label (Tensor): Integer labels.
        weight (Tensor, optional): Per-pixel weight.
        class_weight (Tensor, optional): Per-class weight.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``.
        avg_factor (float, optional): Divisor of the mean.
        ignore_index (int): Label that contributes no loss.
        avg_non_ignore (bool): Average over non-ignored pixels only.

    Returns:
        Tensor: The loss.

    Examples:
        >>> pred = torch.tensor([[0.0, 0.0], [0.0, 0.0]])
        >>> cross_entropy(pred, torch.tensor([0, 255]), ignore_index=255)
        tensor(0.3466)
        >>> cross_entropy(pred, torch.tensor([0, 255]), ignore_index=255,
        ...               avg_non_ignore=True)
        tensor(0.6931)
    """
    loss = F.cross_entropy(
        pred,
        label,
        weight=class_weight,
        reduction='none',
        ignore_index=ignore_index,
    )
    if avg_factor is None and reduction == 'mean':
        avg_factor = _mean_divisor(
            label, class_weight, ignore_index, avg_non_ignore
        )
    if weight is not None:
        weight = weight.float()
    return weight_reduce_loss(loss, weight, reduction, avg_factor)


def _expand_onehot_labels(
    labels: torch.Tensor,
    label_weights: Optional[torch.Tensor],
    target_shape: torch.Size,
    ignore_index: int,
) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One-hot labels of ``target_shape`` and the weights of valid pixels."""
    one_hot = labels.new_zeros(target_shape)
    valid = (labels >= 0) & (labels != ignore_index)
    index = torch.nonzero(valid, as_tuple=True)
    if index[0].numel() > 0:
        if labels.dim() == 3:
            one_hot[index[0], labels[valid], index[1], index[2]] = 1
        else:
            one_hot[index[0], labels[valid]] = 1
    valid_mask = valid.unsqueeze(1).expand(target_shape).float()
    if label_weights is None:
        weights = valid_mask
    else:
        weights = label_weights.unsqueeze(1).expand(target_shape) * valid_mask
    return one_hot, weights, valid_mask


def binary_cross_entropy(
    pred: torch.Tensor,
    label: torch.Tensor,
    weight: Optional[torch.Tensor] = None,
    reduction: str = 'mean',
    avg_factor: Optional[float] = None,
    class_weight: Optional[torch.Tensor] = None,
    ignore_index: int = -100,
    avg_non_ignore: bool = False,
) -> torch.Tensor:
    """Sigmoid cross-entropy; class-index labels are expanded to one-hot.

    A one-channel ``pred`` (``N×1×H×W``) is binary segmentation: labels are
    0/1 (plus ``ignore_index``).

    Args:
        pred (Tensor): Logits.
        label (Tensor): Class indices (one dim fewer than ``pred``) or
            targets of ``pred``'s shape.
        weight (Tensor, optional): Per-element weight.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``.
        avg_factor (float, optional): Divisor of the mean.
        class_weight (Tensor, optional): Positive-class weight per class.
        ignore_index (int): Label that contributes no loss.
        avg_non_ignore (bool): Average over non-ignored elements only.

    Returns:
        Tensor: The loss.
    """
    if pred.size(1) == 1:
        kept = label[label != ignore_index]
        if kept.numel() and kept.max() > 1:
            raise ValueError(
                'a one-channel prediction needs 0/1 labels, got label '
                f'{int(kept.max())}'
            )
        pred = pred.squeeze(1)
    if pred.dim() != label.dim():
        if not (
            (pred.dim() == 2 and label.dim() == 1)
            or (pred.dim() == 4 and label.dim() == 3)
        ):
            raise ValueError(
                'binary_cross_entropy takes N×C logits with N labels or '
                'N×C×H×W logits with N×H×W labels, got shapes '
                f'{tuple(pred.shape)} and {tuple(label.shape)}'
            )
        label, weight, valid_mask = _expand_onehot_labels(
            label, weight, pred.shape, ignore_index
        )
    else:
        valid_mask = ((label >= 0) & (label != ignore_index)).float()
        weight = valid_mask if weight is None else weight * valid_mask
    if reduction == 'mean' and avg_factor is None and avg_non_ignore:
        avg_factor = valid_mask.sum().item()
    if class_weight is not None and pred.dim() > 2:
        # one weight per class channel (dim 1), not per last-dim element
        class_weight = class_weight.view(-1, *[1] * (pred.dim() - 2))
    loss = F.binary_cross_entropy_with_logits(
        pred, label.float(), pos_weight=class_weight, reduction='none'
    )
    return weight_reduce_loss(loss, weight, reduction, avg_factor)


@MODELS.register_module()
class CrossEntropyLoss(nn.Module):
    """Cross-entropy loss module (MMSegmentation's ``CrossEntropyLoss``).

    Args:
        use_sigmoid (bool): Sigmoid (binary) instead of softmax
            cross-entropy. Defaults to False.
        use_mask (bool): Not supported (instance masks); must be False.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``.
        class_weight (list[float] | str, optional): Per-class weight, or
            the path of a ``.npy``/``.json``/``.yaml`` file holding it.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        loss_name (str): Key of the loss in the loss dict; it must start
            with ``loss_`` to be back-propagated. Defaults to ``loss_ce``.
        avg_non_ignore (bool): Average over non-ignored pixels only.
            Defaults to False.

    Examples:
        >>> loss = CrossEntropyLoss(class_weight=[1.0, 3.0])
        >>> pred = torch.zeros(1, 2, 1, 2)
        >>> loss(pred, torch.tensor([[[0, 1]]]))  # (1 + 3) * ln2 / (1 + 3)
        tensor(0.6931)
    """

    def __init__(
        self,
        use_sigmoid: bool = False,
        use_mask: bool = False,
        reduction: str = 'mean',
        class_weight: Optional[Union[List[float], str]] = None,
        loss_weight: float = 1.0,
        loss_name: str = 'loss_ce',
        avg_non_ignore: bool = False,
    ):
        super().__init__()
        if use_mask:
            raise ValueError(
                'CrossEntropyLoss(use_mask=True) (instance-mask loss) is not '
                'supported for semantic segmentation'
            )
        if reduction not in ('none', 'mean', 'sum'):
            raise ValueError(
                f'reduction must be "none", "mean" or "sum", got {reduction!r}'
            )
        self.use_sigmoid = use_sigmoid
        self.use_mask = use_mask
        self.reduction = reduction
        self.loss_weight = loss_weight
        self.class_weight = _load_class_weight(class_weight)
        self.avg_non_ignore = avg_non_ignore
        self._loss_name = loss_name
        self.cls_criterion = (
            binary_cross_entropy if use_sigmoid else cross_entropy
        )

    def extra_repr(self) -> str:
        """The non-default switches, for ``print(model)``."""
        return f'avg_non_ignore={self.avg_non_ignore}'

    def forward(
        self,
        cls_score: torch.Tensor,
        label: torch.Tensor,
        weight: Optional[torch.Tensor] = None,
        avg_factor: Optional[float] = None,
        reduction_override: Optional[str] = None,
        ignore_index: int = -100,
        **kwargs,
    ) -> torch.Tensor:
        """Compute the loss.

        Args:
            cls_score (Tensor): Logits ``N×C×H×W`` (or ``N×C``).
            label (Tensor): Labels ``N×H×W`` (or ``N``).
            weight (Tensor, optional): Per-pixel weight.
            avg_factor (float, optional): Divisor of the mean.
            reduction_override (str, optional): Overrides ``reduction``.
            ignore_index (int): Label that contributes no loss.

        Returns:
            Tensor: The weighted loss.
        """
        reduction = reduction_override or self.reduction
        class_weight = (
            None
            if self.class_weight is None
            else cls_score.new_tensor(self.class_weight)
        )
        return self.loss_weight * self.cls_criterion(
            cls_score,
            label,
            weight,
            class_weight=class_weight,
            reduction=reduction,
            avg_factor=avg_factor,
            avg_non_ignore=self.avg_non_ignore,
            ignore_index=ignore_index,
            **kwargs,
        )

    @property
    def loss_name(self) -> str:
        """Key of this loss in the loss dict."""
        return self._loss_name


def _load_class_weight(
    class_weight: Optional[Union[Sequence[float], str]],
) -> Optional[List[float]]:
    """Class weights from a list or from a ``.npy``/``.json``/``.yaml``
    file (MMSegmentation's ``get_class_weight``)."""
    if class_weight is None or not isinstance(class_weight, str):
        return None if class_weight is None else list(class_weight)
    if class_weight.endswith('.npy'):
        import numpy as np

        return np.load(class_weight).tolist()
    from mmengine.fileio import load

    return list(load(class_weight))
