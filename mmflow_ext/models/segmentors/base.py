# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``BaseSegmentor``: forward modes and the post-processing of predictions."""

from abc import ABCMeta, abstractmethod
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmengine.structures import PixelData

from mmflow_ext.registry import MODELS
from mmflow_ext.structures import SegDataSample
from mmflow_ext.structures.padding import crop_padding, sample_padding

__all__ = ['BaseSegmentor', 'channel_argmax']

ForwardResults = Union[
    Dict[str, torch.Tensor],
    List[SegDataSample],
    torch.Tensor,
    Tuple[torch.Tensor, ...],
]


def channel_argmax(logits: torch.Tensor) -> torch.Tensor:
    """Index of the largest of ``C×H×W`` scores at each pixel, ``1×H×W``.

    Equal to ``logits.argmax(dim=0, keepdim=True)`` (ties go to the lowest
    class) for finite scores, but walks the class planes once each instead
    of striding across them, which is several times faster on a CPU.

    Args:
        logits (Tensor): ``C×H×W`` scores.

    Returns:
        Tensor: ``1×H×W`` int64 class indices.

    Examples:
        >>> logits = torch.tensor([[[1.0, 5.0]], [[3.0, 5.0]], [[2.0, 0.0]]])
        >>> channel_argmax(logits)
        tensor([[[1, 0]]])
    """
    num_classes = logits.shape[0]
    if num_classes > 256:
        return logits.argmax(dim=0, keepdim=True)
    best = logits[0].clone()
    index = torch.zeros(
        logits.shape[1:], dtype=torch.uint8, device=logits.device
    )
    better = torch.empty(
        logits.shape[1:], dtype=torch.bool, device=logits.device
    )
    for c in range(1, num_classes):
        torch.gt(logits[c], best, out=better)
        torch.maximum(best, logits[c], out=best)
        index.masked_fill_(better, c)
    return index.long().unsqueeze(0)


