# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``NAFNet``: "Simple Baselines for Image Restoration" (MMagic 1.x name,
arguments and state-dict keys).

A U-Net of NAFBlocks: channel layer norms, a depthwise convolution, a
*simple gate* (the product of the two channel halves) instead of
activations, and simplified channel attention.
"""

from typing import Sequence

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmflow_ext.registry import MODELS

from ..utils.pretrained import PretrainedInitMixin

__all__ = ['LayerNorm2d', 'NAFBlock', 'NAFNet', 'SimpleGate']


class LayerNorm2d(nn.Module):
    """Layer norm over the channels of an ``N×C×H×W`` map, per pixel.

    Computed with plain tensor operations, so that autograd derives the
    backward pass (MMagic's custom autograd function uses
    ``ctx.saved_variables``, which torch 2 no longer has).

    Args:
        channels (int): Channels.
        eps (float): Added to the variance. Defaults to 1e-6.

    Examples:
        >>> norm = LayerNorm2d(2)
        >>> norm(torch.tensor([[[[1.]], [[3.]]]])).flatten().tolist()
        [-0.99999..., 0.99999...]
    """

    def __init__(self, channels: int, eps: float = 1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.eps = eps

    def forward(self, x: Tensor) -> Tensor:
        """The normalized, affinely transformed map."""
        channels = x.shape[1]
        mean = x.mean(1, keepdim=True)
        var = (x - mean).pow(2).mean(1, keepdim=True)
        y = (x - mean) / (var + self.eps).sqrt()
        return self.weight.view(1, channels, 1, 1) * y + self.bias.view(
            1, channels, 1, 1
        )


class SimpleGate(nn.Module):
    """The product of the two channel halves of a map."""

    def forward(self, x: Tensor) -> Tensor:
        """``N×C/2×H×W`` product."""
        first, second = x.chunk(2, dim=1)
        return first * second


class NAFBlock(BaseModule):
    """NAFNet's block: a gated depthwise branch with channel attention and
    a gated feed-forward branch, each residual with a learned scale
    (``beta``, ``gamma``, zero at start).

    Args:
        in_channels (int): Channels.
        DW_Expand (int): Expansion of the depthwise branch. Defaults to 2.
        FFN_Expand (int): Expansion of the feed-forward branch.
            Defaults to 2.
        drop_out_rate (float): Dropout of both branches. Defaults to 0.
    """

    def __init__(
        self,
        in_channels: int,
        DW_Expand: int = 2,
        FFN_Expand: int = 2,
        drop_out_rate: float = 0.0,
    ):
        super().__init__()
        dw_channel = in_channels * DW_Expand
        ffn_channel = in_channels * FFN_Expand
        self.conv1 = nn.Conv2d(in_channels, dw_channel, 1)
        self.conv2 = nn.Conv2d(
            dw_channel, dw_channel, 3, padding=1, groups=dw_channel
        )
        self.sca = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(dw_channel // 2, dw_channel // 2, 1),
        )
        self.conv3 = nn.Conv2d(dw_channel // 2, in_channels, 1)
        self.conv4 = nn.Conv2d(in_channels, ffn_channel, 1)
        self.conv5 = nn.Conv2d(ffn_channel // 2, in_channels, 1)
        self.sg = SimpleGate()
        self.norm1 = LayerNorm2d(in_channels)
        self.norm2 = LayerNorm2d(in_channels)
        self.dropout1 = (
            nn.Dropout(drop_out_rate) if drop_out_rate > 0 else nn.Identity()
        )
        self.dropout2 = (
            nn.Dropout(drop_out_rate) if drop_out_rate > 0 else nn.Identity()
        )
        self.beta = nn.Parameter(torch.zeros((1, in_channels, 1, 1)))
        self.gamma = nn.Parameter(torch.zeros((1, in_channels, 1, 1)))

    def forward(self, inp: Tensor) -> Tensor:
        """The block's output, same shape as ``inp``."""
        x = self.sg(self.conv2(self.conv1(self.norm1(inp))))
        x = self.dropout1(self.conv3(x * self.sca(x)))
        y = inp + x * self.beta
        x = self.conv5(self.sg(self.conv4(self.norm2(y))))
        return y + self.dropout2(x) * self.gamma


