# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``SegformerHead``: the all-MLP decoder of "SegFormer: Simple and
Efficient Design for Semantic Segmentation with Transformers"
(MMSegmentation 1.x arguments and state-dict keys)."""

from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule

from mmflow_ext.registry import MODELS

from .decode_head import BaseDecodeHead

__all__ = ['SegformerHead']


@MODELS.register_module()
class SegformerHead(BaseDecodeHead):
    """Each input through a 1×1 ConvModule, resized to the first input's
    size, concatenated and fused by a 1×1 ConvModule.

    ``input_transform`` is always ``'multiple_select'``.

    Args:
        interpolate_mode (str): Mode of the resizes. Defaults to
            ``'bilinear'``.
        **kwargs: Arguments of :class:`BaseDecodeHead` (``in_channels``
            and ``in_index`` as sequences).

    Examples:
        >>> head = SegformerHead(in_channels=[2, 4], in_index=[0, 1],
        ...                      channels=3, num_classes=5)
        >>> head([torch.rand(1, 2, 8, 8), torch.rand(1, 4, 4, 4)]).shape
        torch.Size([1, 5, 8, 8])
    """

    def __init__(self, interpolate_mode: str = 'bilinear', **kwargs):
        super().__init__(input_transform='multiple_select', **kwargs)
        self.interpolate_mode = interpolate_mode
        self.convs = nn.ModuleList(
            ConvModule(
                in_channels=channels,
                out_channels=self.channels,
                kernel_size=1,
                stride=1,
                norm_cfg=self.norm_cfg,
                act_cfg=self.act_cfg,
            )
            for channels in self.in_channels
        )
        self.fusion_conv = ConvModule(
            in_channels=self.channels * len(self.in_channels),
            out_channels=self.channels,
            kernel_size=1,
            norm_cfg=self.norm_cfg,
        )

    def forward(self, inputs: Sequence[torch.Tensor]) -> torch.Tensor:
        """Logits ``N×out_channels×h×w`` at the first input's size."""
        inputs = self._transform_inputs(inputs)
        size = inputs[0].shape[2:]
        outs = [
            F.interpolate(
                conv(x),
                size=size,
                mode=self.interpolate_mode,
                align_corners=self.align_corners,
            )
            for conv, x in zip(self.convs, inputs)
        ]
        return self.cls_seg(self.fusion_conv(torch.cat(outs, dim=1)))
