# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``RRDBNet``: the ESRGAN generator of "ESRGAN: Enhanced Super-Resolution
Generative Adversarial Networks" (MMagic 1.x name, arguments and
state-dict keys)."""

from typing import Optional

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmflow_ext.registry import MODELS

from ..utils.pretrained import PretrainedInitMixin
from .edsr_net import default_init_weights

__all__ = ['RRDBNet']


class ResidualDenseBlock(nn.Module):
    """Five densely connected 3×3 convolutions, residual scaled by 0.2.

    Args:
        mid_channels (int): Channels of the input and output.
        growth_channels (int): Channels each inner convolution adds.
    """

    def __init__(self, mid_channels: int = 64, growth_channels: int = 32):
        super().__init__()
        for i in range(5):
            self.add_module(
                f'conv{i + 1}',
                nn.Conv2d(
                    mid_channels + i * growth_channels,
                    mid_channels if i == 4 else growth_channels,
                    3,
                    1,
                    1,
                ),
            )
        self.lrelu = nn.LeakyReLU(negative_slope=0.2, inplace=True)
        for i in range(5):
            default_init_weights(getattr(self, f'conv{i + 1}'), 0.1)

    def forward(self, x: Tensor) -> Tensor:
        """The block's output, same shape as ``x``."""
        feats = [x]
        for i in range(1, 5):
            conv = getattr(self, f'conv{i}')
            feats.append(self.lrelu(conv(torch.cat(feats, 1))))
        return self.conv5(torch.cat(feats, 1)) * 0.2 + x


class RRDB(nn.Module):
    """Three :class:`ResidualDenseBlock`, residual scaled by 0.2.

    Args:
        mid_channels (int): Channels.
        growth_channels (int): Growth of the dense blocks.
    """

    def __init__(self, mid_channels: int, growth_channels: int = 32):
        super().__init__()
        self.rdb1 = ResidualDenseBlock(mid_channels, growth_channels)
        self.rdb2 = ResidualDenseBlock(mid_channels, growth_channels)
        self.rdb3 = ResidualDenseBlock(mid_channels, growth_channels)

    def forward(self, x: Tensor) -> Tensor:
        """The block's output, same shape as ``x``."""
        return self.rdb3(self.rdb2(self.rdb1(x))) * 0.2 + x


@MODELS.register_module()
class RRDBNet(PretrainedInitMixin, BaseModule):
    """ESRGAN generator (MMagic 1.x ``RRDBNet`` arguments).

    Always upsamples ×4 by two nearest-neighbour steps; for
    ``upscale_factor`` 2 or 1 the input is first pixel-unshuffled by 2 or
    4 (so its height and width must divide by that).

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        mid_channels (int): Feature channels. Defaults to 64.
        num_blocks (int): RRDB blocks. Defaults to 23.
        growth_channels (int): Growth of the dense blocks. Defaults to 32.
        upscale_factor (int): 1, 2 or 4. Defaults to 4.
        init_cfg (dict, optional): Initialization config.

    Examples:
        >>> net = RRDBNet(3, 3, mid_channels=8, num_blocks=1,
        ...               growth_channels=4, upscale_factor=2)
        >>> net(torch.rand(1, 3, 4, 6)).shape
        torch.Size([1, 3, 8, 12])
    """

    _supported_upscale_factors = [1, 2, 4]

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        mid_channels: int = 64,
        num_blocks: int = 23,
        growth_channels: int = 32,
        upscale_factor: int = 4,
        init_cfg: Optional[dict] = None,
    ):
        super().__init__(init_cfg=init_cfg)
        if upscale_factor not in self._supported_upscale_factors:
            raise ValueError(
                f'Unsupported scale factor {upscale_factor}. Currently '
                f'supported ones are {self._supported_upscale_factors}.'
            )
        self.upscale_factor = upscale_factor
        in_channels = in_channels * (4 // upscale_factor) ** 2
        self.conv_first = nn.Conv2d(in_channels, mid_channels, 3, 1, 1)
        self.body = nn.Sequential(
            *[RRDB(mid_channels, growth_channels) for _ in range(num_blocks)]
        )
        for name in ('conv_body', 'conv_up1', 'conv_up2', 'conv_hr'):
            self.add_module(
                name, nn.Conv2d(mid_channels, mid_channels, 3, 1, 1)
            )
        self.conv_last = nn.Conv2d(mid_channels, out_channels, 3, 1, 1)
        self.lrelu = nn.LeakyReLU(negative_slope=0.2, inplace=True)

    def init_weights(self) -> None:
        """MMagic's scaled He init of the outer convolutions without
        ``init_cfg``; else the ``init_cfg``."""
        if self.init_cfg:
            super().init_weights()
            return
        for name in (
            'conv_first',
            'conv_body',
            'conv_up1',
            'conv_up2',
            'conv_hr',
            'conv_last',
        ):
            default_init_weights(getattr(self, name), 0.1)

    def forward(self, x: Tensor) -> Tensor:
        """Upscale ``x`` (``N×C×h×w``) ``upscale_factor`` times."""
        scale = 4 // self.upscale_factor
        if scale > 1:
            if x.shape[2] % scale or x.shape[3] % scale:
                raise ValueError(
                    f'RRDBNet with upscale_factor={self.upscale_factor} '
                    f'needs height and width divisible by {scale}, got '
                    f'{tuple(x.shape[2:])}'
                )
            x = F.pixel_unshuffle(x, scale)
        feat = self.conv_first(x)
        feat = feat + self.conv_body(self.body(feat))
        for conv in (self.conv_up1, self.conv_up2):
            feat = self.lrelu(
                conv(F.interpolate(feat, scale_factor=2, mode='nearest'))
            )
        return self.conv_last(self.lrelu(self.conv_hr(feat)))
