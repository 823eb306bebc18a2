# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Inference API: build a model from its config and checkpoint, predict
images, and turn results into images to save."""

from .dataset_meta import dataset_meta_from_config, fit_palette
from .inference import inference_model, init_model, registry_scope
from .pipeline import (
    LoadImageFromArray,
    find_test_dataset,
    find_test_pipeline,
    inference_pipeline,
)
from .result_images import (
    edit_result_to_image,
    result_to_image,
    seg_result_to_color,
)

__all__ = [
    'init_model',
    'inference_model',
    'registry_scope',
    'dataset_meta_from_config',
    'fit_palette',
    'LoadImageFromArray',
    'find_test_pipeline',
    'inference_pipeline',
    'find_test_dataset',
    'seg_result_to_color',
    'edit_result_to_image',
    'result_to_image',
]
