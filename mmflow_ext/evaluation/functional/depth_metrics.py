# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Depth-estimation errors of one image, and its evaluation mask.

Pure functions: depth tensors in, floats out, as MMSegmentation's
``DepthMetric`` computes them (in the tensors' dtype, float32 for maps
loaded by ``LoadDepthAnnotation``).
"""

from typing import Dict, Optional

import torch

__all__ = ['DEPTH_METRIC_NAMES', 'NYU_CROP', 'depth_eval_mask', 'depth_errors']

DEPTH_METRIC_NAMES = (
    'd1',
    'd2',
    'd3',
    'abs_rel',
    'sq_rel',
    'rmse',
    'rmse_log',
    'log10',
    'silog',
)

# rows 45..470 and columns 41..600 of a 480x640 NYU frame (Eigen's crop)
NYU_CROP = (slice(45, 471), slice(41, 601))


def depth_eval_mask(
    gt_depth: torch.Tensor,
    min_depth: float = 0.0,
    max_depth: float = float('inf'),
    crop_type: Optional[str] = None,
) -> torch.Tensor:
    """Pixels to evaluate: ``min_depth < gt < max_depth`` (inside the crop).

    Args:
        gt_depth (torch.Tensor): ``(H, W)`` ground-truth depth.
        min_depth (float): Exclusive lower bound. Defaults to 0.0.
        max_depth (float): Exclusive upper bound. Defaults to infinity.
        crop_type (str, optional): ``'nyu_crop'`` keeps only
            :data:`NYU_CROP`; None keeps every pixel. Defaults to None.

    Returns:
        torch.Tensor: Boolean ``(H, W)`` mask.

    Raises:
        ValueError: For another ``crop_type``.
    """
    mask = (gt_depth > min_depth) & (gt_depth < max_depth)
    if crop_type is None:
        return mask
    if crop_type != 'nyu_crop':
        raise ValueError(
            f"crop_type must be None or 'nyu_crop', got {crop_type!r}"
        )
    crop = torch.zeros_like(mask)
    crop[NYU_CROP] = True
    return mask & crop


def depth_errors(
    gt_depth: torch.Tensor, pred_depth: torch.Tensor
) -> Dict[str, float]:
    """The nine depth errors of one image's evaluated pixels.

    ``d<k>``: fraction of pixels with ``max(gt/pred, pred/gt) < 1.25**k``;
    ``abs_rel = mean(|pred-gt|/gt)``; ``sq_rel = mean((pred-gt)**2/gt)``;
    ``rmse``; ``rmse_log`` (natural log); ``log10 = mean(|log10 pred -
    log10 gt|)``; ``silog = sqrt(mean(e**2) - 0.5*mean(e)**2)`` with ``e =
    log pred - log gt``.

    Args:
        gt_depth (torch.Tensor): Ground-truth depths (any shape).
        pred_depth (torch.Tensor): Predictions, same shape.

    Returns:
        dict[str, float]: One value per name of :data:`DEPTH_METRIC_NAMES`.

    Raises:
        ValueError: When the shapes differ.
    """
    if gt_depth.shape != pred_depth.shape:
        raise ValueError(
            f'depth shapes differ: ground truth {tuple(gt_depth.shape)}, '
            f'prediction {tuple(pred_depth.shape)}'
        )
    count = len(gt_depth)
    ratio = torch.max(gt_depth / pred_depth, pred_depth / gt_depth)
    diff = pred_depth - gt_depth
    diff_log = torch.log(pred_depth) - torch.log(gt_depth)
    squared = diff.pow(2)
    squared_log = diff_log.pow(2)
    values = {
        'd1': (ratio < 1.25).sum().float() / count,
        'd2': (ratio < 1.25**2).sum().float() / count,
        'd3': (ratio < 1.25**3).sum().float() / count,
        'abs_rel': (diff.abs() / gt_depth).mean(),
        'sq_rel': (squared / gt_depth).mean(),
        'rmse': squared.mean().sqrt(),
        'rmse_log': squared_log.mean().sqrt(),
        'log10': (torch.log10(pred_depth) - torch.log10(gt_depth))
        .abs()
        .mean(),
        'silog': (squared_log.mean() - 0.5 * diff_log.mean().pow(2)).sqrt(),
    }
    return {name: value.item() for name, value in values.items()}
