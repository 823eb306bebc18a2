# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``DepthwiseSeparableASPPHead``: the DeepLabV3+ decoder of "Encoder-Decoder
with Atrous Separable Convolution for Semantic Image Segmentation"
(MMSegmentation 1.x arguments and state-dict keys)."""

from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule, DepthwiseSeparableConvModule

from mmflow_ext.registry import MODELS

from .aspp_head import ASPPHead, ASPPModule

__all__ = ['DepthwiseSeparableASPPModule', 'DepthwiseSeparableASPPHead']


class DepthwiseSeparableASPPModule(ASPPModule):
    """:class:`ASPPModule` whose dilated branches are depthwise-separable
    convolutions (arguments as :class:`ASPPModule`, by keyword)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        for i, dilation in enumerate(self.dilations):
            if dilation > 1:
                self[i] = DepthwiseSeparableConvModule(
                    self.in_channels,
                    self.channels,
                    3,
                    dilation=dilation,
                    padding=dilation,
                    norm_cfg=self.norm_cfg,
                    act_cfg=self.act_cfg,
                )


@MODELS.register_module()
class DepthwiseSeparableASPPHead(ASPPHead):
    """DeepLabV3+ head: separable ASPP on the selected (deep) input, then,
    with ``c1_in_channels > 0``, upsampling to ``inputs[0]`` and fusion with
    its 1×1 projection (``c1_bottleneck``), and two separable 3×3 convs.

    Args:
        c1_in_channels (int): Channels of ``inputs[0]``; 0 for no
            low-level fusion.
        c1_channels (int): Channels of the low-level projection.
        **kwargs: Arguments of :class:`ASPPHead`.

    Examples:
        >>> head = DepthwiseSeparableASPPHead(
        ...     in_channels=8, channels=4, num_classes=3, dilations=(1, 2),
        ...     c1_in_channels=2, c1_channels=2)
        >>> feats = [torch.rand(1, 2, 12, 12), torch.rand(1, 8, 3, 3)]
        >>> head(feats).shape
        torch.Size([1, 3, 12, 12])
    """

    def __init__(self, c1_in_channels: int, c1_channels: int, **kwargs):
        super().__init__(**kwargs)
        if c1_in_channels < 0:
            raise ValueError(
                f'c1_in_channels must be >= 0, got {c1_in_channels}'
            )
        self.aspp_modules = DepthwiseSeparableASPPModule(
            dilations=self.dilations,
            in_channels=self.in_channels,
            channels=self.channels,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg,
        )
        self.c1_bottleneck = None
        if c1_in_channels > 0:
            self.c1_bottleneck = ConvModule(
                c1_in_channels,
                c1_channels,
                1,
                conv_cfg=self.conv_cfg,
                norm_cfg=self.norm_cfg,
                act_cfg=self.act_cfg,
            )
        sep_args = dict(
            kernel_size=3,
            padding=1,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg,
        )
        self.sep_bottleneck = nn.Sequential(
            DepthwiseSeparableConvModule(
                self.channels + c1_channels, self.channels, **sep_args
            ),
            DepthwiseSeparableConvModule(
                self.channels, self.channels, **sep_args
            ),
        )

    def forward(self, inputs: Sequence[torch.Tensor]) -> torch.Tensor:
        """Logits ``N×out_channels×h×w`` (at ``inputs[0]``'s size with
        low-level fusion)."""
        out = self._aspp(self._transform_inputs(inputs))
        if self.c1_bottleneck is not None:
            low = self.c1_bottleneck(inputs[0])
            out = F.interpolate(
                out,
                size=low.shape[2:],
                mode='bilinear',
                align_corners=self.align_corners,
            )
            out = torch.cat([out, low], dim=1)
        return self.cls_seg(self.sep_bottleneck(out))
