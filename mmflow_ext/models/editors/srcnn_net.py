# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``SRCNNNet``: the three-layer super-resolution network of Dong et al."""

from typing import Optional, Sequence

from mmengine.model import BaseModule
from torch import Tensor, nn

from mmflow_ext.registry import MODELS

__all__ = ['SRCNNNet']


@MODELS.register_module()
class SRCNNNet(BaseModule):
    """SRCNN: bicubic upsampling, then patch extraction, non-linear mapping
    and reconstruction convolutions (Dong et al., "Image Super-Resolution
    Using Deep Convolutional Networks", TPAMI 2016).

    Args:
        channels (Sequence[int]): Channels of the input, the two hidden
            layers and the output. Defaults to ``(3, 64, 32, 3)``.
        kernel_sizes (Sequence[int]): Kernel sizes of the three
            convolutions. Defaults to ``(9, 1, 5)``.
        upscale_factor (int): Upsampling factor. Defaults to 4.
        init_cfg (dict, optional): Weight initialization config.

    Examples:
        >>> import torch
        >>> net = SRCNNNet(channels=(3, 8, 4, 3), upscale_factor=2)
        >>> net(torch.zeros(1, 3, 5, 6)).shape
        torch.Size([1, 3, 10, 12])
    """

    def __init__(
        self,
        channels: Sequence[int] = (3, 64, 32, 3),
        kernel_sizes: Sequence[int] = (9, 1, 5),
        upscale_factor: int = 4,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(channels) != 4:
            raise ValueError(
                'channels must have 4 values (input, two hidden, '
                f'output), got {tuple(channels)}'
            )
        if len(kernel_sizes) != 3:
            raise ValueError(
                f'kernel_sizes must have 3 values, got {tuple(kernel_sizes)}'
            )
        self.upscale_factor = upscale_factor
        self.img_upsampler = nn.Upsample(
            scale_factor=upscale_factor, mode='bicubic', align_corners=False
        )
        self.conv1 = nn.Conv2d(
            channels[0],
            channels[1],
            kernel_sizes[0],
            padding=kernel_sizes[0] // 2,
        )
        self.conv2 = nn.Conv2d(
            channels[1],
            channels[2],
            kernel_sizes[1],
            padding=kernel_sizes[1] // 2,
        )
        self.conv3 = nn.Conv2d(
            channels[2],
            channels[3],
            kernel_sizes[2],
            padding=kernel_sizes[2] // 2,
        )
        self.relu = nn.ReLU()

    def forward(self, x: Tensor) -> Tensor:
        """Upscale ``x`` (``N×C×h×w``) to ``N×C'×(h·s)×(w·s)``."""
        x = self.img_upsampler(x)
        out = self.relu(self.conv1(x))
        out = self.relu(self.conv2(out))
        return self.conv3(out)
