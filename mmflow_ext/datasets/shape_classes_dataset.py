# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Embedded class-conditional data: small images of one shape each (circle,
square, triangle, star), labelled by shape, generated on first use."""

import os.path as osp
from typing import List

import cv2
import numpy as np
from mmengine.dataset import BaseDataset

from mmflow_ext.registry import DATASETS, TRANSFORMS

from .embedded_data import encode_image, ensure_generated
from .shapes_dataset import (
    _SHAPE_BGR,
    SHAPES_CLASSES,
    _background,
    _shape_points,
)

__all__ = [
    'ShapeClassesDataset',
    'draw_shape_image',
    'generate_shape_classes',
    'SHAPE_CLASS_NAMES',
]

#: class names: the shapes of the shapes dataset, without its background
SHAPE_CLASS_NAMES = SHAPES_CLASSES[1:]
MANIFEST_NAME = 'shape_classes_manifest.json'
_MANIFEST_VERSION = 1
_SPLIT_IDS = {'train': 0, 'val': 1}


def draw_shape_image(
    rng: np.random.Generator, label: int, size: int
) -> np.ndarray:
    """One centred-ish shape of class ``label`` on a textured background.

    Args:
        rng (np.random.Generator): Source of randomness.
        label (int): Index in :data:`SHAPE_CLASS_NAMES`.
        size (int): Image side.

    Returns:
        np.ndarray: ``(size, size, 3)`` uint8 BGR image.

    Examples:
        >>> draw_shape_image(np.random.default_rng(0), 2, 32).shape
        (32, 32, 3)
    """
    shape_id = label + 1  # the shapes dataset counts its background
    img = _background(rng, size, size)
    radius = rng.uniform(0.28, 0.4) * size
    center = size / 2 + rng.uniform(-0.08, 0.08, size=2) * size
    mask = np.zeros((size, size), np.uint8)
    points = _shape_points(shape_id, center, radius, rng.uniform(0, 2 * np.pi))
    if points is None:
        cv2.circle(
            mask,
            tuple(int(round(c)) for c in center),
            int(round(radius)),
            1,
            thickness=-1,
        )
    else:
        cv2.fillPoly(mask, [points], 1)
    inside = mask.astype(bool)
    color = np.array(_SHAPE_BGR[shape_id]) + rng.uniform(-20, 20, size=3)
    img[inside] = color + rng.normal(0, 6, size=(int(inside.sum()), 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def _planned(num_per_class: dict) -> List[tuple]:
    """``[(split, label, relative path), ...]``."""
    return [
        (
            split,
            label,
            osp.join(split, SHAPE_CLASS_NAMES[label], f'{i:05d}.png'),
        )
        for split, count in num_per_class.items()
        for label in range(len(SHAPE_CLASS_NAMES))
        for i in range(count)
    ]


def generate_shape_classes(
    data_root: str,
    num_train_per_class: int = 200,
    num_val_per_class: int = 32,
    image_size: int = 32,
    seed: int = 0,
    show_progress: bool = True,
) -> bool:
    """Write the shape-class images under ``data_root`` unless they are
    there (``{split}/{class}/{i}.png``), following
    :func:`~mmflow_ext.datasets.embedded_data.ensure_generated`.

    Returns:
        bool: True when files were written.

    Raises:
        ValueError: For a negative count or an image side below 16.
    """
    if num_train_per_class < 0 or num_val_per_class < 0:
        raise ValueError(
            'num_train_per_class and num_val_per_class must be >= 0, got '
            f'{num_train_per_class} and {num_val_per_class}'
        )
    if image_size < 16:
        raise ValueError(f'image_size must be >= 16, got {image_size}')
    counts = dict(train=num_train_per_class, val=num_val_per_class)
    plan = _planned(counts)
    params = dict(
        version=_MANIFEST_VERSION,
        num_train_per_class=int(num_train_per_class),
        num_val_per_class=int(num_val_per_class),
        image_size=int(image_size),
        seed=int(seed),
    )

    def produce():
        for split, label, path in plan:
            index = int(osp.splitext(osp.basename(path))[0])
            rng = np.random.default_rng(
                [seed, _SPLIT_IDS[split], label, index]
            )
            yield [
                (
                    path,
                    encode_image(
                        '.png', draw_shape_image(rng, label, image_size)
                    ),
                )
            ]

    return ensure_generated(
        data_root,
        MANIFEST_NAME,
        params,
        [p for _, _, p in plan],
        produce,
        len(plan),
        what=(
            f'the shape classes ({num_train_per_class} train + '
            f'{num_val_per_class} val per class, {image_size}x'
            f'{image_size})'
        ),
        show_progress=show_progress,
    )


@DATASETS.register_module()
class ShapeClassesDataset(BaseDataset):
    """Class-labelled shape images for conditional generation.

    Each sample is ``dict(gt_path=..., gt_label=int)``; load it with
    ``LoadImageFromFile(key='gt')`` and pack it with ``PackInputs``.

    Args:
        data_root (str): Folder of the generated images.
        split (str): ``'train'`` or ``'val'``. Defaults to ``'train'``.
        num_train_per_class (int): Defaults to 200.
        num_val_per_class (int): Defaults to 32.
        image_size (int): Defaults to 32.
        seed (int): Defaults to 0.
        **kwargs: Other arguments of :class:`mmengine.dataset.BaseDataset`
            (``pipeline`` is built with our registry, no default scope
            needed).
    """

    METAINFO = dict(classes=SHAPE_CLASS_NAMES)

    def __init__(
        self,
        data_root: str,
        split: str = 'train',
        num_train_per_class: int = 200,
        num_val_per_class: int = 32,
        image_size: int = 32,
        seed: int = 0,
        **kwargs,
    ) -> None:
        if split not in _SPLIT_IDS:
            raise ValueError(f"split must be 'train' or 'val', got {split!r}")
        if not kwargs.get('lazy_init', False):
            generate_shape_classes(
                data_root,
                num_train_per_class,
                num_val_per_class,
                image_size,
                seed,
            )
        self.split = split
        self._counts = dict(train=num_train_per_class, val=num_val_per_class)
        kwargs['pipeline'] = [
            TRANSFORMS.build(t) if isinstance(t, dict) else t
            for t in kwargs.get('pipeline') or []
        ]
        super().__init__(data_root=data_root, **kwargs)

    def load_data_list(self) -> List[dict]:
        """The samples of :attr:`split`."""
        return [
            dict(gt_path=osp.join(self.data_root, path), gt_label=label)
            for split, label, path in _planned(self._counts)
            if split == self.split
        ]
