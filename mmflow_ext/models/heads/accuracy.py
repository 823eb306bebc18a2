# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Pixel accuracy logged next to the losses of a decode head."""

from typing import Optional

import torch

__all__ = ['seg_accuracy']


def seg_accuracy(
    pred: torch.Tensor,
    target: torch.Tensor,
    ignore_index: Optional[int] = None,
) -> torch.Tensor:
    """Top-1 accuracy in percent, ignored pixels left out.

    Matches MMSegmentation's ``accuracy(pred, target, topk=1)``, including
    its ``eps`` terms, so logged values agree.

    Args:
        pred (Tensor): Scores ``N×C×H×W`` (or ``N×C``).
        target (Tensor): Labels ``N×H×W`` (or ``N``).
        ignore_index (int, optional): Label left out of the count.

    Returns:
        Tensor: One-element tensor, accuracy in ``[0, 100]``.

    Examples:
        >>> pred = torch.tensor([[[[2.0, 0.0, 0.0]], [[1.0, 3.0, 5.0]]]])
        >>> seg_accuracy(pred, torch.tensor([[[0, 1, 0]]]))
        tensor([66.6667])
        >>> seg_accuracy(pred, torch.tensor([[[0, 1, 255]]]), 255)
        tensor([100.0000])
    """
    if pred.size(0) == 0:
        return pred.new_tensor([0.0])
    correct = pred.argmax(dim=1) == target
    if ignore_index is not None:
        kept = target != ignore_index
        correct = correct[kept]
        total = int(kept.sum())
    else:
        total = target.numel()
    eps = torch.finfo(torch.float32).eps
    hits = correct.reshape(-1).float().sum(0, keepdim=True) + eps
    return hits.mul_(100.0 / (total + eps))
