# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``UNet``: "U-Net: Convolutional Networks for Biomedical Image
Segmentation" (MMSegmentation 1.x name, arguments and state-dict keys),
with its upsampling layers ``InterpConv`` and ``DeconvModule``."""

from typing import List, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp
from mmcv.cnn import ConvModule, build_activation_layer, build_norm_layer
from mmengine.model import BaseModule
from torch.nn.modules.batchnorm import _BatchNorm

from mmflow_ext.registry import MODELS

from ..utils.pretrained import PretrainedInitMixin, pretrained_init_cfg

__all__ = [
    'BasicConvBlock',
    'DeconvModule',
    'InterpConv',
    'UNet',
    'UpConvBlock',
]


def _no_dcn_or_plugins(dcn, plugins) -> None:
    if dcn is not None or plugins is not None:
        raise NotImplementedError(
            'UNet: dcn and plugins are not supported; leave them None'
        )


def _run(module: nn.Module, x: torch.Tensor, with_cp: bool) -> torch.Tensor:
    if with_cp and x.requires_grad:
        return cp.checkpoint(module, x, use_reentrant=False)
    return module(x)


class BasicConvBlock(nn.Module):
    """``num_convs`` 3×3 ConvModules; the first strides, the others
    dilate.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        num_convs (int): Convolutions. Defaults to 2.
        stride (int): Stride of the first convolution.
        dilation (int): Dilation of the later convolutions.
        with_cp (bool): Gradient checkpointing.
        conv_cfg (dict, optional): Convolution config.
        norm_cfg (dict, optional): Normalization config.
        act_cfg (dict, optional): Activation config.
        dcn (dict, optional): Not supported (must be None).
        plugins (list, optional): Not supported (must be None).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        num_convs: int = 2,
        stride: int = 1,
        dilation: int = 1,
        with_cp: bool = False,
        conv_cfg: Optional[dict] = None,
        norm_cfg: Optional[dict] = dict(type='BN'),
        act_cfg: Optional[dict] = dict(type='ReLU'),
        dcn: Optional[dict] = None,
        plugins: Optional[list] = None,
    ):
        super().__init__()
        _no_dcn_or_plugins(dcn, plugins)
        self.with_cp = with_cp
        self.convs = nn.Sequential(
            *[
                ConvModule(
                    in_channels if i == 0 else out_channels,
                    out_channels,
                    kernel_size=3,
                    stride=stride if i == 0 else 1,
                    dilation=1 if i == 0 else dilation,
                    padding=1 if i == 0 else dilation,
                    conv_cfg=conv_cfg,
                    norm_cfg=norm_cfg,
                    act_cfg=act_cfg,
                )
                for i in range(num_convs)
            ]
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The convolved map."""
        return _run(self.convs, x, self.with_cp)


@MODELS.register_module()
class DeconvModule(nn.Module):
    """Transposed-convolution upsampling, then norm and activation.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        with_cp (bool): Gradient checkpointing.
        norm_cfg (dict): Normalization config.
        act_cfg (dict): Activation config.
        kernel_size (int): Kernel size (at least ``scale_factor``, with an
            even difference). Defaults to 4.
        scale_factor (int): Upsampling factor (the stride). Defaults to 2.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        with_cp: bool = False,
        norm_cfg: dict = dict(type='BN'),
        act_cfg: dict = dict(type='ReLU'),
        *,
        kernel_size: int = 4,
        scale_factor: int = 2,
    ):
        super().__init__()
        if kernel_size < scale_factor or (kernel_size - scale_factor) % 2 != 0:
            raise ValueError(
                'kernel_size must be >= scale_factor with an even '
                f'difference, got kernel_size={kernel_size} and '
                f'scale_factor={scale_factor}'
            )
        self.with_cp = with_cp
        self.deconv_upsamping = nn.Sequential(
            nn.ConvTranspose2d(
                in_channels,
                out_channels,
                kernel_size=kernel_size,
                stride=scale_factor,
                padding=(kernel_size - scale_factor) // 2,
            ),
            build_norm_layer(norm_cfg, out_channels)[1],
            build_activation_layer(act_cfg),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The upsampled map."""
        return _run(self.deconv_upsamping, x, self.with_cp)


class _Interpolate(nn.Module):
    """Resize by ``scale_factor`` (to the truncated size) or to ``size``."""

    def __init__(
        self,
        size=None,
        scale_factor=None,
        mode: str = 'nearest',
        align_corners: Optional[bool] = None,
    ):
        super().__init__()
        self.size = size
        self.scale_factor = scale_factor
        self.mode = mode
        self.align_corners = align_corners

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The resized map."""
        size = self.size or [
            int(side * self.scale_factor) for side in x.shape[-2:]
        ]
        return F.interpolate(
            x, size=size, mode=self.mode, align_corners=self.align_corners
        )


@MODELS.register_module()
class InterpConv(nn.Module):
    """Interpolation and a ConvModule (in either order).

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        with_cp (bool): Gradient checkpointing.
        norm_cfg (dict): Normalization config.
        act_cfg (dict): Activation config.
        conv_cfg (dict, optional): Convolution config.
        conv_first (bool): Convolve before interpolating.
        kernel_size (int): Kernel size. Defaults to 1.
        stride (int): Stride. Defaults to 1.
        padding (int): Padding. Defaults to 0.
        upsample_cfg (dict): ``size``/``scale_factor``, ``mode`` and
            ``align_corners`` of the interpolation.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        with_cp: bool = False,
        norm_cfg: dict = dict(type='BN'),
        act_cfg: dict = dict(type='ReLU'),
        *,
        conv_cfg: Optional[dict] = None,
        conv_first: bool = False,
        kernel_size: int = 1,
        stride: int = 1,
        padding: int = 0,
        upsample_cfg: dict = dict(
            scale_factor=2, mode='bilinear', align_corners=False
        ),
    ):
        super().__init__()
        self.with_cp = with_cp
        conv = ConvModule(
            in_channels,
            out_channels,
            kernel_size=kernel_size,
            stride=stride,
            padding=padding,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg,
        )
        upsample = _Interpolate(**upsample_cfg)
        self.interp_upsample = (
            nn.Sequential(conv, upsample)
            if conv_first
            else nn.Sequential(upsample, conv)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The upsampled map."""
        return _run(self.interp_upsample, x, self.with_cp)


class UpConvBlock(nn.Module):
    """Decoder stage: upsample (or 1×1-project) the deeper map, concatenate
    the skip connection, convolve.

    Args:
        conv_block (type): Block class (:class:`BasicConvBlock`).
        in_channels (int): Channels of the deeper map.
        skip_channels (int): Channels of the skip connection.
        out_channels (int): Output channels.
        upsample_cfg (dict, optional): Upsampling layer config; None for a
            1×1 ConvModule.
        **kwargs: ``num_convs``, ``stride``, ``dilation``, ``with_cp``,
            ``conv_cfg``, ``norm_cfg``, ``act_cfg``, ``dcn``, ``plugins``.
    """

    def __init__(
        self,
        conv_block: type,
        in_channels: int,
        skip_channels: int,
        out_channels: int,
        num_convs: int = 2,
        stride: int = 1,
        dilation: int = 1,
        with_cp: bool = False,
        conv_cfg: Optional[dict] = None,
        norm_cfg: Optional[dict] = dict(type='BN'),
        act_cfg: Optional[dict] = dict(type='ReLU'),
        upsample_cfg: Optional[dict] = dict(type='InterpConv'),
        dcn: Optional[dict] = None,
        plugins: Optional[list] = None,
    ):
        super().__init__()
        _no_dcn_or_plugins(dcn, plugins)
        self.conv_block = conv_block(
            in_channels=2 * skip_channels,
            out_channels=out_channels,
            num_convs=num_convs,
            stride=stride,
            dilation=dilation,
            with_cp=with_cp,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg,
        )
        if upsample_cfg is not None:
            self.upsample = MODELS.build(
                dict(upsample_cfg),
                default_args=dict(
                    in_channels=in_channels,
                    out_channels=skip_channels,
                    with_cp=with_cp,
                    norm_cfg=norm_cfg,
                    act_cfg=act_cfg,
                ),
            )
        else:
            self.upsample = ConvModule(
                in_channels,
                skip_channels,
                kernel_size=1,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg,
            )

    def forward(self, skip: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """The decoded map at the skip connection's resolution."""
        return self.conv_block(torch.cat([skip, self.upsample(x)], dim=1))


@MODELS.register_module()
class UNet(PretrainedInitMixin, BaseModule):
    """U-Net backbone (MMSegmentation 1.x ``UNet`` arguments).

    Stage ``i`` has ``base_channels * 2**i`` channels; it halves the
    resolution by a max pool (``downsamples[i-1]``) or its stride. The
    outputs are the deepest map and then each decoder stage's, coarse to
    fine.

    Args:
        in_channels (int): Input channels. Defaults to 3.
        base_channels (int): Channels of the first stage. Defaults to 64.
        num_stages (int): Encoder stages. Defaults to 5.
        strides (Sequence[int]): Stride of each encoder stage.
        enc_num_convs (Sequence[int]): Convolutions per encoder stage.
        dec_num_convs (Sequence[int]): Convolutions per decoder stage.
        downsamples (Sequence[bool]): Max-pool before encoder stages 1...
        enc_dilations (Sequence[int]): Dilations of the encoder stages.
        dec_dilations (Sequence[int]): Dilations of the decoder stages.
        with_cp (bool): Gradient checkpointing.
        conv_cfg (dict, optional): Convolution config.
        norm_cfg (dict): Normalization config.
        act_cfg (dict): Activation config.
        upsample_cfg (dict): Decoder upsampling layer (``InterpConv`` or
            ``DeconvModule``).
        norm_eval (bool): Keep batch norms in eval mode in training.
        dcn (dict, optional): Not supported (must be None).
        plugins (list, optional): Not supported (must be None).
        pretrained (str, optional): Deprecated; checkpoint path.
        init_cfg (dict | list[dict], optional): Initialization config.

    Examples:
        >>> import torch
        >>> net = UNet(base_channels=4, num_stages=3, strides=(1, 1, 1),
        ...            enc_num_convs=(1, 1, 1), dec_num_convs=(1, 1),
        ...            downsamples=(True, True), enc_dilations=(1, 1, 1),
        ...            dec_dilations=(1, 1))
        >>> [o.shape[1:] for o in net(torch.rand(1, 3, 8, 8))]
        [torch.Size([16, 2, 2]), torch.Size([8, 4, 4]), torch.Size([4, 8, 8])]
    """  # noqa: E501

    def __init__(
        self,
        in_channels: int = 3,
        base_channels: int = 64,
        num_stages: int = 5,
        strides: Sequence[int] = (1, 1, 1, 1, 1),
        enc_num_convs: Sequence[int] = (2, 2, 2, 2, 2),
        dec_num_convs: Sequence[int] = (2, 2, 2, 2),
        downsamples: Sequence[bool] = (True, True, True, True),
        enc_dilations: Sequence[int] = (1, 1, 1, 1, 1),
        dec_dilations: Sequence[int] = (1, 1, 1, 1),
        with_cp: bool = False,
        conv_cfg: Optional[dict] = None,
        norm_cfg: dict = dict(type='BN'),
        act_cfg: dict = dict(type='ReLU'),
        upsample_cfg: dict = dict(type='InterpConv'),
        norm_eval: bool = False,
        dcn: Optional[dict] = None,
        plugins: Optional[list] = None,
        pretrained: Optional[str] = None,
        init_cfg=None,
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
        _no_dcn_or_plugins(dcn, plugins)
        for name, value, length in (
            ('strides', strides, num_stages),
            ('enc_num_convs', enc_num_convs, num_stages),
            ('dec_num_convs', dec_num_convs, num_stages - 1),
            ('downsamples', downsamples, num_stages - 1),
            ('enc_dilations', enc_dilations, num_stages),
            ('dec_dilations', dec_dilations, num_stages - 1),
        ):
            if len(value) != length:
                raise ValueError(
                    f'{name} {tuple(value)} needs {length} entries for '
                    f'num_stages={num_stages}'
                )
        self.pretrained = pretrained
        self.num_stages = num_stages
        self.strides = strides
        self.downsamples = downsamples
        self.norm_eval = norm_eval
        self.base_channels = base_channels
        self.encoder = nn.ModuleList()
        self.decoder = nn.ModuleList()
        common = dict(
            with_cp=with_cp,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg,
        )
        for i in range(num_stages):
            stage: List[nn.Module] = []
            channels = base_channels * 2**i
            if i > 0:
                if strides[i] == 1 and downsamples[i - 1]:
                    stage.append(nn.MaxPool2d(kernel_size=2))
                upsample = strides[i] != 1 or downsamples[i - 1]
                self.decoder.append(
                    UpConvBlock(
                        BasicConvBlock,
                        channels,
                        channels // 2,
                        channels // 2,
                        num_convs=dec_num_convs[i - 1],
                        dilation=dec_dilations[i - 1],
                        upsample_cfg=upsample_cfg if upsample else None,
                        **common,
                    )
                )
            stage.append(
                BasicConvBlock(
                    in_channels,
                    channels,
                    num_convs=enc_num_convs[i],
                    stride=strides[i],
                    dilation=enc_dilations[i],
                    **common,
                )
            )
            self.encoder.append(nn.Sequential(*stage))
            in_channels = channels

    def _check_input_divisible(self, x: torch.Tensor) -> None:
        rate = 1
        for i in range(1, self.num_stages):
            if self.strides[i] == 2 or self.downsamples[i - 1]:
                rate *= 2
        height, width = x.shape[-2:]
        if height % rate or width % rate:
            raise ValueError(
                f'The input image size {(height, width)} should be '
                f'divisible by the whole downsample rate {rate}, when '
                f'num_stages is {self.num_stages}, strides is '
                f'{self.strides}, and downsamples is {self.downsamples}.'
            )

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        """The deepest map, then the decoder stages' maps, coarse to fine.

        Args:
            x (Tensor): Images ``N×C×H×W``; ``H`` and ``W`` divisible by
                the total downsampling.

        Returns:
            list[Tensor]: ``num_stages`` maps.
        """
        self._check_input_divisible(x)
        skips = []
        for stage in self.encoder:
            x = stage(x)
            skips.append(x)
        outs = [x]
        for i in reversed(range(len(self.decoder))):
            x = self.decoder[i](skips[i], x)
            outs.append(x)
        return outs

    def train(self, mode: bool = True) -> 'UNet':
        """Set the mode, keeping batch norms in eval mode with
        ``norm_eval``."""
        super().train(mode)
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, _BatchNorm):
                    module.eval()
        return self
