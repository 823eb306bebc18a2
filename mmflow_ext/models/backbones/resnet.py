# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``ResNet``, ``ResNetV1c`` and ``ResNetV1d`` (MMSegmentation 1.x names,
arguments and state-dict keys), on ``mmcv.cnn`` builders.

V1c replaces the 7×7 stem by three 3×3 convolutions (``deep_stem``); V1d
also downsamples the shortcuts with an average pool (``avg_down``), as in
"Bag of Tricks for Image Classification with Convolutional Neural
Networks". Dilated variants (``dilations``/``strides``, e.g. the ``-d8``
configs) keep the resolution of the last stages.
"""

from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.utils.checkpoint as cp
from mmcv.cnn import build_conv_layer, build_norm_layer
from mmengine.model import BaseModule, Sequential
from torch.nn.modules.batchnorm import _BatchNorm

from mmflow_ext.registry import MODELS

from ..utils.pretrained import PretrainedInitMixin, pretrained_init_cfg

__all__ = [
    'BasicBlock',
    'Bottleneck',
    'ResLayer',
    'ResNet',
    'ResNetV1c',
    'ResNetV1d',
]


def _unsupported(name: str, value) -> None:
    if value is not None:
        raise NotImplementedError(
            f'ResNet: {name}={value!r} needs compiled mmcv ops or plugins, '
            'which mmflow_ext does not provide; leave it None'
        )


class _Block(BaseModule):
    """Shared parts of the residual blocks: named norms, shortcut, ReLU."""

    expansion = 1

    def _add_norm(self, index: int, channels: int, norm_cfg: dict) -> None:
        name, norm = build_norm_layer(norm_cfg, channels, postfix=index)
        setattr(self, f'norm{index}_name', name)
        self.add_module(name, norm)

    @property
    def norm1(self) -> nn.Module:
        """The first normalization layer."""
        return getattr(self, self.norm1_name)

    @property
    def norm2(self) -> nn.Module:
        """The second normalization layer."""
        return getattr(self, self.norm2_name)

    def _residual(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``relu(residual(x) + shortcut(x))``."""

        def inner(x: torch.Tensor) -> torch.Tensor:
            shortcut = x if self.downsample is None else self.downsample(x)
            return self._residual(x) + shortcut

        if self.with_cp and x.requires_grad:
            out = cp.checkpoint(inner, x, use_reentrant=False)
        else:
            out = inner(x)
        return self.relu(out)


class BasicBlock(_Block):
    """Two 3×3 convolutions (ResNet-18/34).

    Args:
        inplanes (int): Input channels.
        planes (int): Output channels.
        stride (int): Stride of the first convolution.
        dilation (int): Dilation of the convolutions.
        downsample (nn.Module, optional): Shortcut projection.
        style (str): Unused here (kept for the block interface).
        with_cp (bool): Gradient checkpointing.
        conv_cfg (dict, optional): Convolution config.
        norm_cfg (dict): Normalization config.
        dcn (dict, optional): Not supported (must be None).
        plugins (list, optional): Not supported (must be None).
        init_cfg (dict, optional): Initialization config.
    """

    expansion = 1

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        dilation: int = 1,
        downsample: Optional[nn.Module] = None,
        style: str = 'pytorch',
        with_cp: bool = False,
        conv_cfg: Optional[dict] = None,
        norm_cfg: dict = dict(type='BN'),
        dcn: Optional[dict] = None,
        plugins: Optional[list] = None,
        init_cfg: Optional[dict] = None,
    ):
        super().__init__(init_cfg)
        _unsupported('dcn', dcn)
        _unsupported('plugins', plugins or None)
        self.conv1 = build_conv_layer(
            conv_cfg,
            inplanes,
            planes,
            3,
            stride=stride,
            padding=dilation,
            dilation=dilation,
            bias=False,
        )
        self._add_norm(1, planes, norm_cfg)
        self.conv2 = build_conv_layer(
            conv_cfg, planes, planes, 3, padding=1, bias=False
        )
        self._add_norm(2, planes, norm_cfg)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride
        self.dilation = dilation
        self.with_cp = with_cp

    def _residual(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.norm1(self.conv1(x)))
        return self.norm2(self.conv2(out))


