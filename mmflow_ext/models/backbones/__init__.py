# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Backbones of segmentors."""

from .compact_cnn import CompactCNN
from .mix_transformer import MixVisionTransformer
from .resnet import ResNet, ResNetV1c, ResNetV1d
from .timm_backbone import TimmBackbone
from .unet import DeconvModule, InterpConv, UNet

__all__ = [
    'CompactCNN',
    'DeconvModule',
    'InterpConv',
    'MixVisionTransformer',
    'ResNet',
    'ResNetV1c',
    'ResNetV1d',
    'TimmBackbone',
    'UNet',
]
