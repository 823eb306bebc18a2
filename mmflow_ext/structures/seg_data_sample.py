# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``SegDataSample``: what one segmentation sample carries between stages."""

from typing import Dict, Type

from mmengine.structures import BaseDataElement, PixelData

from .typed_fields import TypedFieldsMixin

__all__ = ['SegDataSample']


class SegDataSample(TypedFieldsMixin, BaseDataElement):
    """Data sample of semantic segmentation, the interface between the
    dataset, the model and the evaluator.

    Typed data fields (each must be a :class:`~mmengine.structures.PixelData`):

    - ``gt_sem_seg``: ground-truth labels, ``1×H×W``.
    - ``pred_sem_seg``: predicted labels, ``1×H×W``.
    - ``seg_logits``: per-class scores before the argmax, ``C×H×W``.

    Other pixel fields (``gt_edge_map``, ``gt_depth_map``, ...) may be set
    freely. Assigning a wrong type to a typed field raises a
    :class:`TypeError` that names the field, and leaves the sample unchanged
    (see :class:`~mmflow_ext.structures.typed_fields.TypedFieldsMixin`).

    Examples:
        >>> import torch
        >>> from mmengine.structures import PixelData
        >>> sample = SegDataSample(metainfo=dict(img_shape=(4, 4)))
        >>> sample.gt_sem_seg = PixelData(data=torch.zeros(1, 4, 4))
        >>> 'gt_sem_seg' in sample, sample.keys()
        (True, ['gt_sem_seg'])
        >>> sample.pred_sem_seg = torch.zeros(1, 4, 4)
        Traceback (most recent call last):
        ...
        TypeError: SegDataSample.pred_sem_seg must be a PixelData, got Tensor
        >>> 'pred_sem_seg' in sample
        False
        >>> del sample.gt_sem_seg
        >>> sample.keys()
        []
    """

    #: data fields whose values must have a given type
    typed_fields: Dict[str, Type] = {
        'gt_sem_seg': PixelData,
        'pred_sem_seg': PixelData,
        'seg_logits': PixelData,
    }
