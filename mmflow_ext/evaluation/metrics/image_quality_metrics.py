# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Sample-wise image quality metrics of editing models: PSNR, SSIM, MAE."""
from typing import Any, List, Optional, Sequence

import torch
from mmengine.evaluator import BaseMetric

from mmflow_ext.evaluation.functional import mae, psnr, ssim
from mmflow_ext.registry import METRICS

__all__ = ['BaseSampleWiseMetric', 'PSNR', 'SSIM', 'MAE']


def _lookup(data: dict, key: str) -> Any:
    """``data[key]``, also looking inside nested ``data_samples`` / ``data``
    dicts."""
    for candidate in ('data_samples', key, 'data'):
        if candidate in data:
            value = data[candidate]
            if isinstance(value, dict) and candidate != key:
                return _lookup(value, key)
            return value
    raise KeyError(f'"{key}" is not in the evaluated sample (keys: '
                   f'{sorted(data)})')


class BaseSampleWiseMetric(BaseMetric):
    """A metric computed per sample and averaged over the dataset.

    It reads ``<gt_key>`` from each sample dict and ``<pred_key>`` from its
    ``output`` dict; a ``T×C×H×W`` sample (video) is the mean over its
    frames. Images are in ``[0, 255]`` and, for colour conversions, BGR.

    Args:
        gt_key (str): Key of the ground truth. Defaults to ``'gt_img'``.
        pred_key (str): Key of the prediction in ``output``. Defaults to
            ``'pred_img'``.
        mask_key (str, optional): Key of a mask (non-zero: measured).
        scaling (float): Factor of the final value. Defaults to 1.
        device (str): Device of the tensors read. Defaults to ``'cpu'``.
        collect_device (str): Device to gather results across ranks.
        prefix (str, optional): Prefix of the metric name.
    """
    metric: str = ''
    default_prefix: Optional[str] = ''

    def __init__(self,
                 gt_key: str = 'gt_img',
                 pred_key: str = 'pred_img',
                 mask_key: Optional[str] = None,
                 scaling: float = 1,
                 device: str = 'cpu',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.gt_key = gt_key
        self.pred_key = pred_key
        self.mask_key = mask_key
        self.scaling = scaling
        self.device = device
        self.channel_order = 'BGR'

    def _get(self, data: dict, key: str) -> Any:
        value = _lookup(data, key)
        return value.to(self.device) if isinstance(value,
                                                   torch.Tensor) else value

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Measure every sample of a batch.

        Args:
            data_batch (Any): The batch from the dataloader (unused).
            data_samples (Sequence[dict]): ``to_dict()`` of the predicted
                samples; each has ``output``.
        """
        for data in data_samples:
            if 'output' not in data:
                raise KeyError('The evaluated sample has no "output" (keys: '
                               f'{sorted(data)})')
            gt = self._get(data, self.gt_key)
            pred = self._get(data['output'], self.pred_key)
            mask = (None if self.mask_key is None else self._get(
                data, self.mask_key))
            if gt.ndim <= 3:
                value = self.process_image(gt, pred, mask)
            else:
                value = sum(
                    self.process_image(gt[i], pred[i], None if mask is
                                       None else mask[i])
                    for i in range(gt.shape[0])) / gt.shape[0]
            self.results.append({self.metric: float(value)})

    def process_image(self, gt: Any, pred: Any, mask: Any) -> float:
        """The metric of one image (to be defined by subclasses)."""
        raise NotImplementedError

    def compute_metrics(self, results: List[dict]) -> dict:
        """Average the per-sample values.

        Args:
            results (list[dict]): One dict per sample.

        Returns:
            dict: ``{metric: mean * scaling}`` as a Python float.
        """
        if not results:
            raise ValueError(f'{type(self).__name__} got no samples')
        total = sum(r[self.metric] for r in results)
        return {self.metric: float(total / len(results) * self.scaling)}


class _FullReferenceMetric(BaseSampleWiseMetric):
    """PSNR / SSIM: arguments of the image transform before comparing."""

    def __init__(self,
                 gt_key: str = 'gt_img',
                 pred_key: str = 'pred_img',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 crop_border: int = 0,
                 input_order: str = 'CHW',
                 convert_to: Optional[str] = None) -> None:
        super().__init__(
            gt_key=gt_key,
            pred_key=pred_key,
            collect_device=collect_device,
            prefix=prefix)
        self.crop_border = crop_border
        self.input_order = input_order
        self.convert_to = convert_to


@METRICS.register_module()
class PSNR(_FullReferenceMetric):
    """Peak signal-to-noise ratio (dB) per sample, averaged.

    Args:
        gt_key (str): Key of the ground truth. Defaults to ``'gt_img'``.
        pred_key (str): Key of the prediction. Defaults to ``'pred_img'``.
        collect_device (str): Device to gather results across ranks.
        prefix (str, optional): Prefix of the metric name.
        crop_border (int): Pixels dropped at each edge. Defaults to 0.
        input_order (str): ``'CHW'`` or ``'HWC'``. Defaults to ``'CHW'``.
        convert_to (str, optional): ``'Y'`` to measure the Y channel.

    Examples:
        >>> metric = PSNR()
        >>> one = torch.ones(3, 4, 4)
        >>> metric.process(None, [dict(gt_img=one,
        ...                            output=dict(pred_img=one * 2))])
        >>> round(metric.compute_metrics(metric.results)['PSNR'], 7)
        48.1308036
    """
    metric = 'PSNR'

    def process_image(self, gt: Any, pred: Any, mask: Any) -> float:
        """PSNR of one image."""
        return psnr(gt, pred, self.crop_border, self.input_order,
                    self.convert_to, self.channel_order)


@METRICS.register_module()
class SSIM(_FullReferenceMetric):
    """Structural similarity per sample, averaged (arguments as
    :class:`PSNR`)."""
    metric = 'SSIM'

    def process_image(self, gt: Any, pred: Any, mask: Any) -> float:
        """SSIM of one image."""
        return ssim(gt, pred, self.crop_border, self.input_order,
                    self.convert_to, self.channel_order)


@METRICS.register_module()
class MAE(BaseSampleWiseMetric):
    """Mean absolute error in ``[0, 1]`` units per sample, averaged; with
    ``mask_key``, over the masked pixels only (arguments as
    :class:`BaseSampleWiseMetric`)."""
    metric = 'MAE'

    def process_image(self, gt: Any, pred: Any, mask: Any) -> float:
        """MAE of one image."""
        return mae(gt, pred, mask)
