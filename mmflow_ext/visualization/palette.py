# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Colour palettes of segmentation masks: validation and a seeded default.

A palette is a list of RGB triples, one per class, as found in the
``dataset_meta['palette']`` of the segmentation datasets.
"""

from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

__all__ = ['random_palette', 'palette_to_array', 'fit_palette']

#: seed of the default palette, so that colours are the same in every run
DEFAULT_PALETTE_SEED = 42
#: new label of a class left out of a class subset (in a ``label_map``)
_LEFT_OUT = 255


def random_palette(
    num_classes: int, seed: int = DEFAULT_PALETTE_SEED
) -> List[Tuple[int, int, int]]:
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


def palette_to_array(
    palette: Sequence[Sequence[int]], classes: Optional[Sequence[str]] = None
) -> np.ndarray:
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
    if (
        array is None
        or array.ndim != 2
        or array.shape[1] != 3
        or (array.size and (array.min() < 0 or array.max() > 255))
    ):
        raise ValueError(
            'palette must be a list of RGB triples in '
            f'[0, 255], got {palette!r}'
        )
    if classes is not None and len(classes) != len(array):
        raise ValueError(
            f'palette has {len(array)} colours but there are '
            f'{len(classes)} classes; give one colour per class'
        )
    return array.astype(np.uint8)


def fit_palette(
    classes: Sequence[str],
    palette: Optional[Sequence[Sequence[int]]] = None,
    label_map: Optional[Dict[int, int]] = None,
) -> list:
    """One colour per class, as MMSegmentation's ``BaseSegDataset`` fits
    its palette to its classes.

    - a palette with one colour per class is kept as it is;
    - no palette (None or empty): the seeded :func:`random_palette`;
    - a longer palette with a ``label_map`` (the classes are a subset of
      the dataset type's): the colours of the kept classes, in their new
      label order;
    - anything else is an error.

    The dataset, the model's ``dataset_meta`` for inference and the
    visualizers all colour classes through this function, so a class looks
    the same everywhere.

    Args:
        classes (Sequence[str]): Class names in label order.
        palette (Sequence[Sequence[int]], optional): RGB colours, indexed
            like the dataset type's classes when ``label_map`` is given.
            Defaults to None.
        label_map (dict[int, int], optional): ``{old label: new label}``
            of a class subset, 255 for the classes left out. Defaults to
            None.

    Returns:
        list: The colours, one per class (``palette`` itself when it
        already fits; lists of ints when drawn at random).

    Raises:
        ValueError: When the palette fits neither the classes nor, through
            ``label_map``, a subset of them.

    Examples:
        >>> fit_palette(['b'], [[1, 1, 1], [2, 2, 2]], {0: 255, 1: 0})
        [[2, 2, 2]]
        >>> fit_palette(['a'], [[9, 9, 9]])
        [[9, 9, 9]]
        >>> fit_palette(['a', 'b']) == [list(c) for c in random_palette(2)]
        True
        >>> fit_palette(['a', 'b'], [[9, 9, 9]])
        Traceback (most recent call last):
        ...
        ValueError: palette of 1 colours does not fit the 2 classes ['a', 'b']
    """
    palette = palette if palette is not None else []
    if len(palette) == len(classes):
        return palette
    if not len(palette):
        return [list(color) for color in random_palette(len(classes))]
    if len(palette) > len(classes) and label_map is not None:
        kept = sorted(
            (new, old) for old, new in label_map.items() if new != _LEFT_OUT
        )
        return type(palette)(palette[old] for _, old in kept)
    raise ValueError(
        f'palette of {len(palette)} colours does not fit the '
        f'{len(classes)} classes {list(classes)}'
    )
