# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``UPerHead``: the pyramid-pooling FPN head of "Unified Perceptual Parsing
for Scene Understanding" (MMSegmentation 1.x arguments and state-dict
keys)."""

from typing import List, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule

from mmflow_ext.registry import MODELS

from .decode_head import BaseDecodeHead
from .psp_head import PPM

__all__ = ['UPerHead']


@MODELS.register_module()
class UPerHead(BaseDecodeHead):
    """UPerNet head: :class:`PPM` on the deepest input, a top-down FPN over
    the others, all levels upsampled to the finest and fused.

    ``input_transform`` is always ``'multiple_select'``.

    Args:
        pool_scales (Sequence[int]): Pooling scales of the PPM. Defaults
            to ``(1, 2, 3, 6)``.
        **kwargs: Arguments of :class:`BaseDecodeHead` (``in_channels``
            and ``in_index`` as sequences).

    Examples:
        >>> head = UPerHead(in_channels=[2, 4], in_index=[0, 1], channels=3,
        ...                 num_classes=5, pool_scales=(1, 2))
        >>> head([torch.rand(1, 2, 8, 8), torch.rand(1, 4, 4, 4)]).shape
        torch.Size([1, 5, 8, 8])
    """

    def __init__(self, pool_scales: Sequence[int] = (1, 2, 3, 6), **kwargs):
        super().__init__(input_transform='multiple_select', **kwargs)
        conv_args = dict(
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg,
        )
        self.psp_modules = PPM(
            pool_scales,
            self.in_channels[-1],
            self.channels,
            align_corners=self.align_corners,
            **conv_args,
        )
        self.bottleneck = ConvModule(
            self.in_channels[-1] + len(pool_scales) * self.channels,
            self.channels,
            3,
            padding=1,
            **conv_args,
        )
        self.lateral_convs = nn.ModuleList()
        self.fpn_convs = nn.ModuleList()
        for channels in self.in_channels[:-1]:
            self.lateral_convs.append(
                ConvModule(
                    channels, self.channels, 1, inplace=False, **conv_args
                )
            )
            self.fpn_convs.append(
                ConvModule(
                    self.channels,
                    self.channels,
                    3,
                    padding=1,
                    inplace=False,
                    **conv_args,
                )
            )
        self.fpn_bottleneck = ConvModule(
            len(self.in_channels) * self.channels,
            self.channels,
            3,
            padding=1,
            **conv_args,
        )

    def _resize(self, x: torch.Tensor, size) -> torch.Tensor:
        return F.interpolate(
            x, size=size, mode='bilinear', align_corners=self.align_corners
        )

    def psp_forward(self, inputs: List[torch.Tensor]) -> torch.Tensor:
        """PPM and ``bottleneck`` on the deepest input."""
        x = inputs[-1]
        return self.bottleneck(torch.cat([x, *self.psp_modules(x)], dim=1))

    def _forward_feature(self, inputs: Sequence[torch.Tensor]) -> torch.Tensor:
        """Features ``N×channels×h×w`` at the finest level."""
        inputs = self._transform_inputs(inputs)
        laterals = [
            conv(inputs[i]) for i, conv in enumerate(self.lateral_convs)
        ]
        laterals.append(self.psp_forward(inputs))
        for i in range(len(laterals) - 1, 0, -1):
            laterals[i - 1] = laterals[i - 1] + self._resize(
                laterals[i], laterals[i - 1].shape[2:]
            )
        outs = [conv(lat) for conv, lat in zip(self.fpn_convs, laterals)]
        outs.append(laterals[-1])
        size = outs[0].shape[2:]
        outs = [outs[0]] + [self._resize(out, size) for out in outs[1:]]
        return self.fpn_bottleneck(torch.cat(outs, dim=1))

    def forward(self, inputs: Sequence[torch.Tensor]) -> torch.Tensor:
        """Logits ``N×out_channels×h×w``."""
        return self.cls_seg(self._forward_feature(inputs))
