# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Draw a segmentation label map as a colour tile.

Each pixel whose label has a palette entry is painted with that colour,
blended over an optional background image with weight ``alpha``. Pixels
equal to the ignore index, or whose label has no palette entry, are left
unpainted: they keep the background (black when there is none).
"""

from typing import Any, Optional, Sequence

import cv2
import numpy as np
import torch

from mmflow_ext.structures.sample_access import field_data

__all__ = ['label_map_to_array', 'colorize_label_map', 'draw_class_names']


def label_map_to_array(value: Any, key: str = 'mask') -> np.ndarray:
    """Extract the ``H×W`` integer labels of a segmentation map.

    Args:
        value (Any): A :class:`~mmengine.structures.PixelData`, its dict
            form, a tensor or an array, shaped ``1×H×W``, ``H×W×1`` (array)
            or ``H×W``.
        key (str): Name of the value, used in error messages.
            Defaults to ``'mask'``.

    Returns:
        np.ndarray: The ``H×W`` integer labels (a view where possible).

    Raises:
        TypeError: When the value holds no tensor or array, or its dtype is
            not integer or bool.
        ValueError: When the shape is not a single-channel map.

    Examples:
        >>> import torch
        >>> from mmengine.structures import PixelData
        >>> label_map_to_array(PixelData(data=torch.tensor([[[0, 2]]])))
        array([[0, 2]])
    """
    data = field_data(value)
    if isinstance(data, torch.Tensor):
        data = data.detach().cpu().numpy()
    if not isinstance(data, np.ndarray):
        raise TypeError(
            f'"{key}" must hold a label map (PixelData, tensor or '
            f'array), got {type(data).__name__}'
        )
    if data.dtype.kind not in 'iub':
        raise TypeError(
            f'"{key}" must hold integer labels, got dtype {data.dtype}'
        )
    if data.ndim == 3 and data.shape[0] == 1:
        data = data[0]
    elif data.ndim == 3 and data.shape[2] == 1:
        data = data[..., 0]
    if data.ndim != 2:
        raise ValueError(
            f'"{key}" must be a 1×H×W or H×W label map, got '
            f'shape {tuple(data.shape)}'
        )
    return data


def _palette_indices(
    labels: np.ndarray, num_colors: int, ignore_index: int
) -> np.ndarray:
    """Labels as rows of a palette extended by one 'unpainted' row."""
    if labels.dtype == np.uint8:
        lut = np.full(256, num_colors, dtype=np.intp)
        lut[:num_colors] = np.arange(min(num_colors, 256))
        if 0 <= ignore_index < 256:
            lut[ignore_index] = num_colors
        return lut[labels]
    painted = (labels >= 0) & (labels < num_colors) & (labels != ignore_index)
    return np.where(painted, labels, num_colors)


def colorize_label_map(
    labels: np.ndarray,
    palette: np.ndarray,
    background: Optional[np.ndarray] = None,
    alpha: float = 1.0,
    ignore_index: int = 255,
) -> np.ndarray:
    """Paint a label map with a palette.

    Args:
        labels (np.ndarray): ``H×W`` integer labels.
        palette (np.ndarray): ``N×3`` uint8 RGB colours; label ``i`` gets
            ``palette[i]``.
        background (np.ndarray, optional): ``H×W×3`` uint8 image to paint
            over. Defaults to None (black).
        alpha (float): Weight of the colour, in ``[0, 1]``; a painted pixel
            becomes ``round(background * (1 - alpha) + colour * alpha)``.
            Defaults to 1 (opaque).
        ignore_index (int): Label left unpainted. Defaults to 255.

    Returns:
        np.ndarray: ``H×W×3`` uint8 tile.

    Raises:
        ValueError: When ``background`` does not match ``labels`` in height
            and width, or ``alpha`` is outside ``[0, 1]``.

    Examples:
        >>> import numpy as np
        >>> palette = np.array([[255, 0, 0], [0, 0, 255]], dtype=np.uint8)
        >>> labels = np.array([[0, 1, 255]], dtype=np.uint8)
        >>> colorize_label_map(labels, palette)[0].tolist()
        [[255, 0, 0], [0, 0, 255], [0, 0, 0]]
        >>> gray = np.full((1, 3, 3), 100, dtype=np.uint8)
        >>> colorize_label_map(labels, palette, gray, alpha=0.5)[0].tolist()
        [[178, 50, 50], [50, 50, 178], [100, 100, 100]]
    """
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f'alpha must be in [0, 1], got {alpha}')
    num_colors = len(palette)
    extended = np.zeros((num_colors + 1, 3), dtype=np.uint8)
    extended[:num_colors] = palette
    indices = _palette_indices(labels, num_colors, ignore_index)
    colors = np.take(extended, indices, axis=0)
    if background is None:
        return colors
    if background.shape[:2] != labels.shape:
        raise ValueError(
            f'the label map ({labels.shape[0]}×{labels.shape[1]}) and the '
            f'image it is drawn over ({background.shape[0]}×'
            f'{background.shape[1]}) differ in size'
        )
    if alpha != 1.0:
        blend = background.astype(np.float32)
        blend *= np.float32(1.0 - alpha)
        weighted = colors.astype(np.float32)
        weighted *= np.float32(alpha)
        blend += weighted
        np.rint(blend, out=blend)
        colors = blend.astype(np.uint8)
    unpainted = indices == num_colors
    if unpainted.any():
        colors[unpainted] = background[unpainted]
    return colors


def draw_class_names(
    tile: np.ndarray,
    labels: np.ndarray,
    classes: Sequence[str],
    ignore_index: int = 255,
) -> np.ndarray:
    """Write each present class's name inside its region, in place.

    A name is centred on the point of its class region farthest from the
    region's border (of those, the one nearest the region's centroid), in
    white with a black outline.

    Args:
        tile (np.ndarray): ``H×W×3`` uint8 tile to write on (modified).
        labels (np.ndarray): ``H×W`` integer labels of the tile.
        classes (Sequence[str]): Class names; labels without a name are
            skipped.
        ignore_index (int): Label that gets no name. Defaults to 255.

    Returns:
        np.ndarray: ``tile``.
    """
    height, width = labels.shape
    scale = max(min(height, width) / 500.0, 0.3)
    thickness = 1 if min(height, width) < 300 else 2
    font = cv2.FONT_HERSHEY_SIMPLEX
    for label in np.unique(labels):
        if label == ignore_index or not 0 <= label < len(classes):
            continue
        region = (labels == label).astype(np.uint8)
        distance = cv2.distanceTransform(np.pad(region, 1), cv2.DIST_L2, 3)[
            1:-1, 1:-1
        ]
        ys, xs = np.nonzero(distance >= distance.max() - 0.5)
        center_y, center_x = np.argwhere(region).mean(axis=0)
        nearest = int(np.argmin((ys - center_y) ** 2 + (xs - center_x) ** 2))
        y, x = ys[nearest], xs[nearest]
        name = str(classes[label])
        (text_w, text_h), _ = cv2.getTextSize(name, font, scale, thickness)
        origin = (int(x - text_w // 2), int(y + text_h // 2))
        for color, weight in (
            ((0, 0, 0), thickness + 2),
            ((255, 255, 255), thickness),
        ):
            cv2.putText(
                tile, name, origin, font, scale, color, weight, cv2.LINE_AA
            )
    return tile
