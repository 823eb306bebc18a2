# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``RecurrentVSRNet``: a small bidirectional recurrent video
super-resolution network (BasicVSR's propagation, without optical flow)."""

from typing import List, Optional

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmflow_ext.registry import MODELS

__all__ = ['RecurrentVSRNet']


class _ResidualBlock(nn.Module):
    """``x + conv(relu(conv(x)))`` at constant width."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.conv2(F.relu(self.conv1(x)))


def _propagation(mid_channels: int, num_blocks: int) -> nn.Sequential:
    """Fuse a frame's features with the hidden state of its neighbour."""
    return nn.Sequential(
        nn.Conv2d(2 * mid_channels, mid_channels, 3, padding=1),
        nn.LeakyReLU(0.1),
        *(_ResidualBlock(mid_channels) for _ in range(num_blocks)),
    )


@MODELS.register_module()
class RecurrentVSRNet(BaseModule):
    """Bidirectional recurrent video super-resolution.

    As in BasicVSR (Chan et al., CVPR 2021), every frame's features are
    propagated backward then forward through the clip, each step fusing
    the current frame with the hidden state of the previous one; the two
    directions are fused per frame, upsampled by a pixel shuffle and added
    to the bicubic upsampling of the frame. Unlike BasicVSR, the hidden
    state is not warped by optical flow: the convolutions' receptive field
    absorbs small motion, which keeps the network CPU-sized.

    The last convolution starts at zero, so an untrained network outputs the
    bicubic upsampling.

    Args:
        in_channels (int): Channels of a frame. Defaults to 3.
        mid_channels (int): Feature channels. Defaults to 32.
        num_blocks (int): Residual blocks per propagation step. Defaults
            to 2.
        upscale_factor (int): Upsampling factor (1 restores frames at
            their size). Defaults to 4.
        init_cfg (dict, optional): Weight initialization config.

    Examples:
        >>> net = RecurrentVSRNet(mid_channels=4, num_blocks=1,
        ...                       upscale_factor=2)
        >>> clip = torch.rand(2, 3, 3, 5, 6)
        >>> net(clip).shape
        torch.Size([2, 3, 3, 10, 12])
        >>> torch.allclose(net(clip[:, 0]), net(clip[:, :1])[:, 0])
        True
    """

    def __init__(
        self,
        in_channels: int = 3,
        mid_channels: int = 32,
        num_blocks: int = 2,
        upscale_factor: int = 4,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        if upscale_factor < 1:
            raise ValueError(
                f'upscale_factor must be >= 1, got {upscale_factor}'
            )
        self.mid_channels = mid_channels
        self.upscale_factor = upscale_factor
        self.feat_extract = nn.Sequential(
            nn.Conv2d(in_channels, mid_channels, 3, padding=1),
            nn.LeakyReLU(0.1),
        )
        self.backward_branch = _propagation(mid_channels, num_blocks)
        self.forward_branch = _propagation(mid_channels, num_blocks)
        self.fusion = nn.Sequential(
            nn.Conv2d(2 * mid_channels, mid_channels, 1),
            nn.LeakyReLU(0.1),
        )
        self.upsample = nn.Sequential(
            nn.Conv2d(
                mid_channels, in_channels * upscale_factor**2, 3, padding=1
            ),
            nn.PixelShuffle(upscale_factor),
        )
        nn.init.zeros_(self.upsample[0].weight)
        nn.init.zeros_(self.upsample[0].bias)

    def _base(self, frame: Tensor) -> Tensor:
        if self.upscale_factor == 1:
            return frame
        return F.interpolate(
            frame,
            scale_factor=self.upscale_factor,
            mode='bicubic',
            align_corners=False,
        )

    def forward(self, x: Tensor) -> Tensor:
        """Restore a clip.

        Args:
            x (Tensor): ``(N, T, C, h, w)`` clips, or ``(N, C, h, w)``
                images (one-frame clips).

        Returns:
            Tensor: ``(N, T, C, h·s, w·s)`` (``(N, C, h·s, w·s)`` for
            images), ``s`` being ``upscale_factor``.
        """
        if x.ndim == 4:
            return self.forward(x[:, None])[:, 0]
        if x.ndim != 5:
            raise ValueError(
                'RecurrentVSRNet takes (N, T, C, H, W) clips or (N, C, H, W) '
                f'images, got shape {tuple(x.shape)}'
            )
        n, t, c, h, w = x.shape
        feats = self.feat_extract(x.reshape(n * t, c, h, w))
        feats = feats.view(n, t, self.mid_channels, h, w)

        hidden = feats.new_zeros(n, self.mid_channels, h, w)
        backward: List[Tensor] = [hidden] * t
        for i in range(t - 1, -1, -1):
            hidden = self.backward_branch(torch.cat([feats[:, i], hidden], 1))
            backward[i] = hidden

        hidden = feats.new_zeros(n, self.mid_channels, h, w)
        outputs = []
        for i in range(t):
            hidden = self.forward_branch(torch.cat([feats[:, i], hidden], 1))
            fused = self.fusion(torch.cat([hidden, backward[i]], 1))
            outputs.append(self.upsample(fused) + self._base(x[:, i]))
        return torch.stack(outputs, dim=1)