@MODELS.register_module()
class NAFNet(PretrainedInitMixin, BaseModule):
    """NAFNet (MMagic 1.x ``NAFNet`` arguments).

    The input is zero-padded at the bottom and right to a multiple of
    ``2 ** len(enc_blk_nums)``; the output (input plus the predicted
    residual) is cropped back.

    Args:
        img_channels (int): Image channels. Defaults to 3.
        mid_channels (int): Channels of the first level. Defaults to 16.
        middle_blk_num (int): Blocks at the lowest level. Defaults to 1.
        enc_blk_nums (Sequence[int]): Blocks per encoder level.
        dec_blk_nums (Sequence[int]): Blocks per decoder level.
        init_cfg (dict, optional): Initialization config (e.g.
            ``Pretrained``; not an upstream argument).

    Examples:
        >>> net = NAFNet(mid_channels=4, enc_blk_nums=[1], dec_blk_nums=[1])
        >>> net(torch.rand(1, 3, 5, 7)).shape
        torch.Size([1, 3, 5, 7])
    """

    def __init__(
        self,
        img_channels: int = 3,
        mid_channels: int = 16,
        middle_blk_num: int = 1,
        enc_blk_nums: Sequence[int] = (),
        dec_blk_nums: Sequence[int] = (),
        init_cfg=None,
    ):
        super().__init__(init_cfg=init_cfg)
        if len(enc_blk_nums) != len(dec_blk_nums):
            raise ValueError(
                f'enc_blk_nums {list(enc_blk_nums)} and dec_blk_nums '
                f'{list(dec_blk_nums)} need the same number of levels'
            )
        self.intro = nn.Conv2d(img_channels, mid_channels, 3, padding=1)
        self.ending = nn.Conv2d(mid_channels, img_channels, 3, padding=1)
        self.encoders = nn.ModuleList()
        self.decoders = nn.ModuleList()
        # placeholder: keeps upstream's module (and parameter) order
        self.middle_blks = nn.Sequential()
        self.ups = nn.ModuleList()
        self.downs = nn.ModuleList()
        chan = mid_channels
        for num in enc_blk_nums:
            self.encoders.append(
                nn.Sequential(*[NAFBlock(chan) for _ in range(num)])
            )
            self.downs.append(nn.Conv2d(chan, 2 * chan, 2, 2))
            chan *= 2
        self.middle_blks = nn.Sequential(
            *[NAFBlock(chan) for _ in range(middle_blk_num)]
        )
        for num in dec_blk_nums:
            self.ups.append(
                nn.Sequential(
                    nn.Conv2d(chan, chan * 2, 1, bias=False),
                    nn.PixelShuffle(2),
                )
            )
            chan //= 2
            self.decoders.append(
                nn.Sequential(*[NAFBlock(chan) for _ in range(num)])
            )
        self.padder_size = 2 ** len(self.encoders)

    def check_image_size(self, x: Tensor) -> Tensor:
        """``x`` zero-padded to a multiple of ``padder_size``."""
        height, width = x.shape[2:]
        pad_h = -height % self.padder_size
        pad_w = -width % self.padder_size
        return F.pad(x, (0, pad_w, 0, pad_h))

    def forward(self, inp: Tensor) -> Tensor:
        """The restored ``N×C×H×W`` image."""
        height, width = inp.shape[2:]
        inp = self.check_image_size(inp)
        x = self.intro(inp)
        skips = []
        for encoder, down in zip(self.encoders, self.downs):
            x = encoder(x)
            skips.append(x)
            x = down(x)
        x = self.middle_blks(x)
        for decoder, up, skip in zip(self.decoders, self.ups, skips[::-1]):
            x = decoder(up(x) + skip)
        out = self.ending(x) + inp
        return out[:, :, :height, :width]
