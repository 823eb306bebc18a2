# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Colour palettes of segmentation masks: validation and a seeded default.

A palette is a list of RGB triples, one per class, as found in the
``dataset_meta['palette']`` of the segmentation datasets.
"""
from typing import List, Optional, Sequence, Tuple

import numpy as np

__all__ = ['random_palette', 'palette_to_array']

#: seed of the default palette, so that colours are the same in every run
DEFAULT_PALETTE_SEED = 42


def random_palette(
        num_classes: int,
        seed: int = DEFAULT_PALETTE_SEED) -> List[Tuple[int, int, int]]:
    """A reproducible palette for datasets that ship none.

    The colours are drawn from a private ``RandomState(seed)`` (the global
    numpy random state is left alone), each channel in ``[0, 255)``. The
    palette of ``n`` classes is a prefix of the palette of ``n + k`` classes,
    so a class keeps its colour when more classes are added.

    Args:
        num_classes (int): Number of colours.
        seed (int): Seed of the generator. Defaults to 42.

    Returns:
        list[tuple[int, int, int]]: ``num_classes`` RGB triples.

    Examples:
        >>> palette = random_palette(3)
        >>> len(palette), all(len(color) == 3 for color in palette)
        (3, True)
        >>> random_palette(2) == palette[:2]
        True
    """
    if num_classes < 0:
        raise ValueError(f'num_classes must be >= 0, got {num_classes}')
    colors = np.random.RandomState(seed).randint(0, 255, size=(num_classes, 3))
    return [tuple(int(c) for c in color) for color in colors]


def palette_to_array(palette: Sequence[Sequence[int]],
                     classes: Optional[Sequence[str]] = None) -> np.ndarray:
    """Check a palette and turn it into an ``N×3`` uint8 array.

    Args:
        palette (Sequence[Sequence[int]]): RGB triples in ``[0, 255]``.
        classes (Sequence[str], optional): Class names; when given, the
            palette must have one colour per class. Defaults to None.

    Returns:
        np.ndarray: The palette as a ``uint8`` array of shape ``(N, 3)``.

    Raises:
        ValueError: When an entry is not an RGB triple in ``[0, 255]`` or the
            palette and ``classes`` differ in length.

    Examples:
        >>> palette_to_array([[255, 0, 0], (0, 128, 255)])
        array([[255,   0,   0],
               [  0, 128, 255]], dtype=uint8)
        >>> palette_to_array([[255, 0]])
        Traceback (most recent call last):
        ...
        ValueError: palette must be a list of RGB triples in [0, 255], got [[255, 0]]
    """  # noqa: E501
    try:
        array = np.asarray(palette, dtype=np.int64)
    except (TypeError, ValueError):
        array = None
    if (array is None or array.ndim != 2 or array.shape[1] != 3
            or (array.size and (array.min() < 0 or array.max() > 255))):
        raise ValueError('palette must be a list of RGB triples in '
                         f'[0, 255], got {palette!r}')
    if classes is not None and len(classes) != len(array):
        raise ValueError(f'palette has {len(array)} colours but there are '
                         f'{len(classes)} classes; give one colour per class')
    return array.astype(np.uint8)
