# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``FCNHead``: convolutions, an optional input shortcut, a 1×1 classifier
(the head of "Fully Convolutional Networks for Semantic Segmentation")."""

from typing import Sequence

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule

from mmflow_ext.registry import MODELS

from .decode_head import BaseDecodeHead

__all__ = ['FCNHead']


@MODELS.register_module()
class FCNHead(BaseDecodeHead):
    """FCN decode head (MMSegmentation 1.x ``FCNHead`` arguments).

    Args:
        num_convs (int): Convolutions before the classifier (0 needs
            ``in_channels == channels``). Defaults to 2.
        kernel_size (int): Kernel size of the convolutions. Defaults to 3.
        concat_input (bool): Concatenate the input with the convolved
            features and fuse them with one more convolution.
            Defaults to True.
        dilation (int): Dilation of the convolutions. Defaults to 1.
        **kwargs: Arguments of :class:`BaseDecodeHead`.

    Examples:
        >>> head = FCNHead(in_channels=8, channels=4, num_classes=3)
        >>> feats = [torch.rand(2, 8, 5, 6)]
        >>> head(feats).shape
        torch.Size([2, 3, 5, 6])
    """

    def __init__(
        self,
        num_convs: int = 2,
        kernel_size: int = 3,
        concat_input: bool = True,
        dilation: int = 1,
        **kwargs,
    ):
        if num_convs < 0:
            raise ValueError(f'num_convs must be >= 0, got {num_convs}')
        if not isinstance(dilation, int) or dilation < 1:
            raise ValueError(
                f'dilation must be a positive int, got {dilation!r}'
            )
        self.num_convs = num_convs
        self.concat_input = concat_input
        self.kernel_size = kernel_size
        super().__init__(**kwargs)
        if num_convs == 0 and self.in_channels != self.channels:
            raise ValueError(
                'num_convs=0 needs in_channels == channels, got '
                f'{self.in_channels} and {self.channels}'
            )
        conv_args = dict(
            kernel_size=kernel_size,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg,
        )
        convs = [
            ConvModule(
                self.in_channels if i == 0 else self.channels,
                self.channels,
                padding=(kernel_size // 2) * dilation,
                dilation=dilation,
                **conv_args,
            )
            for i in range(num_convs)
        ]
        self.convs = nn.Sequential(*convs) if convs else nn.Identity()
        if concat_input:
            self.conv_cat = ConvModule(
                self.in_channels + self.channels,
                self.channels,
                padding=kernel_size // 2,
                **conv_args,
            )

    def _forward_feature(self, inputs: Sequence[torch.Tensor]) -> torch.Tensor:
        """Features before the classifier.

        Args:
            inputs (Sequence[Tensor]): Multi-level features.

        Returns:
            Tensor: ``N×channels×h×w``.
        """
        x = self._transform_inputs(inputs)
        feats = self.convs(x)
        if self.concat_input:
            feats = self.conv_cat(torch.cat([x, feats], dim=1))
        return feats

    def forward(self, inputs: Sequence[torch.Tensor]) -> torch.Tensor:
        """Logits ``N×out_channels×h×w`` of the selected input."""
        return self.cls_seg(self._forward_feature(inputs))