class Bottleneck(_Block):
    """1×1, 3×3, 1×1 convolutions with 4× expansion (ResNet-50/101/152).

    ``style='pytorch'`` strides the 3×3 convolution, ``'caffe'`` the first
    1×1 one. Arguments as :class:`BasicBlock`.
    """

    expansion = 4

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        dilation: int = 1,
        downsample: Optional[nn.Module] = None,
        style: str = 'pytorch',
        with_cp: bool = False,
        conv_cfg: Optional[dict] = None,
        norm_cfg: dict = dict(type='BN'),
        dcn: Optional[dict] = None,
        plugins: Optional[list] = None,
        init_cfg: Optional[dict] = None,
    ):
        super().__init__(init_cfg)
        if style not in ('pytorch', 'caffe'):
            raise ValueError(
                f'style must be "pytorch" or "caffe", got {style!r}'
            )
        _unsupported('dcn', dcn)
        _unsupported('plugins', plugins or None)
        self.conv1_stride, self.conv2_stride = (
            (1, stride) if style == 'pytorch' else (stride, 1)
        )
        width = planes * self.expansion
        self.conv1 = build_conv_layer(
            conv_cfg, inplanes, planes, 1, stride=self.conv1_stride, bias=False
        )
        self._add_norm(1, planes, norm_cfg)
        self.conv2 = build_conv_layer(
            conv_cfg,
            planes,
            planes,
            3,
            stride=self.conv2_stride,
            padding=dilation,
            dilation=dilation,
            bias=False,
        )
        self._add_norm(2, planes, norm_cfg)
        self.conv3 = build_conv_layer(conv_cfg, planes, width, 1, bias=False)
        self._add_norm(3, width, norm_cfg)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride
        self.dilation = dilation
        self.style = style
        self.with_cp = with_cp

    @property
    def norm3(self) -> nn.Module:
        """The third normalization layer."""
        return getattr(self, self.norm3_name)

    def _residual(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.norm1(self.conv1(x)))
        out = self.relu(self.norm2(self.conv2(out)))
        return self.norm3(self.conv3(out))


class ResLayer(Sequential):
    """One stage: ``num_blocks`` blocks, the first with the stride and the
    shortcut projection.

    Args:
        block (type): :class:`BasicBlock` or :class:`Bottleneck`.
        inplanes (int): Input channels.
        planes (int): Channels of the blocks (times ``block.expansion`` at
            the output).
        num_blocks (int): Number of blocks.
        stride (int): Stride of the first block.
        dilation (int): Dilation of the blocks.
        avg_down (bool): Average-pool, then 1×1 convolve the shortcut
            (instead of a strided 1×1 convolution).
        conv_cfg (dict, optional): Convolution config.
        norm_cfg (dict): Normalization config.
        multi_grid (Sequence[int], optional): Per-block dilations.
        contract_dilation (bool): Halve the first block's dilation when it
            is above 1.
        **kwargs: Further block arguments (``style``, ``with_cp``, ...).
    """

    def __init__(
        self,
        block: type,
        inplanes: int,
        planes: int,
        num_blocks: int,
        stride: int = 1,
        dilation: int = 1,
        avg_down: bool = False,
        conv_cfg: Optional[dict] = None,
        norm_cfg: dict = dict(type='BN'),
        multi_grid: Optional[Sequence[int]] = None,
        contract_dilation: bool = False,
        **kwargs,
    ):
        self.block = block
        width = planes * block.expansion
        downsample = None
        if stride != 1 or inplanes != width:
            layers: List[nn.Module] = []
            if avg_down:
                layers.append(
                    nn.AvgPool2d(
                        kernel_size=stride,
                        stride=stride,
                        ceil_mode=True,
                        count_include_pad=False,
                    )
                )
            layers.append(
                build_conv_layer(
                    conv_cfg,
                    inplanes,
                    width,
                    1,
                    stride=1 if avg_down else stride,
                    bias=False,
                )
            )
            layers.append(build_norm_layer(norm_cfg, width)[1])
            downsample = nn.Sequential(*layers)
        if multi_grid is not None:
            if len(multi_grid) != num_blocks:
                raise ValueError(
                    f'multi_grid {tuple(multi_grid)} needs one dilation per '
                    f'block of the stage ({num_blocks})'
                )
            block_dilations = list(multi_grid)
        else:
            first = (
                dilation // 2
                if contract_dilation and dilation > 1
                else dilation
            )
            block_dilations = [first] + [dilation] * (num_blocks - 1)
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, **kwargs)
        blocks = [
            block(
                inplanes,
                planes,
                stride,
                dilation=block_dilations[0],
                downsample=downsample,
                **common,
            )
        ]
        blocks += [
            block(width, planes, 1, dilation=d, **common)
            for d in block_dilations[1:]
        ]
        super().__init__(*blocks)


