# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Networks of image-to-image translation (MMagic 1.x names, arguments and
state-dict keys): the pix2pix ``UnetGenerator``, the CycleGAN
``ResnetGenerator`` and the PatchGAN ``PatchDiscriminator``."""

from typing import Optional

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule, kaiming_init, normal_init, xavier_init
from torch import Tensor

from mmflow_ext.registry import MODELS

__all__ = [
    'UnetGenerator',
    'ResnetGenerator',
    'PatchDiscriminator',
    'UnetSkipConnectionBlock',
    'ResidualBlockWithDropout',
    'generation_init_weights',
]

_INIT_TYPES = ('normal', 'xavier', 'kaiming', 'orthogonal')

# MMagic's name of the transposed convolution (mmcv registers ``deconv``)
MODELS.register_module('Deconv', module=nn.ConvTranspose2d)


def _check_norm_cfg(norm_cfg) -> bool:
    """Validate ``norm_cfg``; True when the layers before it need a bias
    (instance norm has no affine parameters)."""
    if not isinstance(norm_cfg, dict) or 'type' not in norm_cfg:
        raise TypeError(
            f"norm_cfg must be a dict with a 'type' key, got {norm_cfg!r}"
        )
    return norm_cfg['type'] == 'IN'


def generation_init_weights(
    module: nn.Module, init_type: str = 'normal', init_gain: float = 0.02
) -> None:
    """Initialize the conv / linear weights of ``module`` (biases to 0) and
    its batch norms (weights ``N(1, init_gain)``), as MMagic's translation
    networks do.

    Args:
        module (nn.Module): Module to initialize.
        init_type (str): ``'normal'``, ``'xavier'``, ``'kaiming'`` or
            ``'orthogonal'``. Defaults to ``'normal'``.
        init_gain (float): Std of ``'normal'``, gain of ``'xavier'`` and
            ``'orthogonal'``. Defaults to 0.02.

    Raises:
        ValueError: For an unknown ``init_type``.
    """
    if init_type not in _INIT_TYPES:
        raise ValueError(
            f'init_type must be one of {list(_INIT_TYPES)}, got {init_type!r}'
        )

    def init_one(m: nn.Module) -> None:
        name = type(m).__name__
        if hasattr(m, 'weight') and ('Conv' in name or 'Linear' in name):
            if init_type == 'normal':
                normal_init(m, 0.0, init_gain)
            elif init_type == 'xavier':
                xavier_init(m, gain=init_gain, distribution='normal')
            elif init_type == 'kaiming':
                kaiming_init(
                    m,
                    a=0,
                    mode='fan_in',
                    nonlinearity='leaky_relu',
                    distribution='normal',
                )
            else:
                nn.init.orthogonal_(m.weight, gain=init_gain)
                nn.init.constant_(m.bias.data, 0.0)
        elif 'BatchNorm2d' in name:
            normal_init(m, 1.0, init_gain)

    module.apply(init_one)


class _GenerationInitMixin:
    """``init_weights`` through :func:`generation_init_weights`, unless
    ``init_cfg`` asks for a pretrained checkpoint."""

    def _set_init(self, init_cfg: Optional[dict]) -> None:
        cfg = init_cfg or dict()
        self.init_type = cfg.get('type', 'normal')
        self.init_gain = cfg.get('gain', 0.02)

    def init_weights(self) -> None:
        """Initialize the weights (``init_cfg`` type ``'Pretrained'``
        loads a checkpoint instead)."""
        if self.init_cfg is not None and self.init_cfg['type'] == 'Pretrained':
            super().init_weights()
            return
        generation_init_weights(
            self, init_type=self.init_type, init_gain=self.init_gain
        )
        self._is_init = True


class UnetSkipConnectionBlock(nn.Module):
    """One level of the U-Net: down-convolution, the inner ``submodule``,
    up-convolution; except at the outermost level, the block's input is
    concatenated to its output.

    Args:
        outer_channels (int): Channels at the outer side (the output).
        inner_channels (int): Channels at the inner side.
        in_channels (int, optional): Input channels (else
            ``outer_channels``).
        submodule (nn.Module, optional): The inner level.
        is_outermost (bool): The outermost level (no norm, ``Tanh`` at the
            end, no skip). Defaults to False.
        is_innermost (bool): The innermost level (no submodule). Defaults
            to False.
        norm_cfg (dict): Norm layer config. Defaults to ``dict(type='BN')``.
        use_dropout (bool): Dropout (0.5) after the up-convolution of an
            intermediate level. Defaults to False.
    """

    def __init__(
        self,
        outer_channels: int,
        inner_channels: int,
        in_channels: Optional[int] = None,
        submodule: Optional[nn.Module] = None,
        is_outermost: bool = False,
        is_innermost: bool = False,
        norm_cfg: dict = dict(type='BN'),
        use_dropout: bool = False,
    ) -> None:
        super().__init__()
        if is_outermost and is_innermost:
            raise ValueError(
                'is_outermost and is_innermost cannot both be True'
            )
        self.is_outermost = is_outermost
        use_bias = _check_norm_cfg(norm_cfg)
        in_channels = outer_channels if in_channels is None else in_channels
        down_norm, down_act = (
            norm_cfg,
            dict(type='LeakyReLU', negative_slope=0.2),
        )
        up_norm, up_bias = norm_cfg, use_bias
        up_in = inner_channels * 2
        middle, tail = [submodule], []
        if is_outermost:
            down_norm = down_act = up_norm = None
            up_bias = True
            tail = [nn.Tanh()]
        elif is_innermost:
            down_norm, up_in, middle = None, inner_channels, []
        elif use_dropout:
            tail = [nn.Dropout(0.5)]
        conv = dict(
            kernel_size=4, stride=2, padding=1, order=('act', 'conv', 'norm')
        )
        down = ConvModule(
            in_channels,
            inner_channels,
            bias=use_bias,
            conv_cfg=dict(type='Conv2d'),
            norm_cfg=down_norm,
            act_cfg=down_act,
            **conv,
        )
        up = ConvModule(
            up_in,
            outer_channels,
            bias=up_bias,
            conv_cfg=dict(type='deconv'),
            norm_cfg=up_norm,
            act_cfg=dict(type='ReLU'),
            **conv,
        )
        self.model = nn.Sequential(down, *middle, up, *tail)

    def forward(self, x: Tensor) -> Tensor:
        """``model(x)``, concatenated after ``x`` except at the outermost
        level."""
        if self.is_outermost:
            return self.model(x)
        return torch.cat([x, self.model(x)], 1)


@MODELS.register_module()
class UnetGenerator(_GenerationInitMixin, BaseModule):
    """The pix2pix U-Net generator (MMagic's ``UnetGenerator``):
    ``num_down`` stride-2 levels, so inputs need sides divisible by
    ``2 ** num_down``; outputs in ``[-1, 1]``.

    Args:
        in_channels (int): Input image channels.
        out_channels (int): Output image channels.
        num_down (int): Downsampling levels (at least 5). Defaults to 8.
        base_channels (int): Channels of the outermost level. Defaults to
            64.
        norm_cfg (dict): Norm layer config. Defaults to ``dict(type='BN')``.
        use_dropout (bool): Dropout in the ``num_down - 5`` middle levels.
            Defaults to False.
        init_cfg (dict, optional): ``type`` (an init method of
            :func:`generation_init_weights`, or ``'Pretrained'``) and
            ``gain``. Defaults to ``dict(type='normal', gain=0.02)``.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        num_down: int = 8,
        base_channels: int = 64,
        norm_cfg: dict = dict(type='BN'),
        use_dropout: bool = False,
        init_cfg: Optional[dict] = dict(type='normal', gain=0.02),
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        _check_norm_cfg(norm_cfg)
        if num_down < 5:
            raise ValueError(f'num_down must be at least 5, got {num_down}')
        c = base_channels
        block = UnetSkipConnectionBlock(
            c * 8, c * 8, norm_cfg=norm_cfg, is_innermost=True
        )
        for _ in range(num_down - 5):
            block = UnetSkipConnectionBlock(
                c * 8,
                c * 8,
                submodule=block,
                norm_cfg=norm_cfg,
                use_dropout=use_dropout,
            )
        for outer, inner in ((c * 4, c * 8), (c * 2, c * 4), (c, c * 2)):
            block = UnetSkipConnectionBlock(
                outer, inner, submodule=block, norm_cfg=norm_cfg
            )
        self.model = UnetSkipConnectionBlock(
            out_channels,
            c,
            in_channels=in_channels,
            submodule=block,
            is_outermost=True,
            norm_cfg=norm_cfg,
        )
        self._set_init(init_cfg)

    def forward(self, x: Tensor) -> Tensor:
        """Translate ``(N, in_channels, H, W)`` images."""
        return self.model(x)


class ResidualBlockWithDropout(nn.Module):
    """``x + conv-norm-ReLU-(dropout)-conv-norm(x)`` with padded 3×3
    convolutions.

    Args:
        channels (int): Channels of the block.
        padding_mode (str): ``'reflect'``, ``'replicate'`` or ``'zeros'``.
        norm_cfg (dict): Norm layer config. Defaults to ``dict(type='BN')``.
        use_dropout (bool): Dropout (0.5) between the convolutions.
            Defaults to True.
    """

    def __init__(
        self,
        channels: int,
        padding_mode: str,
        norm_cfg: dict = dict(type='BN'),
        use_dropout: bool = True,
    ) -> None:
        super().__init__()
        use_bias = _check_norm_cfg(norm_cfg)
        conv = dict(
            kernel_size=3,
            padding=1,
            bias=use_bias,
            norm_cfg=norm_cfg,
            padding_mode=padding_mode,
        )
        layers = [ConvModule(channels, channels, **conv)]
        if use_dropout:
            layers.append(nn.Dropout(0.5))
        layers.append(ConvModule(channels, channels, act_cfg=None, **conv))
        self.block = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        """The residual sum (no activation after it)."""
        return x + self.block(x)


@MODELS.register_module()
class ResnetGenerator(_GenerationInitMixin, BaseModule):
    """The CycleGAN generator (MMagic's ``ResnetGenerator``): a 7×7 stem,
    two stride-2 downsamplings, ``num_blocks`` residual blocks, two
    transposed-convolution upsamplings and a 7×7 ``Tanh`` head.

    Args:
        in_channels (int): Input image channels.
        out_channels (int): Output image channels.
        base_channels (int): Channels of the stem. Defaults to 64.
        norm_cfg (dict): Norm layer config. Defaults to ``dict(type='IN')``.
        use_dropout (bool): Dropout in the residual blocks. Defaults to
            False.
        num_blocks (int): Residual blocks (>= 0). Defaults to 9.
        padding_mode (str): Padding of the stem, head and blocks:
            ``'reflect'``, ``'replicate'`` or ``'zeros'``. Defaults to
            ``'reflect'``.
        init_cfg (dict, optional): As :class:`UnetGenerator`.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        base_channels: int = 64,
        norm_cfg: dict = dict(type='IN'),
        use_dropout: bool = False,
        num_blocks: int = 9,
        padding_mode: str = 'reflect',
        init_cfg: Optional[dict] = dict(type='normal', gain=0.02),
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_blocks < 0:
            raise ValueError(
                f'num_blocks must be non-negative, got {num_blocks}'
            )
        use_bias = _check_norm_cfg(norm_cfg)
        c = base_channels
        layers = [
            ConvModule(
                in_channels,
                c,
                kernel_size=7,
                padding=3,
                bias=use_bias,
                norm_cfg=norm_cfg,
                padding_mode=padding_mode,
            )
        ]
        for mult in (1, 2):
            layers.append(
                ConvModule(
                    c * mult,
                    c * mult * 2,
                    kernel_size=3,
                    stride=2,
                    padding=1,
                    bias=use_bias,
                    norm_cfg=norm_cfg,
                )
            )
        layers += [
            ResidualBlockWithDropout(
                c * 4,
                padding_mode=padding_mode,
                norm_cfg=norm_cfg,
                use_dropout=use_dropout,
            )
            for _ in range(num_blocks)
        ]
        for mult in (4, 2):
            layers.append(
                ConvModule(
                    c * mult,
                    c * mult // 2,
                    kernel_size=3,
                    stride=2,
                    padding=1,
                    bias=use_bias,
                    conv_cfg=dict(type='deconv', output_padding=1),
                    norm_cfg=norm_cfg,
                )
            )
        layers.append(
            ConvModule(
                c,
                out_channels,
                kernel_size=7,
                padding=3,
                bias=True,
                norm_cfg=None,
                act_cfg=dict(type='Tanh'),
                padding_mode=padding_mode,
            )
        )
        self.model = nn.Sequential(*layers)
        self._set_init(init_cfg)

    def forward(self, x: Tensor) -> Tensor:
        """Translate ``(N, in_channels, H, W)`` images."""
        return self.model(x)


@MODELS.register_module()
class PatchDiscriminator(_GenerationInitMixin, BaseModule):
    """PatchGAN discriminator (MMagic's ``PatchDiscriminator``): one logit
    per overlapping patch.

    Args:
        in_channels (int): Input channels (6 for pix2pix's concatenated
            pairs).
        base_channels (int): Channels of the first convolution. Defaults
            to 64.
        num_conv (int): Intermediate stride-2 convolutions plus one.
            Defaults to 3.
        norm_cfg (dict): Norm layer config. Defaults to ``dict(type='BN')``.
        init_cfg (dict, optional): As :class:`UnetGenerator` (None: normal
            with gain 0.02).
    """

    def __init__(
        self,
        in_channels: int,
        base_channels: int = 64,
        num_conv: int = 3,
        norm_cfg: dict = dict(type='BN'),
        init_cfg: Optional[dict] = dict(type='normal', gain=0.02),
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        use_bias = _check_norm_cfg(norm_cfg)
        act = dict(type='LeakyReLU', negative_slope=0.2)
        c = base_channels
        layers = [
            ConvModule(
                in_channels,
                c,
                kernel_size=4,
                stride=2,
                padding=1,
                bias=True,
                norm_cfg=None,
                act_cfg=act,
            )
        ]
        mult = 1
        for n in range(1, num_conv + 1):
            prev, mult = mult, min(2**n, 8)
            layers.append(
                ConvModule(
                    c * prev,
                    c * mult,
                    kernel_size=4,
                    stride=2 if n < num_conv else 1,
                    padding=1,
                    bias=use_bias,
                    norm_cfg=norm_cfg,
                    act_cfg=act,
                )
            )
        layers.append(
            nn.Conv2d(c * mult, 1, kernel_size=4, stride=1, padding=1)
        )
        self.model = nn.Sequential(*layers)
        self._set_init(init_cfg)

    def forward(self, x: Tensor) -> Tensor:
        """Patch logits ``(N, 1, h, w)`` of ``(N, in_channels, H, W)``
        inputs."""
        return self.model(x)
