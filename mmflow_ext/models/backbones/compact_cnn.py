# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``CompactCNN``: a small conv-norm-activation backbone that trains on a
CPU in minutes."""

from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule

from mmflow_ext.registry import MODELS

__all__ = ['CompactCNN']


def _per_stage(
    value: Union[int, Sequence[int]], num_stages: int, name: str
) -> List[int]:
    if isinstance(value, int):
        return [value] * num_stages
    if len(value) != num_stages:
        raise ValueError(
            f'{name} needs one value per stage ({num_stages}), got '
            f'{list(value)}'
        )
    return list(value)


@MODELS.register_module()
class CompactCNN(BaseModule):
    """A stem and stages of 3×3 conv-norm-activation layers.

    The stem halves the resolution (``resnet_stem=True``: a 7×7 stride-2
    convolution and a 3×3 stride-2 max-pool, like ResNet, quartering it).
    Stage ``i`` starts with a convolution of stride ``strides[i]`` and
    dilation ``dilations[i]`` and has ``num_convs[i]`` convolutions in all.

    Args:
        in_channels (int): Image channels. Defaults to 3.
        stem_channels (int): Stem output channels. Defaults to 16.
        channels (Sequence[int]): Output channels of each stage.
            Defaults to (16, 32, 64).
        strides (Sequence[int]): First-convolution stride of each stage.
            Defaults to (1, 2, 2).
        dilations (Sequence[int]): Dilation of each stage. Defaults to 1.
        num_convs (int | Sequence[int]): Convolutions per stage.
            Defaults to 2.
        out_indices (Sequence[int]): Stages whose outputs are returned.
            Defaults to (0, 1, 2).
        resnet_stem (bool): Use the ResNet stem. Defaults to False.
        norm_cfg (dict): Normalization config. Defaults to BN.
        act_cfg (dict): Activation config. Defaults to ReLU.
        norm_eval (bool): Keep normalization layers in eval mode while
            training (frozen statistics). Defaults to False.
        init_cfg (dict | list[dict], optional): Initialization config.

    Examples:
        >>> net = CompactCNN(channels=(8, 16), strides=(1, 2),
        ...                  out_indices=(0, 1))
        >>> [tuple(f.shape) for f in net(torch.rand(1, 3, 32, 48))]
        [(1, 8, 16, 24), (1, 16, 8, 12)]
    """

    def __init__(
        self,
        in_channels: int = 3,
        stem_channels: int = 16,
        channels: Sequence[int] = (16, 32, 64),
        strides: Sequence[int] = (1, 2, 2),
        dilations: Union[int, Sequence[int]] = 1,
        num_convs: Union[int, Sequence[int]] = 2,
        out_indices: Sequence[int] = (0, 1, 2),
        resnet_stem: bool = False,
        norm_cfg: Optional[dict] = dict(type='BN'),
        act_cfg: Optional[dict] = dict(type='ReLU'),
        norm_eval: bool = False,
        init_cfg: Optional[Union[dict, List[dict]]] = None,
    ):
        super().__init__(init_cfg)
        num_stages = len(channels)
        strides = _per_stage(strides, num_stages, 'strides')
        dilations = _per_stage(dilations, num_stages, 'dilations')
        num_convs = _per_stage(num_convs, num_stages, 'num_convs')
        if any(n < 1 for n in num_convs):
            raise ValueError(f'num_convs must be >= 1, got {num_convs}')
        bad = [i for i in out_indices if not -num_stages <= i < num_stages]
        if bad:
            raise ValueError(
                f'out_indices {bad} out of range for {num_stages} stages'
            )
        self.out_indices = tuple(i % num_stages for i in out_indices)
        self.norm_eval = norm_eval
        conv_args = dict(norm_cfg=norm_cfg, act_cfg=act_cfg)
        if resnet_stem:
            self.stem = nn.Sequential(
                ConvModule(
                    in_channels,
                    stem_channels,
                    7,
                    stride=2,
                    padding=3,
                    **conv_args,
                ),
                nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
            )
        else:
            self.stem = ConvModule(
                in_channels, stem_channels, 3, stride=2, padding=1, **conv_args
            )
        self.stages = nn.ModuleList()
        prev = stem_channels
        for out, stride, dilation, n in zip(
            channels, strides, dilations, num_convs
        ):
            layers = [
                ConvModule(
                    prev if j == 0 else out,
                    out,
                    3,
                    stride=stride if j == 0 else 1,
                    padding=dilation,
                    dilation=dilation,
                    **conv_args,
                )
                for j in range(n)
            ]
            self.stages.append(nn.Sequential(*layers))
            prev = out

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Features of the stages in ``out_indices``.

        Args:
            x (Tensor): Images ``N×C×H×W``.

        Returns:
            tuple[Tensor]: One feature map per index of ``out_indices``.
        """
        x = self.stem(x)
        outs = []
        for stage in self.stages:
            x = stage(x)
            outs.append(x)
        return tuple(outs[i] for i in self.out_indices)

    def train(self, mode: bool = True) -> 'CompactCNN':
        """Switch mode; with ``norm_eval`` norm layers stay in eval mode."""
        super().train(mode)
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, nn.modules.batchnorm._BatchNorm):
                    module.eval()
        return self