@MODELS.register_module()
class ResNet(PretrainedInitMixin, BaseModule):
    """ResNet backbone (MMSegmentation 1.x ``ResNet`` arguments).

    Args:
        depth (int): 18, 34, 50, 101 or 152.
        in_channels (int): Input channels. Defaults to 3.
        stem_channels (int): Stem output channels. Defaults to 64.
        base_channels (int): Channels of the first stage's blocks.
            Defaults to 64.
        num_stages (int): Stages, 1 to 4. Defaults to 4.
        strides (Sequence[int]): Stride of each stage.
        dilations (Sequence[int]): Dilation of each stage.
        out_indices (Sequence[int]): Stages whose outputs are returned.
        style (str): ``'pytorch'`` or ``'caffe'`` (which convolution of a
            bottleneck strides).
        deep_stem (bool): Three 3×3 convolutions as the stem.
        avg_down (bool): Average-pool the shortcut downsampling.
        frozen_stages (int): Stages (stem is 0) kept frozen; -1 for none.
        conv_cfg (dict, optional): Convolution config.
        norm_cfg (dict): Normalization config.
        norm_eval (bool): Keep the batch norms in eval mode in training.
        dcn (dict, optional): Not supported (must be None).
        stage_with_dcn (Sequence[bool]): Unused without ``dcn``.
        plugins (list, optional): Not supported (must be None).
        multi_grid (Sequence[int], optional): Dilations of the last stage's
            blocks.
        contract_dilation (bool): Halve the first dilation of each stage.
        with_cp (bool): Gradient checkpointing in the blocks.
        zero_init_residual (bool): Zero the last norm of each block.
        pretrained (str, optional): Deprecated; checkpoint path.
        init_cfg (dict | list[dict], optional): Initialization config.

    Examples:
        >>> import torch
        >>> net = ResNetV1c(depth=18, out_indices=(0, 3))
        >>> [o.shape for o in net(torch.rand(1, 3, 64, 64))]
        [torch.Size([1, 64, 16, 16]), torch.Size([1, 512, 2, 2])]
    """

    arch_settings = {
        18: (BasicBlock, (2, 2, 2, 2)),
        34: (BasicBlock, (3, 4, 6, 3)),
        50: (Bottleneck, (3, 4, 6, 3)),
        101: (Bottleneck, (3, 4, 23, 3)),
        152: (Bottleneck, (3, 8, 36, 3)),
    }

    def __init__(
        self,
        depth: int,
        in_channels: int = 3,
        stem_channels: int = 64,
        base_channels: int = 64,
        num_stages: int = 4,
        strides: Sequence[int] = (1, 2, 2, 2),
        dilations: Sequence[int] = (1, 1, 1, 1),
        out_indices: Sequence[int] = (0, 1, 2, 3),
        style: str = 'pytorch',
        deep_stem: bool = False,
        avg_down: bool = False,
        frozen_stages: int = -1,
        conv_cfg: Optional[dict] = None,
        norm_cfg: dict = dict(type='BN', requires_grad=True),
        norm_eval: bool = False,
        dcn: Optional[dict] = None,
        stage_with_dcn: Sequence[bool] = (False, False, False, False),
        plugins: Optional[list] = None,
        multi_grid: Optional[Sequence[int]] = None,
        contract_dilation: bool = False,
        with_cp: bool = False,
        zero_init_residual: bool = True,
        pretrained: Optional[str] = None,
        init_cfg: Optional[Union[dict, List[dict]]] = None,
    ):
        super().__init__(
            pretrained_init_cfg(
                pretrained,
                init_cfg,
                [
                    dict(type='Kaiming', layer='Conv2d'),
                    dict(
                        type='Constant',
                        val=1,
                        layer=['_BatchNorm', 'GroupNorm'],
                    ),
                ],
            )
        )
        if depth not in self.arch_settings:
            raise KeyError(
                f'invalid depth {depth} for ResNet, choose from '
                f'{sorted(self.arch_settings)}'
            )
        if not 1 <= num_stages <= 4:
            raise ValueError(f'num_stages must be 1 to 4, got {num_stages}')
        if not len(strides) == len(dilations) == num_stages:
            raise ValueError(
                f'strides {tuple(strides)} and dilations {tuple(dilations)} '
                f'need one entry per stage ({num_stages})'
            )
        if max(out_indices) >= num_stages:
            raise ValueError(
                f'out_indices {tuple(out_indices)} must be below'
                f' num_stages={num_stages}'
            )
        _unsupported('dcn', dcn)
        _unsupported('plugins', plugins)
        self.block, stage_blocks = self.arch_settings[depth]
        block_init_cfg = None
        if pretrained is None and init_cfg is None and zero_init_residual:
            last = 'norm2' if self.block is BasicBlock else 'norm3'
            block_init_cfg = dict(
                type='Constant', val=0, override=dict(name=last)
            )
        self.depth = depth
        self.stem_channels = stem_channels
        self.base_channels = base_channels
        self.num_stages = num_stages
        self.strides = strides
        self.dilations = dilations
        self.out_indices = out_indices
        self.style = style
        self.deep_stem = deep_stem
        self.avg_down = avg_down
        self.frozen_stages = frozen_stages
        self.conv_cfg = conv_cfg
        self.norm_cfg = norm_cfg
        self.norm_eval = norm_eval
        self.multi_grid = multi_grid
        self.contract_dilation = contract_dilation
        self.with_cp = with_cp
        self.zero_init_residual = zero_init_residual
        self.stage_blocks = stage_blocks[:num_stages]
        self._make_stem_layer(in_channels, stem_channels)
        self.res_layers: List[str] = []
        inplanes = stem_channels
        for i, num_blocks in enumerate(self.stage_blocks):
            planes = base_channels * 2**i
            layer = ResLayer(
                self.block,
                inplanes,
                planes,
                num_blocks,
                stride=strides[i],
                dilation=dilations[i],
                avg_down=avg_down,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                multi_grid=(
                    multi_grid if i == len(self.stage_blocks) - 1 else None
                ),
                contract_dilation=contract_dilation,
                style=style,
                with_cp=with_cp,
                init_cfg=block_init_cfg,
            )
            inplanes = planes * self.block.expansion
            self.add_module(f'layer{i + 1}', layer)
            self.res_layers.append(f'layer{i + 1}')
        self.feat_dim = inplanes
        self._freeze_stages()

    @property
    def norm1(self) -> nn.Module:
        """The stem's normalization layer (without ``deep_stem``)."""
        return getattr(self, self.norm1_name)

    def _make_stem_layer(self, in_channels: int, stem_channels: int) -> None:
        conv_cfg, norm_cfg = self.conv_cfg, self.norm_cfg
        if self.deep_stem:
            half = stem_channels // 2
            layers: List[nn.Module] = []
            for i, (cin, cout) in enumerate(
                [(in_channels, half), (half, half), (half, stem_channels)]
            ):
                layers += [
                    build_conv_layer(
                        conv_cfg,
                        cin,
                        cout,
                        3,
                        stride=2 if i == 0 else 1,
                        padding=1,
                        bias=False,
                    ),
                    build_norm_layer(norm_cfg, cout)[1],
                    nn.ReLU(inplace=True),
                ]
            self.stem = nn.Sequential(*layers)
        else:
            self.conv1 = build_conv_layer(
                conv_cfg,
                in_channels,
                stem_channels,
                7,
                stride=2,
                padding=3,
                bias=False,
            )
            self.norm1_name, norm1 = build_norm_layer(
                norm_cfg, stem_channels, postfix=1
            )
            self.add_module(self.norm1_name, norm1)
            self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)

    def _freeze_stages(self) -> None:
        if self.frozen_stages < 0:
            return
        frozen: List[nn.Module] = (
            [self.stem] if self.deep_stem else [self.conv1, self.norm1]
        )
        frozen += [
            getattr(self, f'layer{i}')
            for i in range(1, self.frozen_stages + 1)
        ]
        for module in frozen:
            module.eval()
            for param in module.parameters():
                param.requires_grad = False

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Features of the ``out_indices`` stages.

        Args:
            x (Tensor): Images ``N×C×H×W``.

        Returns:
            tuple[Tensor]: One feature map per index in ``out_indices``.
        """
        if self.deep_stem:
            x = self.stem(x)
        else:
            x = self.relu(self.norm1(self.conv1(x)))
        x = self.maxpool(x)
        outs = []
        for i, name in enumerate(self.res_layers):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def train(self, mode: bool = True) -> 'ResNet':
        """Set the mode, keeping frozen stages (and with ``norm_eval`` all
        batch norms) in eval mode."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, _BatchNorm):
                    module.eval()
        return self


@MODELS.register_module()
class ResNetV1c(ResNet):
    """ResNet with the three-convolution stem (``deep_stem=True``).

    Arguments as :class:`ResNet`.
    """

    def __init__(self, **kwargs):
        super().__init__(deep_stem=True, avg_down=False, **kwargs)


@MODELS.register_module()
class ResNetV1d(ResNet):
    """ResNet with the three-convolution stem and average-pooled shortcuts
    (``deep_stem=True, avg_down=True``).

    Arguments as :class:`ResNet`.
    """

    def __init__(self, **kwargs):
        super().__init__(deep_stem=True, avg_down=True, **kwargs)
