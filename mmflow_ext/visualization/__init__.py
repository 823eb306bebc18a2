# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Visualizers: side-by-side rows of images and coloured label maps."""

from .concat_visualizer import ConcatImageVisualizer
from .confusion_matrix_image import draw_confusion_matrix, row_fractions
from .gen_vis_backend import VisBackend
from .image_file import write_image
from .image_tile import image_to_tile
from .mask_tile import colorize_label_map, draw_class_names, label_map_to_array
from .palette import fit_palette, palette_to_array, random_palette
from .seg_local_visualizer import SegLocalVisualizer
from .vis_backend import LocalVisBackend

__all__ = [
    'ConcatImageVisualizer',
    'image_to_tile',
    'colorize_label_map',
    'draw_class_names',
    'label_map_to_array',
    'palette_to_array',
    'random_palette',
    'SegLocalVisualizer',
    'fit_palette',
    'draw_confusion_matrix',
    'row_fractions',
    'write_image',
    'LocalVisBackend',
    'VisBackend',
]
