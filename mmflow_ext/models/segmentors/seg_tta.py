# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``SegTTAModel``: merge the predictions of test-time augmentations."""

from typing import List, Sequence

import torch
from mmengine.model import BaseTTAModel
from mmengine.structures import PixelData

from mmflow_ext.registry import MODELS
from mmflow_ext.structures import SegDataSample

from .base import channel_argmax

__all__ = ['SegTTAModel']


@MODELS.register_module()
class SegTTAModel(BaseTTAModel):
    """Test-time augmentation of a segmentor, as MMSegmentation's.

    MMEngine's :class:`~mmengine.model.BaseTTAModel` runs the wrapped
    ``module`` on every augmented view (a ``TestTimeAug`` pipeline, e.g.
    flips times scales); the module's predictions are already unflipped and
    resized to ``ori_shape``. :meth:`merge_preds` averages, per image, the
    class probabilities of the views (softmax of ``seg_logits``; a
    one-channel module's ``seg_logits`` already hold sigmoid probabilities)
    and predicts their argmax (one channel: ``mean > threshold``).

    The merged sample is the last view's sample, as upstream returns it,
    with ``pred_sem_seg`` (``1×H×W`` int64), ``seg_logits`` (the averaged
    probabilities), the first view's ``gt_sem_seg`` when it has one and the
    first view's ``img_path``.

    Args:
        module (dict | nn.Module): The segmentor (config or instance).
        data_preprocessor (dict | nn.Module, optional): Unused by the
            merge; the module preprocesses each view. Defaults to None.

    Examples:
        >>> import torch
        >>> class TwoClasses(torch.nn.Module):
        ...     out_channels = 2
        ...     def test_step(self, data): ...
        >>> model = SegTTAModel(module=TwoClasses())
        >>> views = [
        ...     SegDataSample(seg_logits=PixelData(data=logits),
        ...                   metainfo=dict(img_path='a.png'))
        ...     for logits in (torch.tensor([[[2.0]], [[0.0]]]),
        ...                    torch.tensor([[[0.0]], [[3.0]]]))]
        >>> model.merge_preds([views])[0].pred_sem_seg.data
        tensor([[[1]]])
    """

    def merge_preds(
        self, data_samples_list: Sequence[Sequence[SegDataSample]]
    ) -> List[SegDataSample]:
        """Merge the views of each image into one prediction.

        Args:
            data_samples_list (Sequence[Sequence[SegDataSample]]): Per
                image, the predictions of its augmented views.

        Returns:
            list[SegDataSample]: One merged prediction per image.
        """
        binary = self.module.out_channels == 1
        merged = []
        for views in data_samples_list:
            if not views:
                raise ValueError('an image has no augmented predictions')
            shapes = {tuple(view.seg_logits.data.shape) for view in views}
            if len(shapes) != 1:
                raise ValueError(
                    'the augmented predictions of '
                    f'"{views[0].get("img_path")}" differ in shape '
                    f'{sorted(shapes)}; each must be at ori_shape'
                )
            scores = torch.zeros_like(views[0].seg_logits.data)
            for view in views:
                logits = view.seg_logits.data
                scores += logits if binary else logits.softmax(dim=0)
            scores /= len(views)
            if binary:
                pred = (scores > self._threshold()).long()
            else:
                pred = channel_argmax(scores)
            result = views[-1]
            result.set_data(
                dict(
                    seg_logits=PixelData(data=scores),
                    pred_sem_seg=PixelData(data=pred),
                )
            )
            if 'gt_sem_seg' in views[0]:
                result.gt_sem_seg = views[0].gt_sem_seg
            if 'img_path' in views[0]:
                result.set_metainfo(dict(img_path=views[0].img_path))
            merged.append(result)
        return merged

    def _threshold(self) -> float:
        """Binary threshold of the module (or of its decode head)."""
        value = getattr(self.module, 'threshold', None)
        if value is None:
            value = getattr(self.module.decode_head, 'threshold', None)
        return 0.3 if value is None else value
