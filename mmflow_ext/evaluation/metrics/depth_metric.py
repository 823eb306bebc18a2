# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``DepthMetric``: MMSegmentation's depth-estimation errors."""

import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import cv2
import numpy as np
import torch
from mmengine.dist import is_main_process
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmengine.structures import BaseDataElement
from mmengine.utils import mkdir_or_exist

from mmflow_ext.evaluation.functional.depth_metrics import (
    DEPTH_METRIC_NAMES,
    depth_errors,
    depth_eval_mask,
)
from mmflow_ext.registry import METRICS
from mmflow_ext.structures.sample_access import field_data, get_field

from .iou_metric import format_table

__all__ = ['DepthMetric']


def _depth_map(sample: dict, key: str) -> torch.Tensor:
    """The depth map of a ``PixelData`` field, squeezed as upstream does."""
    data = field_data(get_field(sample, key, where='a DepthMetric sample'))
    if not isinstance(data, torch.Tensor):
        data = torch.as_tensor(np.asarray(data))
    return data.squeeze()


@METRICS.register_module()
class DepthMetric(BaseMetric):
    """Depth-estimation errors, averaged over images.

    Each sample's ``gt_depth_map`` and ``pred_depth_map`` are compared on
    the pixels of :func:`~mmflow_ext.evaluation.functional.depth_metrics.
    depth_eval_mask`; the errors of
    :func:`~mmflow_ext.evaluation.functional.depth_metrics.depth_errors`
    are computed per image and the metric reports their mean over images
    (not over pixels), as MMSegmentation does. Unlike MMSegmentation 1.2.2,
    a ``depth_metrics`` list is accepted (upstream raises a ``TypeError``
    for any list given).

    Args:
        depth_metrics (list[str], optional): Names to report, from
            ``DEPTH_METRIC_NAMES``. Defaults to None: all nine.
        min_depth_eval (float): Defaults to 0.0.
        max_depth_eval (float): Defaults to infinity.
        crop_type (str, optional): None or ``'nyu_crop'``. Defaults to None.
        depth_scale_factor (float): Predictions are multiplied by it before
            being written as 16-bit PNGs. Defaults to 1.0.
        collect_device (str): Defaults to ``'cpu'``.
        output_dir (str, optional): Folder for ``<image stem>.png``
            predictions. Defaults to None.
        format_only (bool): Only write predictions. Defaults to False.
        prefix (str, optional): Metric name prefix. Defaults to None.

    Raises:
        ValueError: For an unknown metric name or ``crop_type``.
    """

    METRICS = DEPTH_METRIC_NAMES

    def __init__(
        self,
        depth_metrics: Optional[List[str]] = None,
        min_depth_eval: float = 0.0,
        max_depth_eval: float = float('inf'),
        crop_type: Optional[str] = None,
        depth_scale_factor: float = 1.0,
        collect_device: str = 'cpu',
        output_dir: Optional[str] = None,
        format_only: bool = False,
        prefix: Optional[str] = None,
        **kwargs,
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if depth_metrics is None:
            depth_metrics = self.METRICS
        unknown = [m for m in depth_metrics if m not in self.METRICS]
        if isinstance(depth_metrics, str) or unknown:
            raise ValueError(
                f'depth_metrics {depth_metrics!r}: unsupported '
                f'{unknown or depth_metrics}; choose from {self.METRICS}'
            )
        if crop_type not in (None, 'nyu_crop'):
            raise ValueError(
                f"crop_type must be None or 'nyu_crop', got {crop_type!r}"
            )
        self.metrics = tuple(depth_metrics)
        self.min_depth_eval = min_depth_eval
        self.max_depth_eval = max_depth_eval
        self.crop_type = crop_type
        self.depth_scale_factor = depth_scale_factor
        self.output_dir = output_dir
        self.format_only = format_only
        if output_dir and is_main_process():
            mkdir_or_exist(output_dir)

    def process(
        self,
        data_batch: object,
        data_samples: Sequence[Union[dict, BaseDataElement]],
    ) -> None:
        """Compute each sample's errors and write its prediction if asked.

        Args:
            data_batch (object): The batch from the dataloader (unused).
            data_samples (Sequence[dict | SegDataSample]): Model outputs
                with ``pred_depth_map`` (and ``gt_depth_map`` unless
                ``format_only``).
        """
        for sample in data_samples:
            if isinstance(sample, BaseDataElement):
                sample = sample.to_dict()
            pred = _depth_map(sample, 'pred_depth_map')
            if not self.format_only:
                gt = _depth_map(sample, 'gt_depth_map').to(pred)
                mask = depth_eval_mask(
                    gt,
                    self.min_depth_eval,
                    self.max_depth_eval,
                    self.crop_type,
                )
                self.results.append(depth_errors(gt[mask], pred[mask]))
            if self.output_dir is not None:
                stem = osp.splitext(osp.basename(sample['img_path']))[0]
                scaled = pred.cpu().numpy() * self.depth_scale_factor
                cv2.imwrite(
                    osp.abspath(osp.join(self.output_dir, f'{stem}.png')),
                    scaled.astype(np.uint16),
                    [cv2.IMWRITE_PNG_COMPRESSION, 0],
                )

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Average the per-image errors and log them as a table.

        Args:
            results (list[dict]): Per-image errors.

        Returns:
            dict[str, float]: One mean per name of ``depth_metrics``
            (empty with ``format_only``).
        """
        logger = MMLogger.get_current_instance()
        if self.format_only:
            logger.info(f'results are saved to {osp.dirname(self.output_dir)}')
            return {}
        metrics = {
            name: sum(r[name] for r in results) / len(results)
            for name in self.metrics
        }
        print_log('results:', logger)
        row = [round(value, 5) for value in metrics.values()]
        print_log('\n' + format_table(list(metrics), [row]), logger=logger)
        return metrics
