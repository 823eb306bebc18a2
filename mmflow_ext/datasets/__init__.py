# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Datasets of both task families and the embedded default data."""
from .embedded_sr_dataset import EmbeddedSRDataset, generate_embedded_sr_data
from .paired_image_dataset import BasicImageDataset
from .seg_dataset import ADE20KDataset, BaseSegDataset, CityscapesDataset
from .shapes_dataset import ShapesDataset, generate_shapes_dataset
from .transforms import *  # noqa: F401,F403

__all__ = [
    'ADE20KDataset', 'BaseSegDataset', 'BasicImageDataset',
    'CityscapesDataset', 'EmbeddedSRDataset', 'ShapesDataset',
    'generate_embedded_sr_data', 'generate_shapes_dataset'
]
