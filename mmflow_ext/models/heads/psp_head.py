# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``PSPHead``: the pyramid pooling head of "Pyramid Scene Parsing
Network" (MMSegmentation 1.x arguments and state-dict keys)."""

from typing import List, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule

from mmflow_ext.registry import MODELS

from .decode_head import BaseDecodeHead

__all__ = ['PPM', 'PSPHead']


class PPM(nn.ModuleList):
    """Pooling pyramid: per scale, adaptive average pooling to
    ``scale×scale``, a 1×1 ConvModule, and bilinear upsampling back.

    Args:
        pool_scales (Sequence[int]): Output sizes of the poolings.
        in_channels (int): Input channels.
        channels (int): Channels of each branch.
        conv_cfg (dict, optional): Convolution config.
        norm_cfg (dict, optional): Normalization config.
        act_cfg (dict, optional): Activation config.
        align_corners (bool): ``align_corners`` of the upsampling.
        **kwargs: Further ConvModule arguments.

    Examples:
        >>> ppm = PPM((1, 2), 4, 3, None, None, dict(type='ReLU'), False)
        >>> [o.shape for o in ppm(torch.rand(1, 4, 5, 5))]
        [torch.Size([1, 3, 5, 5]), torch.Size([1, 3, 5, 5])]
    """

    def __init__(
        self,
        pool_scales: Sequence[int],
        in_channels: int,
        channels: int,
        conv_cfg: Optional[dict],
        norm_cfg: Optional[dict],
        act_cfg: Optional[dict],
        align_corners: bool,
        **kwargs,
    ):
        super().__init__()
        self.pool_scales = pool_scales
        self.align_corners = align_corners
        self.in_channels = in_channels
        self.channels = channels
        for scale in pool_scales:
            self.append(
                nn.Sequential(
                    nn.AdaptiveAvgPool2d(scale),
                    ConvModule(
                        in_channels,
                        channels,
                        1,
                        conv_cfg=conv_cfg,
                        norm_cfg=norm_cfg,
                        act_cfg=act_cfg,
                        **kwargs,
                    ),
                )
            )

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        """One upsampled ``N×channels×H×W`` map per pooling scale."""
        return [
            F.interpolate(
                branch(x),
                size=x.shape[2:],
                mode='bilinear',
                align_corners=self.align_corners,
            )
            for branch in self
        ]


@MODELS.register_module()
class PSPHead(BaseDecodeHead):
    """Pyramid pooling head: the input, concatenated with its
    :class:`PPM` branches, through a 3×3 ``bottleneck``.

    Args:
        pool_scales (Sequence[int]): Pooling scales. Defaults to
            ``(1, 2, 3, 6)``.
        **kwargs: Arguments of :class:`BaseDecodeHead`.

    Examples:
        >>> head = PSPHead(in_channels=8, channels=4, num_classes=3)
        >>> head([torch.rand(2, 8, 6, 6)]).shape
        torch.Size([2, 3, 6, 6])
    """

    def __init__(self, pool_scales: Sequence[int] = (1, 2, 3, 6), **kwargs):
        super().__init__(**kwargs)
        if not isinstance(pool_scales, (list, tuple)):
            raise TypeError(
                'pool_scales must be a list or tuple, got '
                f'{type(pool_scales).__name__}'
            )
        self.pool_scales = pool_scales
        self.psp_modules = PPM(
            pool_scales,
            self.in_channels,
            self.channels,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg,
            align_corners=self.align_corners,
        )
        self.bottleneck = ConvModule(
            self.in_channels + len(pool_scales) * self.channels,
            self.channels,
            3,
            padding=1,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg,
        )

    def _forward_feature(self, inputs: Sequence[torch.Tensor]) -> torch.Tensor:
        """Features ``N×channels×h×w`` before the classifier."""
        x = self._transform_inputs(inputs)
        return self.bottleneck(torch.cat([x, *self.psp_modules(x)], dim=1))

    def forward(self, inputs: Sequence[torch.Tensor]) -> torch.Tensor:
        """Logits ``N×out_channels×h×w``."""
        return self.cls_seg(self._forward_feature(inputs))
