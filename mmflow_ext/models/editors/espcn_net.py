# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``ESPCNNet``: sub-pixel convolution super-resolution network."""

from typing import Optional

import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmflow_ext.registry import MODELS

__all__ = ['ESPCNNet']


@MODELS.register_module()
class ESPCNNet(BaseModule):
    """ESPCN (Shi et al., "Real-Time Single Image and Video Super-Resolution
    Using an Efficient Sub-Pixel Convolutional Neural Network", CVPR 2016):
    every convolution runs at the low resolution and a pixel shuffle
    upsamples at the end, so it costs about ``upscale_factor²`` times less
    than SRCNN.

    With ``residual=True`` the network predicts the difference to the
    bicubic upsampling of its input, which it adds back.

    Args:
        in_channels (int): Input channels. Defaults to 3.
        out_channels (int): Output channels. Defaults to 3.
        mid_channels (int): Channels of the first hidden layer (the second
            has half). Defaults to 64.
        upscale_factor (int): Upsampling factor. Defaults to 4.
        residual (bool): Add the bicubic upsampling. Defaults to True.
        init_cfg (dict, optional): Weight initialization config.

    Examples:
        >>> import torch
        >>> net = ESPCNNet(mid_channels=8, upscale_factor=2)
        >>> net(torch.zeros(1, 3, 5, 6)).shape
        torch.Size([1, 3, 10, 12])
    """

    def __init__(
        self,
        in_channels: int = 3,
        out_channels: int = 3,
        mid_channels: int = 64,
        upscale_factor: int = 4,
        residual: bool = True,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        if in_channels != out_channels and residual:
            raise ValueError(
                'residual=True needs in_channels == '
                f'out_channels, got {in_channels} and '
                f'{out_channels}'
            )
        self.upscale_factor = upscale_factor
        self.residual = residual
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, mid_channels, 5, padding=2),
            nn.ReLU(),
            nn.Conv2d(mid_channels, mid_channels // 2, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(
                mid_channels // 2,
                out_channels * upscale_factor**2,
                3,
                padding=1,
            ),
            nn.PixelShuffle(upscale_factor),
        )

    def forward(self, x: Tensor) -> Tensor:
        """Upscale ``x`` (``N×C×h×w``) to ``N×C'×(h·s)×(w·s)``."""
        out = self.body(x)
        if self.residual:
            out = out + F.interpolate(
                x,
                scale_factor=self.upscale_factor,
                mode='bicubic',
                align_corners=False,
            )
        return out
