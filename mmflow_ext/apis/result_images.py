# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Inference results as images to save: coloured masks and restored
images, ``H×W×3`` uint8 in BGR order (what :func:`cv2.imwrite` takes)."""

from typing import Optional, Sequence

import numpy as np
from mmengine.structures import BaseDataElement

from mmflow_ext.structures.sample_access import get_field
from mmflow_ext.visualization.image_tile import image_to_tile
from mmflow_ext.visualization.mask_tile import (
    colorize_label_map,
    label_map_to_array,
)
from mmflow_ext.visualization.palette import palette_to_array, random_palette

__all__ = ['seg_result_to_color', 'edit_result_to_image', 'result_to_image']


def seg_result_to_color(
    result: BaseDataElement,
    palette: Optional[Sequence[Sequence[int]]] = None,
    ignore_index: int = 255,
) -> np.ndarray:
    """The predicted labels of a segmentation result, painted.

    Args:
        result (SegDataSample): A result with ``pred_sem_seg``.
        palette (Sequence[Sequence[int]], optional): RGB colour of each
            class. Defaults to None: the seeded random palette of as many
            classes as ``seg_logits`` has channels.
        ignore_index (int): Label left black. Defaults to 255.

    Returns:
        np.ndarray: ``H×W×3`` uint8 BGR.

    Raises:
        KeyError: When the result has no ``pred_sem_seg``.

    Examples:
        >>> import torch
        >>> from mmengine.structures import PixelData
        >>> from mmflow_ext.structures import SegDataSample
        >>> result = SegDataSample()
        >>> result.pred_sem_seg = PixelData(data=torch.tensor([[[1, 0]]]))
        >>> seg_result_to_color(result, [[255, 0, 0], [0, 0, 255]]).tolist()
        [[[255, 0, 0], [0, 0, 255]]]
    """
    labels = label_map_to_array(
        get_field(result, 'pred_sem_seg', where='a segmentation result'),
        'pred_sem_seg',
    )
    if palette is None:
        num_classes = (
            result.seg_logits.shape[0]
            if 'seg_logits' in result
            else int(labels.max()) + 1
        )
        palette = random_palette(num_classes)
    rgb = colorize_label_map(
        labels, palette_to_array(palette), ignore_index=ignore_index
    )
    return np.ascontiguousarray(rgb[..., ::-1])


def edit_result_to_image(result: BaseDataElement) -> np.ndarray:
    """The restored image of an editing result.

    Args:
        result (DataSample): A result with ``output.pred_img`` (float
            ``C×H×W`` BGR in ``[0, 255]``).

    Returns:
        np.ndarray: ``H×W×3`` uint8 BGR (values clamped and rounded).

    Raises:
        KeyError: When the result has no ``output.pred_img``.

    Examples:
        >>> import torch
        >>> from mmflow_ext.structures import DataSample
        >>> result = DataSample()
        >>> result.output = DataSample(pred_img=torch.full((3, 1, 2), 7.6))
        >>> edit_result_to_image(result)[0, 0].tolist()
        [8, 8, 8]
    """
    pred_img = get_field(result, 'output.pred_img', where='an editing result')
    return np.ascontiguousarray(image_to_tile(pred_img, 'pred_img'))


def result_to_image(
    result: BaseDataElement, dataset_meta: Optional[dict] = None
) -> np.ndarray:
    """The image to save for a result of either task family.

    Args:
        result (SegDataSample | DataSample): An inference result.
        dataset_meta (dict, optional): The model's ``dataset_meta``; its
            ``palette`` colours segmentation masks.

    Returns:
        np.ndarray: ``H×W×3`` uint8 BGR: the coloured mask of a
        segmentation result, the restored image of an editing result.
    """
    if 'pred_sem_seg' in result:
        palette = (dataset_meta or {}).get('palette')
        return seg_result_to_color(result, palette)
    return edit_result_to_image(result)
