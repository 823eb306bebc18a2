# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Sample-wise image quality metrics of editing models: PSNR, SSIM, MAE."""

from typing import Any, List, Mapping, Optional, Sequence

import torch
from mmengine.evaluator import BaseMetric

from mmflow_ext.evaluation.functional import mae, psnr, ssim
from mmflow_ext.registry import METRICS
from mmflow_ext.structures.sample_access import field_data, get_field

__all__ = ['BaseSampleWiseMetric', 'PSNR', 'SSIM', 'MAE']


class BaseSampleWiseMetric(BaseMetric):
    """A metric computed per sample and averaged over the dataset.

    It reads ``<gt_key>`` from each sample dict and ``<pred_key>`` from its
    ``output`` dict (from the sample itself with ``pred_in_output=False``,
    e.g. the model's ``input``, to log a baseline); a ``T×C×H×W`` sample
    (video) is the mean over its frames. Images are in ``[0, 255]`` and,
    for colour conversions, BGR.

    Args:
        gt_key (str): Key of the ground truth. Defaults to ``'gt_img'``.
        pred_key (str): Key of the prediction in ``output``. Defaults to
            ``'pred_img'``.
        pred_in_output (bool): Read ``pred_key`` from the sample's
            ``output`` (MMagic's behaviour); False reads it from the sample,
            where :class:`BaseEditModel` keeps the ``input`` it restored.
            Defaults to True.
        mask_key (str, optional): Key of a mask (non-zero: measured).
        scaling (float): Factor of the final value. Defaults to 1.
        device (str): Device the sample's tensors are moved to before they
            are measured, as in MMagic: :class:`MAE` computes on it, PSNR
            and SSIM always run on the CPU (numpy and OpenCV). Defaults to
            ``'cpu'``.
        collect_device (str): Device to gather results across ranks.
        prefix (str, optional): Prefix of the metric name.
    """

    metric: str = ''
    default_prefix: Optional[str] = ''

    def __init__(
        self,
        gt_key: str = 'gt_img',
        pred_key: str = 'pred_img',
        mask_key: Optional[str] = None,
        scaling: float = 1,
        device: str = 'cpu',
        collect_device: str = 'cpu',
        prefix: Optional[str] = None,
        pred_in_output: bool = True,
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.gt_key = gt_key
        self.pred_key = pred_key
        self.pred_in_output = pred_in_output
        self.mask_key = mask_key
        self.scaling = scaling
        try:
            torch.device(device)
        except (RuntimeError, TypeError) as err:
            raise ValueError(
                f'{type(self).__name__}(device={device!r}) is '
                f'not a torch device: {err}'
            ) from None
        self.device = device
        self.channel_order = 'BGR'

    def _get(self, data: Mapping, key: str) -> Any:
        """``data[key]`` (the ``data`` of a PixelData), tensors moved to
        :attr:`device`."""
        value = field_data(get_field(data, key, where='the evaluated sample'))
        return (
            value.to(self.device) if isinstance(value, torch.Tensor) else value
        )

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Measure every sample of a batch.

        Args:
            data_batch (Any): The batch from the dataloader (unused).
            data_samples (Sequence[dict]): ``to_dict()`` of the predicted
                samples; each has ``output``.
        """
        for data in data_samples:
            # MMagic also reads samples wrapped as {'data_samples': {...}}
            if isinstance(data.get('data_samples'), Mapping):
                data = data['data_samples']
            gt = self._get(data, self.gt_key)
            pred = self._get(
                data,
                f'output.{self.pred_key}'
                if self.pred_in_output
                else self.pred_key,
            )
            mask = (
                None
                if self.mask_key is None
                else self._get(data, self.mask_key)
            )
            if gt.ndim <= 3:
                value = self.process_image(gt, pred, mask)
            else:
                value = (
                    sum(
                        self.process_image(
                            gt[i], pred[i], None if mask is None else mask[i]
                        )
                        for i in range(gt.shape[0])
                    )
                    / gt.shape[0]
                )
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

    def __init__(
        self,
        gt_key: str = 'gt_img',
        pred_key: str = 'pred_img',
        collect_device: str = 'cpu',
        prefix: Optional[str] = None,
        crop_border: int = 0,
        input_order: str = 'CHW',
        convert_to: Optional[str] = None,
        pred_in_output: bool = True,
    ) -> None:
        super().__init__(
            gt_key=gt_key,
            pred_key=pred_key,
            collect_device=collect_device,
            prefix=prefix,
            pred_in_output=pred_in_output,
        )
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
        pred_in_output (bool): See :class:`BaseSampleWiseMetric`.

    Examples:
        >>> metric = PSNR()
        >>> one = torch.ones(3, 4, 4)
        >>> metric.process(None, [dict(gt_img=one,
        ...                            output=dict(pred_img=one * 2))])
        >>> round(metric.compute_metrics(metric.results)['PSNR'], 7)
        48.1308036
        >>> baseline = PSNR(pred_key='input', pred_in_output=False)
        >>> baseline.process(None, [dict(gt_img=one, input=one * 4,
        ...                              output=dict(pred_img=one))])
        >>> round(baseline.compute_metrics(baseline.results)['PSNR'], 7)
        38.5883785
    """

    metric = 'PSNR'

    def process_image(self, gt: Any, pred: Any, mask: Any) -> float:
        """PSNR of one image."""
        return psnr(
            gt,
            pred,
            self.crop_border,
            self.input_order,
            self.convert_to,
            self.channel_order,
        )


@METRICS.register_module()
class SSIM(_FullReferenceMetric):
    """Structural similarity per sample, averaged (arguments as
    :class:`PSNR`)."""

    metric = 'SSIM'

    def process_image(self, gt: Any, pred: Any, mask: Any) -> float:
        """SSIM of one image."""
        return ssim(
            gt,
            pred,
            self.crop_border,
            self.input_order,
            self.convert_to,
            self.channel_order,
        )


@METRICS.register_module()
class MAE(BaseSampleWiseMetric):
    """Mean absolute error in ``[0, 1]`` units per sample, averaged; with
    ``mask_key``, over the masked pixels only (arguments as
    :class:`BaseSampleWiseMetric`)."""

    metric = 'MAE'

    def process_image(self, gt: Any, pred: Any, mask: Any) -> float:
        """MAE of one image."""
        return mae(gt, pred, mask)
