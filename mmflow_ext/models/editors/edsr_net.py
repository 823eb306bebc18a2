# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``EDSRNet``: "Enhanced Deep Residual Networks for Single Image
Super-Resolution" (MMagic 1.x name, arguments and state-dict keys)."""

import math
from typing import List, Sequence

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmengine.model.weight_init import constant_init, kaiming_init
from torch import Tensor, nn
from torch.nn.modules.batchnorm import _BatchNorm

from mmflow_ext.registry import MODELS

from ..utils.pretrained import PretrainedInitMixin

__all__ = [
    'EDSRNet',
    'PixelShufflePack',
    'ResidualBlockNoBN',
    'default_init_weights',
]


def default_init_weights(module: nn.Module, scale: float = 1) -> None:
    """He-normal (fan-in) convolutions and linears scaled by ``scale``,
    zero biases, unit batch norms (MMagic's residual-network init).

    Args:
        module (nn.Module): Module whose submodules are initialized.
        scale (float): Factor of the weights. Defaults to 1.
    """
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            kaiming_init(m, a=0, mode='fan_in', bias=0)
            m.weight.data *= scale
        elif isinstance(m, _BatchNorm):
            constant_init(m.weight, val=1, bias=0)


class ResidualBlockNoBN(nn.Module):
    """``x + res_scale * conv2(relu(conv1(x)))`` with 3×3 convolutions.

    Args:
        mid_channels (int): Channels. Defaults to 64.
        res_scale (float): Scale of the residual. Defaults to 1.
    """

    def __init__(self, mid_channels: int = 64, res_scale: float = 1.0):
        super().__init__()
        self.res_scale = res_scale
        self.conv1 = nn.Conv2d(mid_channels, mid_channels, 3, 1, 1)
        self.conv2 = nn.Conv2d(mid_channels, mid_channels, 3, 1, 1)
        self.relu = nn.ReLU(inplace=True)
        if res_scale == 1.0:
            for conv in (self.conv1, self.conv2):
                default_init_weights(conv, 0.1)

    def forward(self, x: Tensor) -> Tensor:
        """The block's output, same shape as ``x``."""
        return x + self.conv2(self.relu(self.conv1(x))) * self.res_scale


class PixelShufflePack(nn.Module):
    """A convolution to ``out_channels * scale_factor²`` channels, then a
    pixel shuffle.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        scale_factor (int): Upsampling factor.
        upsample_kernel (int): Kernel size of the convolution.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        scale_factor: int,
        upsample_kernel: int,
    ):
        super().__init__()
        self.scale_factor = scale_factor
        self.upsample_conv = nn.Conv2d(
            in_channels,
            out_channels * scale_factor**2,
            upsample_kernel,
            padding=(upsample_kernel - 1) // 2,
        )
        default_init_weights(self, 1)

    def forward(self, x: Tensor) -> Tensor:
        """``x`` upsampled ``scale_factor`` times."""
        return F.pixel_shuffle(self.upsample_conv(x), self.scale_factor)


class UpsampleModule(nn.Sequential):
    """×2 pixel-shuffle steps for a power of two, one ×3 step for 3.

    Args:
        scale (int): Upsampling factor.
        mid_channels (int): Channels.
    """

    def __init__(self, scale: int, mid_channels: int):
        if scale >= 1 and scale & (scale - 1) == 0:
            steps: List[nn.Module] = [
                PixelShufflePack(mid_channels, mid_channels, 2, 3)
                for _ in range(int(math.log2(scale)))
            ]
        elif scale == 3:
            steps = [PixelShufflePack(mid_channels, mid_channels, 3, 3)]
        else:
            raise ValueError(
                f'scale {scale} is not supported. Supported scales: 2^n and 3.'
            )
        super().__init__(*steps)


@MODELS.register_module()
class EDSRNet(PretrainedInitMixin, BaseModule):
    """EDSR generator (MMagic 1.x ``EDSRNet`` arguments).

    The input is normalized by ``rgb_mean``/``rgb_std`` (kept as
    non-persistent buffers, so that they follow the device and stay out of
    the state dict, as upstream's), run through a convolution, residual
    blocks and a global skip, upsampled, and de-normalized.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        mid_channels (int): Feature channels. Defaults to 64.
        num_blocks (int): Residual blocks. Defaults to 16.
        upscale_factor (int): 2^n or 3. Defaults to 4.
        res_scale (float): Residual scale of the blocks. Defaults to 1.
        rgb_mean (Sequence[float]): Mean of the normalization.
        rgb_std (Sequence[float]): Std of the normalization.
        init_cfg (dict, optional): Initialization config (e.g.
            ``Pretrained``; not an upstream argument).

    Examples:
        >>> net = EDSRNet(3, 3, mid_channels=8, num_blocks=2,
        ...               upscale_factor=2)
        >>> net(torch.rand(1, 3, 5, 6)).shape
        torch.Size([1, 3, 10, 12])
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        mid_channels: int = 64,
        num_blocks: int = 16,
        upscale_factor: int = 4,
        res_scale: float = 1,
        rgb_mean: Sequence[float] = (0.4488, 0.4371, 0.4040),
        rgb_std: Sequence[float] = (1.0, 1.0, 1.0),
        init_cfg=None,
    ):
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.mid_channels = mid_channels
        self.num_blocks = num_blocks
        self.upscale_factor = upscale_factor
        self.register_buffer(
            'mean', torch.tensor(rgb_mean).view(1, -1, 1, 1), False
        )
        self.register_buffer(
            'std', torch.tensor(rgb_std).view(1, -1, 1, 1), False
        )
        self.conv_first = nn.Conv2d(in_channels, mid_channels, 3, padding=1)
        self.body = nn.Sequential(
            *[
                ResidualBlockNoBN(mid_channels, res_scale)
                for _ in range(num_blocks)
            ]
        )
        self.conv_after_body = nn.Conv2d(mid_channels, mid_channels, 3, 1, 1)
        self.upsample = UpsampleModule(upscale_factor, mid_channels)
        self.conv_last = nn.Conv2d(mid_channels, out_channels, 3, 1, 1)

    def forward(self, x: Tensor) -> Tensor:
        """Upscale ``x`` (``N×C×h×w``) to ``N×C'×(h·s)×(w·s)``."""
        mean, std = self.mean.to(x), self.std.to(x)
        feat = self.conv_first((x - mean) / std)
        feat = self.conv_after_body(self.body(feat)) + feat
        return self.conv_last(self.upsample(feat)) * std + mean
