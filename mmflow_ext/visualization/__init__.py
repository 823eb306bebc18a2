# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Visualizers: side-by-side rows of images and coloured label maps."""
from .concat_visualizer import ConcatImageVisualizer
from .image_tile import image_to_tile, unwrap_pixel_data
from .mask_tile import colorize_label_map, draw_class_names, label_map_to_array
from .palette import palette_to_array, random_palette

__all__ = [
    'ConcatImageVisualizer', 'image_to_tile', 'unwrap_pixel_data',
    'colorize_label_map', 'draw_class_names', 'label_map_to_array',
    'palette_to_array', 'random_palette'
]