class BaseSegmentor(BaseModel, metaclass=ABCMeta):
    """Base class of segmentors.

    ``forward`` dispatches on ``mode``: ``'tensor'`` returns raw network
    outputs, ``'loss'`` a dict of losses, ``'predict'`` the data samples
    with ``seg_logits`` and ``pred_sem_seg`` (see
    :meth:`postprocess_result`).

    Subclasses set :attr:`align_corners` (used when resizing predictions)
    and :attr:`threshold` (binary threshold of one-channel outputs).

    Args:
        data_preprocessor (dict | nn.Module, optional): Data preprocessor
            or its config (looked up in our registry, then MMEngine's).
        init_cfg (dict, optional): Initialization config.
    """

    #: ``align_corners`` of the resize to the original image shape
    align_corners: bool = False
    #: probability threshold of one-channel (binary) predictions
    threshold: float = 0.3

    def __init__(
        self,
        data_preprocessor: Optional[Union[dict, nn.Module]] = None,
        init_cfg: Optional[dict] = None,
    ):
        if isinstance(data_preprocessor, dict):
            # our registry first, so no default scope is needed
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg
        )

    @property
    def with_neck(self) -> bool:
        """Whether the segmentor has a neck."""
        return getattr(self, 'neck', None) is not None

    @property
    def with_auxiliary_head(self) -> bool:
        """Whether the segmentor has auxiliary head(s)."""
        return getattr(self, 'auxiliary_head', None) is not None

    @property
    def with_decode_head(self) -> bool:
        """Whether the segmentor has a decode head."""
        return getattr(self, 'decode_head', None) is not None

    @abstractmethod
    def extract_feat(self, inputs: torch.Tensor) -> Sequence[torch.Tensor]:
        """Features of a batch of images."""

    @abstractmethod
    def encode_decode(
        self, inputs: torch.Tensor, batch_data_samples: List[dict]
    ) -> torch.Tensor:
        """Logits of images at the input resolution."""

    @abstractmethod
    def loss(
        self, inputs: torch.Tensor, data_samples: List[SegDataSample]
    ) -> Dict[str, torch.Tensor]:
        """Losses of a batch."""

    @abstractmethod
    def predict(
        self,
        inputs: torch.Tensor,
        data_samples: Optional[List[SegDataSample]] = None,
    ) -> List[SegDataSample]:
        """Predictions of a batch, post-processed."""

    @abstractmethod
    def _forward(
        self,
        inputs: torch.Tensor,
        data_samples: Optional[List[SegDataSample]] = None,
    ) -> Union[torch.Tensor, Tuple[torch.Tensor, ...]]:
        """Raw network outputs."""

    def forward(
        self,
        inputs: torch.Tensor,
        data_samples: Optional[List[SegDataSample]] = None,
        mode: str = 'tensor',
    ) -> ForwardResults:
        """Dispatch to :meth:`loss`, :meth:`predict` or :meth:`_forward`.

        Args:
            inputs (Tensor): Preprocessed images ``N×C×H×W``.
            data_samples (list[SegDataSample], optional): The samples.
            mode (str): ``'loss'``, ``'predict'`` or ``'tensor'``.

        Returns:
            dict | list[SegDataSample] | Tensor: See the modes above.
        """
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self._forward(inputs, data_samples)
        raise RuntimeError(
            f'Invalid mode "{mode}". Only supports loss, predict and tensor '
            'mode'
        )

    def postprocess_result(
        self,
        seg_logits: torch.Tensor,
        data_samples: Optional[List[SegDataSample]] = None,
    ) -> List[SegDataSample]:
        """Turn batch logits into per-sample predictions.

        For each sample: remove the padding (``img_padding_size`` when the
        sample has it, else ``padding_size``; scaled by the logits' size /
        ``pad_shape`` when they differ, see
        :func:`~mmflow_ext.structures.padding.crop_padding`), undo a flip
        (``flip_direction`` ``'horizontal'``, ``'vertical'`` or
        ``'diagonal'``), resize bilinearly to ``ori_shape``, then store
        ``seg_logits`` (``C×H×W``) and ``pred_sem_seg`` (``1×H×W`` int64:
        the argmax, or with one channel ``sigmoid > threshold`` with
        ``seg_logits`` holding the probabilities). The samples are updated
        in place and keep their other fields (``gt_sem_seg``, metainfo).
        Without samples, new ones are made from the logits as they are.

        Args:
            seg_logits (Tensor): ``N×C×H×W`` logits at the padded shape.
            data_samples (list[SegDataSample], optional): The samples.

        Returns:
            list[SegDataSample]: The samples with predictions (detached).
        """
        seg_logits = seg_logits.detach()
        num = seg_logits.shape[0]
        if data_samples is None:
            data_samples = [SegDataSample() for _ in range(num)]
            crops = [seg_logits[i] for i in range(num)]
        else:
            if len(data_samples) != num:
                raise ValueError(
                    f'got {num} logits but {len(data_samples)} data_samples'
                )
            crops = [
                self._restore_sample(seg_logits[i : i + 1], sample.metainfo)
                for i, sample in enumerate(data_samples)
            ]
        for sample, logits in zip(data_samples, crops):
            if logits.shape[0] > 1:
                pred = channel_argmax(logits)
            else:
                logits = logits.sigmoid()
                pred = (logits > self.threshold).long()
            sample.set_data(
                dict(
                    seg_logits=PixelData(data=logits),
                    pred_sem_seg=PixelData(data=pred),
                )
            )
        return data_samples

    def _restore_sample(
        self, logits: torch.Tensor, meta: dict
    ) -> torch.Tensor:
        """Crop, unflip and resize ``1×C×H×W`` logits to ``ori_shape``.

        Returns:
            Tensor: ``C×H×W`` logits of the original image.
        """
        padding = sample_padding(meta)
        if padding is not None:
            logits = crop_padding(logits, padding, meta.get('pad_shape'))
        if meta.get('flip', False):
            direction = meta.get('flip_direction')
            dims = {
                'horizontal': (3,),
                'vertical': (2,),
                'diagonal': (2, 3),
            }.get(direction)
            if dims is None:
                raise ValueError(
                    'flip_direction must be "horizontal", "vertical" or '
                    f'"diagonal", got {direction!r}'
                )
            logits = logits.flip(dims=dims)
        if 'ori_shape' not in meta:
            raise KeyError(
                'data sample metainfo has no "ori_shape" to resize the '
                'prediction to'
            )
        ori_shape = tuple(int(s) for s in meta['ori_shape'][:2])
        if tuple(logits.shape[-2:]) != ori_shape:
            logits = F.interpolate(
                logits,
                size=ori_shape,
                mode='bilinear',
                align_corners=self.align_corners,
            )
        return logits[0]
