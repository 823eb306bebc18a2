# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``ASPPHead``: atrous spatial pyramid pooling of "Rethinking Atrous
Convolution for Semantic Image Segmentation" (DeepLabV3; MMSegmentation 1.x
arguments and state-dict keys)."""

from typing import List, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule

from mmflow_ext.registry import MODELS

from .decode_head import BaseDecodeHead

__all__ = ['ASPPModule', 'ASPPHead']


class ASPPModule(nn.ModuleList):
    """Parallel ConvModules: 1×1 for dilation 1, else dilated 3×3.

    Args:
        dilations (Sequence[int]): Dilation of each branch.
        in_channels (int): Input channels.
        channels (int): Channels of each branch.
        conv_cfg (dict, optional): Convolution config.
        norm_cfg (dict, optional): Normalization config.
        act_cfg (dict, optional): Activation config.
    """

    def __init__(
        self,
        dilations: Sequence[int],
        in_channels: int,
        channels: int,
        conv_cfg: Optional[dict],
        norm_cfg: Optional[dict],
        act_cfg: Optional[dict],
    ):
        super().__init__()
        self.dilations = dilations
        self.in_channels = in_channels
        self.channels = channels
        self.conv_cfg = conv_cfg
        self.norm_cfg = norm_cfg
        self.act_cfg = act_cfg
        for dilation in dilations:
            self.append(
                ConvModule(
                    in_channels,
                    channels,
                    1 if dilation == 1 else 3,
                    dilation=dilation,
                    padding=0 if dilation == 1 else dilation,
                    conv_cfg=conv_cfg,
                    norm_cfg=norm_cfg,
                    act_cfg=act_cfg,
                )
            )

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        """One ``N×channels×H×W`` map per branch."""
        return [branch(x) for branch in self]


@MODELS.register_module()
class ASPPHead(BaseDecodeHead):
    """ASPP head: global pooling branch plus dilated branches,
    concatenated and fused by a 3×3 ``bottleneck``.

    Args:
        dilations (Sequence[int]): Dilations of the branches. Defaults to
            ``(1, 6, 12, 18)``.
        **kwargs: Arguments of :class:`BaseDecodeHead`.

    Examples:
        >>> head = ASPPHead(in_channels=8, channels=4, num_classes=3,
        ...                 dilations=(1, 2))
        >>> head([torch.rand(2, 8, 6, 6)]).shape
        torch.Size([2, 3, 6, 6])
    """

    def __init__(self, dilations: Sequence[int] = (1, 6, 12, 18), **kwargs):
        super().__init__(**kwargs)
        if not isinstance(dilations, (list, tuple)):
            raise TypeError(
                'dilations must be a list or tuple, got '
                f'{type(dilations).__name__}'
            )
        self.dilations = dilations
        self.image_pool = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            ConvModule(
                self.in_channels,
                self.channels,
                1,
                conv_cfg=self.conv_cfg,
                norm_cfg=self.norm_cfg,
                act_cfg=self.act_cfg,
            ),
        )
        self.aspp_modules = ASPPModule(
            dilations,
            self.in_channels,
            self.channels,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg,
        )
        self.bottleneck = ConvModule(
            (len(dilations) + 1) * self.channels,
            self.channels,
            3,
            padding=1,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg,
        )

    def _aspp(self, x: torch.Tensor) -> torch.Tensor:
        """The fused pyramid ``N×channels×h×w`` of one feature map."""
        pooled = F.interpolate(
            self.image_pool(x),
            size=x.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners,
        )
        return self.bottleneck(
            torch.cat([pooled, *self.aspp_modules(x)], dim=1)
        )

    def _forward_feature(self, inputs: Sequence[torch.Tensor]) -> torch.Tensor:
        """Features ``N×channels×h×w`` before the classifier."""
        return self._aspp(self._transform_inputs(inputs))

    def forward(self, inputs: Sequence[torch.Tensor]) -> torch.Tensor:
        """Logits ``N×out_channels×h×w``."""
        return self.cls_seg(self._forward_feature(inputs))
