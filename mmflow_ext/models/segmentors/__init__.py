# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Segmentors: forward modes, inference and post-processing."""

from .base import BaseSegmentor, channel_argmax
from .encoder_decoder import EncoderDecoder
from .seg_tta import SegTTAModel
from .smp_segmentor import SMPSegmentor

__all__ = [
    'BaseSegmentor',
    'EncoderDecoder',
    'channel_argmax',
    'SegTTAModel',
    'SMPSegmentor',
]
