# Copyright (c) mmflow_ext contributors. All rights reserved.
"""A labelled heatmap of a confusion matrix, drawn with OpenCV.

Row ``g`` shows where the pixels labelled ``g`` went: each cell is coloured
by the fraction of the row's pixels predicted as the column's class
(viridis, 0 dark blue to 1 yellow); rows of classes absent from the ground
truth are grey. Class names label the rows (ground truth, left) and the
columns (prediction, top); cells big enough to hold it show the percentage.
"""

from typing import Sequence, Tuple

import cv2
import numpy as np

__all__ = ['draw_confusion_matrix', 'row_fractions']

_FONT = cv2.FONT_HERSHEY_SIMPLEX
_WHITE = (255, 255, 255)
_BLACK = (0, 0, 0)
#: colour of the rows of classes absent from the ground truth
ABSENT_ROW_COLOR = (128, 128, 128)
_MARGIN = 8
_MIN_TEXT_CELL = 30


def _text_size(text: str, scale: float) -> Tuple[int, int]:
    (width, height), baseline = cv2.getTextSize(text, _FONT, scale, 1)
    return width, height + baseline


def _ascii(name: str) -> str:
    """OpenCV's Hershey fonts draw ASCII only."""
    return name.encode('ascii', 'replace').decode('ascii')


def _put_title(canvas: np.ndarray, text: str, left: int, span: int) -> None:
    """Draw ``text`` at the bottom of ``canvas``, centred on the ``span``
    pixels from column ``left`` (or starting there when wider)."""
    text_w = _text_size(text, 0.5)[0]
    origin = (
        left + max((span - text_w) // 2, 0),
        canvas.shape[0] - _MARGIN // 2,
    )
    cv2.putText(canvas, text, origin, _FONT, 0.5, _BLACK, 1, cv2.LINE_AA)


def _draw_names(
    names: Sequence[str], cell: int, scale: float, width: int
) -> np.ndarray:
    """Names right-aligned in rows of height ``cell``, white background."""
    canvas = np.full((cell * len(names), width, 3), 255, dtype=np.uint8)
    for row, name in enumerate(names):
        text_w, text_h = _text_size(name, scale)
        origin = (width - text_w - 2, row * cell + (cell + text_h) // 2 - 2)
        cv2.putText(canvas, name, origin, _FONT, scale, _BLACK, 1, cv2.LINE_AA)
    return canvas


def row_fractions(matrix: np.ndarray) -> np.ndarray:
    """Each row of ``matrix`` divided by its sum, NaN for empty rows.

    Args:
        matrix (ndarray): ``(C, C)`` counts.

    Returns:
        ndarray: float64 fractions of the same shape.
    """
    totals = matrix.sum(axis=1, keepdims=True).astype(np.float64)
    with np.errstate(divide='ignore', invalid='ignore'):
        return matrix / totals


def draw_confusion_matrix(
    matrix: np.ndarray, class_names: Sequence[str], cell_size: int = 0
) -> np.ndarray:
    """Draw ``matrix`` as a labelled heatmap.

    Args:
        matrix (ndarray): ``(C, C)`` counts, rows ground truth, columns
            prediction.
        class_names (Sequence[str]): ``C`` names (non-ASCII characters are
            drawn as ``?``).
        cell_size (int): Side of a cell in pixels; 0 picks one from ``C``
            (40 for a few classes, down to 4 for hundreds). Defaults to 0.

    Returns:
        ndarray: A BGR ``uint8`` image.

    Raises:
        ValueError: When ``matrix`` is not square or the number of names
            differs from its side.

    Examples:
        >>> import numpy as np
        >>> image = draw_confusion_matrix(np.array([[3, 1], [0, 4]]),
        ...                               ['road', 'sky'], cell_size=40)
        >>> image.dtype, image.ndim, image.shape[2]
        (dtype('uint8'), 3, 3)
        >>> image.shape[0] > 80 and image.shape[1] > 80
        True
    """
    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(
            f'a confusion matrix must be square, got shape {matrix.shape}'
        )
    num_classes = matrix.shape[0]
    if len(class_names) != num_classes:
        raise ValueError(
            f'{len(class_names)} class names given for a '
            f'{num_classes}x{num_classes} confusion matrix'
        )
    cell = cell_size or int(np.clip(1200 // max(num_classes, 1), 4, 40))
    scale = min(0.45, cell / 36)
    names = [_ascii(str(name)) for name in class_names]

    fractions = row_fractions(matrix)
    absent = np.isnan(fractions)
    levels = np.round(np.nan_to_num(fractions) * 255).astype(np.uint8)
    grid = cv2.applyColorMap(levels, cv2.COLORMAP_VIRIDIS)
    grid[absent] = ABSENT_ROW_COLOR
    grid = cv2.resize(
        grid, (cell * num_classes,) * 2, interpolation=cv2.INTER_NEAREST
    )
    if cell >= _MIN_TEXT_CELL:
        for (row, col), value in np.ndenumerate(fractions):
            if np.isnan(value):
                continue
            text = f'{value * 100:.0f}'
            text_w, text_h = _text_size(text, scale)
            colour = _BLACK if value > 0.6 else _WHITE
            origin = (
                col * cell + (cell - text_w) // 2,
                row * cell + (cell + text_h) // 2 - 2,
            )
            cv2.putText(
                grid, text, origin, _FONT, scale, colour, 1, cv2.LINE_AA
            )

    name_width = max(_text_size(name, scale)[0] for name in names) + 4
    row_names = _draw_names(names, cell, scale, name_width)
    col_names = cv2.rotate(
        _draw_names(names, cell, scale, name_width),
        cv2.ROTATE_90_COUNTERCLOCKWISE,
    )
    title_h = _text_size('prediction', 0.5)[1] + _MARGIN
    side = cell * num_classes
    top = left = title_h + name_width
    height = top + max(side, _text_size('ground truth', 0.5)[0]) + _MARGIN
    width = left + max(side, _text_size('prediction', 0.5)[0]) + _MARGIN
    image = np.full((height, width, 3), 255, dtype=np.uint8)
    image[top : top + side, left : left + side] = grid
    image[top : top + side, title_h:left] = row_names
    image[title_h:top, left : left + side] = col_names
    title = np.full((title_h, width, 3), 255, dtype=np.uint8)
    _put_title(title, 'prediction', left, side)
    image[:title_h] = title
    title = np.full((title_h, height - top, 3), 255, dtype=np.uint8)
    _put_title(title, 'ground truth', height - top - side, side)
    image[top:, :title_h] = cv2.rotate(title, cv2.ROTATE_90_COUNTERCLOCKWISE)
    return image
