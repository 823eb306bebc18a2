# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Data transforms: loading and packing, next to mmcv's transforms.

Importing :mod:`mmcv.transforms` registers mmcv's transforms (``Resize``,
``RandomFlip``, ``RandomResize``, ...) in MMEngine's root registry, which our
scope falls back to.
"""

import mmcv.transforms  # noqa: F401

from .albu import Albu
from .change_detection import ConcatCDInput, LoadMultipleRSImageFromFile
from .degradations import (
    DegradationsWithShuffle,
    RandomBlur,
    RandomJPEGCompression,
    RandomNoise,
    RandomResize,
    RandomVideoCompression,
)
from .depth import LoadDepthAnnotation, RandomDepthMix
from .edit_crop import (
    CenterCropLongEdge,
    Crop,
    FixedCrop,
    ModCrop,
    PairedRandomCrop,
    RandomCropLongEdge,
)
from .edit_formatting import PackInputs
from .edit_geometric import Flip, RandomTransposeHW, Resize
from .edit_values import Clip, CopyValues, SetValues, UnsharpMasking
from .image_loading import LoadImageFromArray, LoadImageFromFile
from .inpainting import GetMaskedImage, GetSpatialDiscountMask, LoadMask
from .loading import LoadAnnotations
from .seg_flip import RandomFlip
from .seg_formatting import PackSegInputs
from .seg_geometric import (
    RandomRotate,
    RandomRotFlip,
    ResizeShortestEdge,
    ResizeToMultiple,
    SegRescale,
)
from .seg_mix import RandomCutOut, RandomMosaic
from .seg_photometric import CLAHE, AdjustGamma, Rerange, RGB2Gray
from .seg_targets import GenerateEdge
from .seg_transforms import PhotoMetricDistortion, RandomCrop
from .translation import LoadPairedImageFromFile
from .video import (
    GenerateFrameIndiceswithPadding,
    GenerateSegmentIndices,
    MirrorSequence,
    TemporalReverse,
)

__all__ = [
    'Albu',
    'LoadAnnotations',
    'LoadImageFromArray',
    'LoadImageFromFile',
    'PackInputs',
    'PackSegInputs',
    'PhotoMetricDistortion',
    'RandomCrop',
    'ResizeToMultiple',
    'ResizeShortestEdge',
    'SegRescale',
    'RandomRotate',
    'RandomRotFlip',
    'RandomCutOut',
    'RandomMosaic',
    'Rerange',
    'CLAHE',
    'RGB2Gray',
    'AdjustGamma',
    'GenerateEdge',
    'LoadMultipleRSImageFromFile',
    'ConcatCDInput',
    'LoadDepthAnnotation',
    'RandomDepthMix',
    'RandomFlip',
]
__all__ += [
    'CenterCropLongEdge',
    'Clip',
    'CopyValues',
    'Crop',
    'DegradationsWithShuffle',
    'FixedCrop',
    'Flip',
    'GenerateSegmentIndices',
    'GetMaskedImage',
    'LoadMask',
    'LoadPairedImageFromFile',
    'MirrorSequence',
    'ModCrop',
    'PairedRandomCrop',
    'RandomBlur',
    'RandomJPEGCompression',
    'RandomNoise',
    'RandomResize',
    'RandomTransposeHW',
    'RandomVideoCompression',
    'Resize',
    'SetValues',
    'TemporalReverse',
    'UnsharpMasking',
    'RandomCropLongEdge',
    'GetSpatialDiscountMask',
    'GenerateFrameIndiceswithPadding',
]
