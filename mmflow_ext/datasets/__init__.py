# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Datasets of both task families and the embedded default data."""

from .basic_frames_dataset import BasicFramesDataset
from .embedded_sr_dataset import EmbeddedSRDataset, generate_embedded_sr_data
from .embedded_video_dataset import (
    EmbeddedVideoDataset,
    generate_embedded_video_data,
)
from .multi_image_mix_dataset import MultiImageMixDataset
from .paired_image_dataset import BasicImageDataset
from .seg_dataset import ADE20KDataset, BaseSegDataset, CityscapesDataset
from .seg_datasets import *  # noqa: F401,F403
from .shape_classes_dataset import ShapeClassesDataset, generate_shape_classes
from .shapes_dataset import ShapesDataset, generate_shapes_dataset
from .transforms import *  # noqa: F401,F403
from .translation_dataset import PairedImageDataset, UnpairedImageDataset

__all__ = [
    'ADE20KDataset',
    'BaseSegDataset',
    'BasicImageDataset',
    'CityscapesDataset',
    'EmbeddedSRDataset',
    'ShapesDataset',
    'generate_embedded_sr_data',
    'generate_shapes_dataset',
    'MultiImageMixDataset',
]
__all__ += ['BasicFramesDataset', 'PairedImageDataset', 'UnpairedImageDataset']
__all__ += ['ShapeClassesDataset', 'generate_shape_classes']
__all__ += ['EmbeddedVideoDataset', 'generate_embedded_video_data']
__all__ += seg_datasets.__all__  # noqa: F405
