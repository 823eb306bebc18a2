# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``BaseDecodeHead``: the training and inference contract of decode heads.

The contract is MMSegmentation 1.x's: ``loss(inputs, data_samples,
train_cfg)`` stacks the ``int64`` ``gt_sem_seg`` of the samples, resizes the
logits to the labels and applies every ``loss_decode``;
``predict(inputs, batch_img_metas, test_cfg)`` returns logits resized to the
shape of the input the head was given: ``pad_shape``, which sliding-window
inference sets to each crop's shape (no type of ``img_shape`` is inspected).
"""

import warnings
from abc import ABCMeta, abstractmethod
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from mmflow_ext.registry import MODELS, TASK_UTILS

from .accuracy import seg_accuracy

__all__ = ['BaseDecodeHead', 'seg_losses']


def seg_losses(
    seg_logits: torch.Tensor,
    seg_label: torch.Tensor,
    loss_modules: Sequence[nn.Module],
    ignore_index: int,
    weight: Optional[torch.Tensor] = None,
) -> Dict[str, torch.Tensor]:
    """Each loss of logits against labels, and the pixel accuracy.

    Losses that share a ``loss_name`` are summed.

    Args:
        seg_logits (Tensor): ``N×C×H×W``, at the label size.
        seg_label (Tensor): ``N×H×W`` class indices.
        loss_modules (Sequence[nn.Module]): Losses with a ``loss_name``.
        ignore_index (int): The label no loss counts.
        weight (Tensor, optional): Per-pixel weights (a pixel sampler's).

    Returns:
        dict[str, Tensor]: One entry per ``loss_name``, and ``acc_seg``.
    """
    losses: Dict[str, torch.Tensor] = {}
    for loss_module in loss_modules:
        value = loss_module(
            seg_logits, seg_label, weight=weight, ignore_index=ignore_index
        )
        name = loss_module.loss_name
        losses[name] = losses[name] + value if name in losses else value
    losses['acc_seg'] = seg_accuracy(
        seg_logits, seg_label, ignore_index=ignore_index
    )
    return losses


class BaseDecodeHead(BaseModule, metaclass=ABCMeta):
    """Base class of decode heads (MMSegmentation 1.x arguments).

    Args:
        in_channels (int | Sequence[int]): Input channels (a sequence with
            ``input_transform``).
        channels (int): Channels after the head's own layers.
        num_classes (int): Number of classes.
        out_channels (int, optional): Output channels: ``num_classes``, or
            1 for binary segmentation with ``num_classes=2``.
        threshold (float, optional): Binary threshold of one-channel
            outputs. Defaults to 0.3 there.
        dropout_ratio (float): Dropout before the classifier.
        conv_cfg (dict, optional): Convolution config.
        norm_cfg (dict, optional): Normalization config.
        act_cfg (dict): Activation config. Defaults to ReLU.
        in_index (int | Sequence[int]): Which backbone output(s) to use.
        input_transform (str, optional): ``'resize_concat'``,
            ``'multiple_select'`` or None (one input).
        loss_decode (dict | Sequence[dict]): Loss config(s).
        ignore_index (int): Label ignored by losses and accuracy.
        sampler (dict, optional): Pixel sampler config (``TASK_UTILS``).
        align_corners (bool): ``align_corners`` of the resizes.
        init_cfg (dict | list[dict], optional): Initialization config.
    """

    def __init__(
        self,
        in_channels: Union[int, Sequence[int]],
        channels: int,
        *,
        num_classes: int,
        out_channels: Optional[int] = None,
        threshold: Optional[float] = None,
        dropout_ratio: float = 0.1,
        conv_cfg: Optional[dict] = None,
        norm_cfg: Optional[dict] = None,
        act_cfg: dict = dict(type='ReLU'),
        in_index: Union[int, Sequence[int]] = -1,
        input_transform: Optional[str] = None,
        loss_decode: Union[dict, Sequence[dict]] = dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0
        ),
        ignore_index: int = 255,
        sampler: Optional[dict] = None,
        align_corners: bool = False,
        init_cfg: Optional[Union[dict, List[dict]]] = dict(
            type='Normal', std=0.01, override=dict(name='conv_seg')
        ),
    ):
        super().__init__(init_cfg)
        self._init_inputs(in_channels, in_index, input_transform)
        self.channels = channels
        self.dropout_ratio = dropout_ratio
        self.conv_cfg = conv_cfg
        self.norm_cfg = norm_cfg
        self.act_cfg = act_cfg
        self.ignore_index = ignore_index
        self.align_corners = align_corners
        if out_channels is None:
            if num_classes == 2:
                warnings.warn(
                    'binary segmentation: out_channels=1 with a threshold '
                    'gives one logit per pixel instead of two'
                )
            out_channels = num_classes
        if out_channels != num_classes and out_channels != 1:
            raise ValueError(
                'out_channels must equal num_classes, or be 1 for binary '
                f'segmentation; got out_channels={out_channels} and '
                f'num_classes={num_classes}'
            )
        if out_channels == 1 and threshold is None:
            threshold = 0.3
            warnings.warn('threshold of the binary head defaults to 0.3')
        self.num_classes = num_classes
        self.out_channels = out_channels
        self.threshold = threshold
        self.loss_decode = self._build_losses(loss_decode)
        self.sampler = None
        if sampler is not None:
            self.sampler = TASK_UTILS.build(
                sampler, default_args=dict(context=self)
            )
        self.conv_seg = nn.Conv2d(channels, self.out_channels, kernel_size=1)
        self.dropout = (
            nn.Dropout2d(dropout_ratio) if dropout_ratio > 0 else None
        )

    @staticmethod
    def _build_losses(
        loss_decode: Union[dict, Sequence[dict]],
    ) -> Union[nn.Module, nn.ModuleList]:
        if isinstance(loss_decode, dict):
            return MODELS.build(loss_decode)
        if isinstance(loss_decode, (list, tuple)):
            return nn.ModuleList(MODELS.build(cfg) for cfg in loss_decode)
        raise TypeError(
            'loss_decode must be a dict or a sequence of dicts, got '
            f'{type(loss_decode).__name__}'
        )

    def _init_inputs(
        self,
        in_channels: Union[int, Sequence[int]],
        in_index: Union[int, Sequence[int]],
        input_transform: Optional[str],
    ) -> None:
        if input_transform not in (None, 'resize_concat', 'multiple_select'):
            raise ValueError(
                'input_transform must be None, "resize_concat" or '
                f'"multiple_select", got {input_transform!r}'
            )
        self.input_transform = input_transform
        self.in_index = in_index
        if input_transform is None:
            if not isinstance(in_channels, int) or not isinstance(
                in_index, int
            ):
                raise TypeError(
                    'without input_transform, in_channels and in_index must '
                    f'be ints, got {in_channels!r} and {in_index!r}'
                )
            self.in_channels = in_channels
            return
        if (
            not isinstance(in_channels, (list, tuple))
            or not isinstance(in_index, (list, tuple))
            or len(in_channels) != len(in_index)
        ):
            raise TypeError(
                f'input_transform={input_transform!r} needs in_channels and '
                'in_index as sequences of one length, got '
                f'{in_channels!r} and {in_index!r}'
            )
        self.in_channels = (
            sum(in_channels)
            if input_transform == 'resize_concat'
            else in_channels
        )

    def _transform_inputs(
        self, inputs: Sequence[torch.Tensor]
    ) -> Union[torch.Tensor, List[torch.Tensor]]:
        """Pick (and for ``resize_concat`` resize and concatenate) the
        backbone outputs this head uses.

        Args:
            inputs (Sequence[Tensor]): Multi-level features.

        Returns:
            Tensor | list[Tensor]: The selected feature(s).
        """
        if self.input_transform is None:
            return inputs[self.in_index]
        selected = [inputs[i] for i in self.in_index]
        if self.input_transform == 'multiple_select':
            return selected
        size = selected[0].shape[2:]
        resized = [
            F.interpolate(
                x, size=size, mode='bilinear', align_corners=self.align_corners
            )
            if x.shape[2:] != size
            else x
            for x in selected
        ]
        return torch.cat(resized, dim=1)

    @abstractmethod
    def forward(self, inputs: Sequence[torch.Tensor]) -> torch.Tensor:
        """Logits ``N×out_channels×h×w`` from multi-level features."""

    def cls_seg(self, feat: torch.Tensor) -> torch.Tensor:
        """Classify each pixel of a feature map (dropout, then 1×1 conv).

        Args:
            feat (Tensor): ``N×channels×h×w``.

        Returns:
            Tensor: Logits ``N×out_channels×h×w``.
        """
        if self.dropout is not None:
            feat = self.dropout(feat)
        return self.conv_seg(feat)

    def loss(
        self,
        inputs: Sequence[torch.Tensor],
        batch_data_samples: list,
        train_cfg: Optional[dict],
    ) -> Dict[str, torch.Tensor]:
        """Forward, then losses against the samples' ``gt_sem_seg``.

        Args:
            inputs (Sequence[Tensor]): Multi-level features.
            batch_data_samples (list[SegDataSample]): Samples with padded
                ``int64`` ``gt_sem_seg``.
            train_cfg (dict, optional): Training config (unused here).

        Returns:
            dict[str, Tensor]: Losses and ``acc_seg``.
        """
        return self.loss_by_feat(self.forward(inputs), batch_data_samples)

    def predict(
        self,
        inputs: Sequence[torch.Tensor],
        batch_img_metas: List[dict],
        test_cfg: Optional[dict],
    ) -> torch.Tensor:
        """Forward, then logits at the input resolution.

        Args:
            inputs (Sequence[Tensor]): Multi-level features.
            batch_img_metas (list[dict]): Metainfo of the samples.
            test_cfg (dict, optional): Testing config (unused here).

        Returns:
            Tensor: Logits ``N×out_channels×H×W``.
        """
        return self.predict_by_feat(self.forward(inputs), batch_img_metas)

    @staticmethod
    def _stack_batch_gt(batch_data_samples: list) -> torch.Tensor:
        """``N×1×H×W`` labels stacked from the samples' ``gt_sem_seg``."""
        return torch.stack(
            [sample.gt_sem_seg.data for sample in batch_data_samples]
        )

    def loss_by_feat(
        self, seg_logits: torch.Tensor, batch_data_samples: list
    ) -> Dict[str, torch.Tensor]:
        """Losses of logits against the samples' labels.

        The logits are resized to the label size; losses that share a
        ``loss_name`` are summed.

        Args:
            seg_logits (Tensor): ``N×out_channels×h×w``.
            batch_data_samples (list[SegDataSample]): Samples with labels.

        Returns:
            dict[str, Tensor]: Losses and ``acc_seg``.
        """
        seg_label = self._stack_batch_gt(batch_data_samples)
        seg_logits = F.interpolate(
            seg_logits,
            size=seg_label.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners,
        )
        seg_weight = (
            None
            if self.sampler is None
            else self.sampler.sample(seg_logits, seg_label)
        )
        losses_decode = (
            self.loss_decode
            if isinstance(self.loss_decode, nn.ModuleList)
            else [self.loss_decode]
        )
        return seg_losses(
            seg_logits,
            seg_label.squeeze(1),
            losses_decode,
            self.ignore_index,
            weight=seg_weight,
        )

    def predict_by_feat(
        self, seg_logits: torch.Tensor, batch_img_metas: List[dict]
    ) -> torch.Tensor:
        """Resize logits to the batch input shape.

        The target is ``pad_shape`` (the padded batch, or the crop of
        sliding-window inference), else ``img_shape``, read from the first
        sample.

        Args:
            seg_logits (Tensor): ``N×out_channels×h×w``.
            batch_img_metas (list[dict]): Metainfo of the samples.

        Returns:
            Tensor: Logits ``N×out_channels×H×W``.
        """
        meta = batch_img_metas[0]
        if 'pad_shape' in meta:
            size = meta['pad_shape'][:2]
        elif meta.get('img_shape') is not None:
            size = meta['img_shape'][:2]
        else:
            raise KeyError(
                'image metainfo has neither "pad_shape" nor "img_shape" to '
                'resize the logits to'
            )
        return F.interpolate(
            seg_logits,
            size=tuple(size),
            mode='bilinear',
            align_corners=self.align_corners,
        )
