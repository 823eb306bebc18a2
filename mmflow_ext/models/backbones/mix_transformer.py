# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``MixVisionTransformer``: the hierarchical encoder of "SegFormer: Simple
and Efficient Design for Semantic Segmentation with Transformers"
(MMSegmentation 1.x name, arguments and state-dict keys).

Each stage: an overlapping patch embedding (strided convolution, layer
norm), transformer layers whose attention shrinks keys/values by
``sr_ratio`` with a strided convolution, and a Mix-FFN (1×1, depthwise
3×3, activation, 1×1), then a layer norm.
"""

import math
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.utils.checkpoint as cp
from mmcv.cnn import build_activation_layer, build_norm_layer
from mmcv.cnn.bricks.drop import build_dropout
from mmengine.model import BaseModule, ModuleList
from mmengine.model.weight_init import (
    constant_init,
    normal_init,
    trunc_normal_init,
)

from mmflow_ext.registry import MODELS

from ..utils.pretrained import PretrainedInitMixin, pretrained_init_cfg
from ..utils.shape_convert import nchw_to_nlc, nlc_to_nchw

__all__ = ['MixVisionTransformer']

HWShape = Tuple[int, int]


def _drop_path(rate: float) -> nn.Module:
    return build_dropout(dict(type='DropPath', drop_prob=rate))


class PatchEmbed(BaseModule):
    """Overlapping patch embedding: a convolution, tokens, a norm.

    Args:
        in_channels (int): Input channels.
        embed_dims (int): Token channels.
        kernel_size (int): Kernel (patch) size.
        stride (int): Stride.
        padding (int): Zero padding.
        norm_cfg (dict): Normalization config.
    """

    def __init__(
        self,
        in_channels: int,
        embed_dims: int,
        kernel_size: int,
        stride: int,
        padding: int,
        norm_cfg: dict,
    ):
        super().__init__()
        self.projection = nn.Conv2d(
            in_channels,
            embed_dims,
            kernel_size,
            stride=stride,
            padding=padding,
        )
        self.norm = build_norm_layer(norm_cfg, embed_dims)[1]

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, HWShape]:
        """Tokens ``N×L×embed_dims`` and the ``(h, w)`` of their map."""
        x = self.projection(x)
        hw_shape = (x.shape[2], x.shape[3])
        return self.norm(x.flatten(2).transpose(1, 2)), hw_shape


class MixFFN(BaseModule):
    """Feed-forward with a depthwise 3×3 convolution as position encoding.

    Args:
        embed_dims (int): Token channels.
        feedforward_channels (int): Hidden channels.
        act_cfg (dict): Activation config.
        ffn_drop (float): Dropout of the hidden and output features.
        drop_path_rate (float): Stochastic depth of the residual branch.
    """

    def __init__(
        self,
        embed_dims: int,
        feedforward_channels: int,
        act_cfg: dict,
        ffn_drop: float,
        drop_path_rate: float,
    ):
        super().__init__()
        drop = nn.Dropout(ffn_drop)
        self.layers = nn.Sequential(
            nn.Conv2d(embed_dims, feedforward_channels, 1),
            nn.Conv2d(
                feedforward_channels,
                feedforward_channels,
                3,
                padding=1,
                groups=feedforward_channels,
            ),
            build_activation_layer(act_cfg),
            drop,
            nn.Conv2d(feedforward_channels, embed_dims, 1),
            drop,
        )
        self.dropout_layer = _drop_path(drop_path_rate)

    def forward(
        self, x: torch.Tensor, hw_shape: HWShape, identity: torch.Tensor
    ) -> torch.Tensor:
        """``identity`` plus the FFN of tokens ``x``."""
        out = nchw_to_nlc(self.layers(nlc_to_nchw(x, hw_shape)))
        return identity + self.dropout_layer(out)


class EfficientMultiheadAttention(BaseModule):
    """Multi-head attention whose keys and values come from the map shrunk
    ``sr_ratio`` times by a strided convolution (``sr``) and a norm.

    Args:
        embed_dims (int): Token channels.
        num_heads (int): Attention heads.
        attn_drop (float): Dropout of the attention weights.
        proj_drop (float): Dropout of the output.
        drop_path_rate (float): Stochastic depth of the residual branch.
        qkv_bias (bool): Biases of the projections.
        norm_cfg (dict): Normalization config of the reduced map.
        sr_ratio (int): Spatial reduction ratio.
    """

    def __init__(
        self,
        embed_dims: int,
        num_heads: int,
        attn_drop: float,
        proj_drop: float,
        drop_path_rate: float,
        qkv_bias: bool,
        norm_cfg: dict,
        sr_ratio: int,
    ):
        super().__init__()
        self.embed_dims = embed_dims
        self.num_heads = num_heads
        # sequence-first, as MMCV's MultiheadAttention runs it
        self.attn = nn.MultiheadAttention(
            embed_dims, num_heads, dropout=attn_drop, bias=qkv_bias
        )
        self.proj_drop = nn.Dropout(proj_drop)
        self.dropout_layer = _drop_path(drop_path_rate)
        self.sr_ratio = sr_ratio
        if sr_ratio > 1:
            self.sr = nn.Conv2d(
                embed_dims, embed_dims, sr_ratio, stride=sr_ratio
            )
            self.norm = build_norm_layer(norm_cfg, embed_dims)[1]

    def forward(
        self, x: torch.Tensor, hw_shape: HWShape, identity: torch.Tensor
    ) -> torch.Tensor:
        """``identity`` plus the attention of tokens ``x``."""
        kv = x
        if self.sr_ratio > 1:
            kv = self.norm(nchw_to_nlc(self.sr(nlc_to_nchw(x, hw_shape))))
        query, kv = x.transpose(0, 1), kv.transpose(0, 1)
        out = self.attn(query=query, key=kv, value=kv)[0].transpose(0, 1)
        return identity + self.dropout_layer(self.proj_drop(out))


class TransformerEncoderLayer(BaseModule):
    """Pre-norm layer: efficient attention, then Mix-FFN, both residual.

    Args:
        embed_dims (int): Token channels.
        num_heads (int): Attention heads.
        feedforward_channels (int): Hidden channels of the FFN.
        drop_rate (float): Dropout of the outputs.
        attn_drop_rate (float): Dropout of the attention weights.
        drop_path_rate (float): Stochastic depth.
        qkv_bias (bool): Biases of the attention projections.
        act_cfg (dict): Activation config of the FFN.
        norm_cfg (dict): Normalization config.
        sr_ratio (int): Spatial reduction ratio of the attention.
        with_cp (bool): Gradient checkpointing.
    """

    def __init__(
        self,
        embed_dims: int,
        num_heads: int,
        feedforward_channels: int,
        drop_rate: float,
        attn_drop_rate: float,
        drop_path_rate: float,
        qkv_bias: bool,
        act_cfg: dict,
        norm_cfg: dict,
        sr_ratio: int,
        with_cp: bool,
    ):
        super().__init__()
        self.norm1 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.attn = EfficientMultiheadAttention(
            embed_dims,
            num_heads,
            attn_drop_rate,
            drop_rate,
            drop_path_rate,
            qkv_bias,
            norm_cfg,
            sr_ratio,
        )
        self.norm2 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.ffn = MixFFN(
            embed_dims,
            feedforward_channels,
            act_cfg,
            drop_rate,
            drop_path_rate,
        )
        self.with_cp = with_cp

    def forward(self, x: torch.Tensor, hw_shape: HWShape) -> torch.Tensor:
        """Tokens ``N×L×C`` of an ``hw_shape`` map, transformed."""

        def inner(x: torch.Tensor) -> torch.Tensor:
            x = self.attn(self.norm1(x), hw_shape, identity=x)
            return self.ffn(self.norm2(x), hw_shape, identity=x)

        if self.with_cp and x.requires_grad:
            return cp.checkpoint(inner, x, use_reentrant=False)
        return inner(x)


@MODELS.register_module()
class MixVisionTransformer(PretrainedInitMixin, BaseModule):
    """MiT encoder (MMSegmentation 1.x ``MixVisionTransformer`` arguments).

    Stage ``i`` has ``embed_dims * num_heads[i]`` channels; MiT-b0 is
    ``embed_dims=32, num_layers=[2, 2, 2, 2]``, b1 ``embed_dims=64`` and
    the defaults' ``num_heads``, larger ones more layers.

    Args:
        in_channels (int): Input channels. Defaults to 3.
        embed_dims (int): Base channels. Defaults to 64.
        num_stages (int): Stages. Defaults to 4.
        num_layers (Sequence[int]): Transformer layers per stage.
        num_heads (Sequence[int]): Attention heads per stage.
        patch_sizes (Sequence[int]): Patch-embedding kernel per stage.
        strides (Sequence[int]): Patch-embedding stride per stage.
        sr_ratios (Sequence[int]): Attention reduction ratio per stage.
        out_indices (Sequence[int]): Stages whose outputs are returned.
        mlp_ratio (int): FFN hidden channels over embedding channels.
        qkv_bias (bool): Biases of the attention projections.
        drop_rate (float): Dropout rate.
        attn_drop_rate (float): Attention dropout rate.
        drop_path_rate (float): Stochastic depth, growing linearly to this
            over all layers.
        act_cfg (dict): FFN activation. Defaults to GELU.
        norm_cfg (dict): Normalization. Defaults to LN with eps 1e-6.
        pretrained (str, optional): Deprecated; checkpoint path.
        init_cfg (dict | list[dict], optional): Initialization config.
        with_cp (bool): Gradient checkpointing.

    Examples:
        >>> import torch
        >>> net = MixVisionTransformer(embed_dims=8, num_layers=[1, 1, 1, 1])
        >>> [o.shape[1:] for o in net(torch.rand(1, 3, 32, 32))]
        [torch.Size([8, 8, 8]), torch.Size([16, 4, 4]), torch.Size([32, 2, 2]), torch.Size([64, 1, 1])]
    """  # noqa: E501

    def __init__(
        self,
        in_channels: int = 3,
        embed_dims: int = 64,
        num_stages: int = 4,
        num_layers: Sequence[int] = (3, 4, 6, 3),
        num_heads: Sequence[int] = (1, 2, 4, 8),
        patch_sizes: Sequence[int] = (7, 3, 3, 3),
        strides: Sequence[int] = (4, 2, 2, 2),
        sr_ratios: Sequence[int] = (8, 4, 2, 1),
        out_indices: Sequence[int] = (0, 1, 2, 3),
        mlp_ratio: int = 4,
        qkv_bias: bool = True,
        drop_rate: float = 0.0,
        attn_drop_rate: float = 0.0,
        drop_path_rate: float = 0.0,
        act_cfg: dict = dict(type='GELU'),
        norm_cfg: dict = dict(type='LN', eps=1e-6),
        pretrained: Optional[str] = None,
        init_cfg: Optional[Union[dict, List[dict]]] = None,
        with_cp: bool = False,
    ):
        super().__init__(pretrained_init_cfg(pretrained, init_cfg))
        lengths = {
            len(v)
            for v in (num_layers, num_heads, patch_sizes, strides, sr_ratios)
        }
        if lengths != {num_stages}:
            raise ValueError(
                'num_layers, num_heads, patch_sizes, strides and sr_ratios '
                f'need num_stages={num_stages} entries each'
            )
        if max(out_indices) >= num_stages:
            raise ValueError(
                f'out_indices {tuple(out_indices)} must be below'
                f' num_stages={num_stages}'
            )
        self.embed_dims = embed_dims
        self.num_stages = num_stages
        self.num_layers = num_layers
        self.num_heads = num_heads
        self.patch_sizes = patch_sizes
        self.strides = strides
        self.sr_ratios = sr_ratios
        self.out_indices = out_indices
        self.with_cp = with_cp
        rates = torch.linspace(0, drop_path_rate, sum(num_layers)).tolist()
        self.layers = ModuleList()
        for i, depth in enumerate(num_layers):
            dims = embed_dims * num_heads[i]
            first = sum(num_layers[:i])
            patch_embed = PatchEmbed(
                in_channels,
                dims,
                patch_sizes[i],
                strides[i],
                patch_sizes[i] // 2,
                norm_cfg,
            )
            blocks = ModuleList(
                TransformerEncoderLayer(
                    dims,
                    num_heads[i],
                    mlp_ratio * dims,
                    drop_rate,
                    attn_drop_rate,
                    rates[first + j],
                    qkv_bias,
                    act_cfg,
                    norm_cfg,
                    sr_ratios[i],
                    with_cp,
                )
                for j in range(depth)
            )
            norm = build_norm_layer(norm_cfg, dims)[1]
            self.layers.append(ModuleList([patch_embed, blocks, norm]))
            in_channels = dims

    def init_weights(self) -> None:
        """Truncated-normal linears, unit norms and He-normal convolutions
        without ``init_cfg``; else the ``init_cfg``."""
        if self.init_cfg is not None:
            super().init_weights()
            return
        for m in self.modules():
            if isinstance(m, nn.Linear):
                trunc_normal_init(m, std=0.02, bias=0.0)
            elif isinstance(m, nn.LayerNorm):
                constant_init(m, val=1.0, bias=0.0)
            elif isinstance(m, nn.Conv2d):
                fan_out = (
                    m.kernel_size[0] * m.kernel_size[1] * m.out_channels
                ) // m.groups
                normal_init(m, mean=0, std=math.sqrt(2.0 / fan_out), bias=0)

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        """Feature maps of the ``out_indices`` stages.

        Args:
            x (Tensor): Images ``N×C×H×W``.

        Returns:
            list[Tensor]: One ``N×C_i×H_i×W_i`` map per index.
        """
        outs = []
        for i, (patch_embed, blocks, norm) in enumerate(self.layers):
            x, hw_shape = patch_embed(x)
            for block in blocks:
                x = block(x, hw_shape)
            x = nlc_to_nchw(norm(x), hw_shape)
            if i in self.out_indices:
                outs.append(x)
        return outs
