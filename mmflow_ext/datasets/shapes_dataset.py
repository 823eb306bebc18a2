# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Embedded segmentation data: coloured shapes on textured backgrounds.

:func:`generate_shapes_dataset` draws the scenes from a seed and writes them
as JPEG images and PNG label maps in the folder layout of
:class:`~mmflow_ext.datasets.BaseSegDataset`::

    data_root/img_dir/{train,val}/00000.jpg
    data_root/ann_dir/{train,val}/00000.png
    data_root/shapes_manifest.json

The manifest lists the arguments and the files written; see
:mod:`mmflow_ext.datasets.embedded_data` for when a tree is reused or
regenerated (only files the manifest lists are ever removed).
"""

import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np

from mmflow_ext.registry import DATASETS

from .embedded_data import encode_image, ensure_generated
from .seg_dataset import BaseSegDataset

__all__ = [
    'SHAPES_CLASSES',
    'SHAPES_PALETTE',
    'draw_shapes_scene',
    'generate_shapes_dataset',
    'ShapesDataset',
]

SHAPES_CLASSES = ('background', 'circle', 'square', 'triangle', 'star')
#: RGB colours the classes are drawn in by a visualizer
SHAPES_PALETTE = [
    [0, 0, 0],
    [220, 50, 50],
    [50, 180, 60],
    [60, 90, 230],
    [240, 200, 40],
]
#: BGR base colours the shapes of each class are painted with
_SHAPE_BGR = {
    1: (60, 60, 210),
    2: (70, 190, 60),
    3: (220, 100, 60),
    4: (40, 200, 240),
}
MANIFEST_NAME = 'shapes_manifest.json'
_MANIFEST_VERSION = 1
_SPLIT_IDS = {'train': 0, 'val': 1}
_JPEG_QUALITY = 95

ImageSize = Union[int, Sequence[int]]


def _as_hw(image_size: ImageSize) -> Tuple[int, int]:
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    height, width = (int(v) for v in image_size)
    if height < 16 or width < 16:
        raise ValueError(
            f'image_size must be at least 16 pixels, got {tuple(image_size)}'
        )
    return height, width


def _background(
    rng: np.random.Generator, height: int, width: int
) -> np.ndarray:
    """A low-saturation textured background, float32 BGR."""
    gray = rng.uniform(70, 190)
    tint = rng.uniform(-12, 12, size=3)
    coarse = rng.normal(0, 18, size=(4, 4, 3)).astype(np.float32)
    blobs = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    angle = rng.uniform(0, np.pi)
    period = rng.uniform(6, 20)
    stripes = rng.uniform(0, 14) * np.sin(
        (xx * np.cos(angle) + yy * np.sin(angle)) * 2 * np.pi / period
    )
    fine = rng.normal(0, 6, size=(height, width, 3))
    img = gray + tint + blobs + stripes[..., None] + fine
    return img.astype(np.float32)


def _shape_points(
    label: int, center: np.ndarray, radius: float, angle: float
) -> Optional[np.ndarray]:
    """Polygon of a square, triangle or star (None for a circle)."""
    if label == 2:
        count, radii = 4, [radius]
    elif label == 3:
        count, radii = 3, [radius]
    elif label == 4:
        count, radii = 5, [radius, radius * 0.45]
    else:
        return None
    steps = count * len(radii)
    thetas = angle + np.arange(steps) * 2 * np.pi / steps
    lengths = np.resize(radii, steps)
    points = center + np.stack(
        [lengths * np.cos(thetas), lengths * np.sin(thetas)], axis=1
    )
    return np.round(points).astype(np.int32)


def draw_shapes_scene(
    rng: np.random.Generator, height: int, width: int
) -> Tuple[np.ndarray, np.ndarray]:
    """Draw one scene: 2 to 6 shapes, possibly overlapping.

    Each shape has a class-typical colour with jitter and noise; a later
    shape covers an earlier one in both the image and the labels.

    Args:
        rng (np.random.Generator): Source of randomness.
        height (int): Image height.
        width (int): Image width.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``(H, W, 3)`` uint8 BGR image and
        ``(H, W)`` uint8 labels (0 background, 1-4 the shape classes).

    Examples:
        >>> img, labels = draw_shapes_scene(np.random.default_rng(0), 32, 48)
        >>> img.shape, labels.shape, int(labels.max()) <= 4
        ((32, 48, 3), (32, 48), True)
    """
    img = _background(rng, height, width)
    labels = np.zeros((height, width), np.uint8)
    short = min(height, width)
    for _ in range(rng.integers(2, 7)):
        label = int(rng.integers(1, len(SHAPES_CLASSES)))
        radius = rng.uniform(0.08, 0.22) * short
        center = rng.uniform(
            [radius * 0.5] * 2, [width - radius * 0.5, height - radius * 0.5]
        )
        mask = np.zeros((height, width), np.uint8)
        points = _shape_points(
            label, center, radius, rng.uniform(0, 2 * np.pi)
        )
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
        color = np.array(_SHAPE_BGR[label]) + rng.uniform(-25, 25, size=3)
        noise = rng.normal(0, 8, size=(int(inside.sum()), 3))
        img[inside] = color + noise
        labels[inside] = label
    return np.clip(img, 0, 255).astype(np.uint8), labels


def _planned_files(num_train: int, num_val: int) -> Dict[str, List[str]]:
    plan = {}
    for split, count in (('train', num_train), ('val', num_val)):
        plan[split] = [f'{i:05d}' for i in range(count)]
    return plan


def _relative_paths(plan: Dict[str, List[str]]) -> List[str]:
    return [
        osp.join(folder, split, stem + suffix)
        for split, stems in plan.items()
        for stem in stems
        for folder, suffix in (('img_dir', '.jpg'), ('ann_dir', '.png'))
    ]


def generate_shapes_dataset(
    data_root: str,
    num_train: int = 300,
    num_val: int = 50,
    image_size: ImageSize = 128,
    seed: int = 0,
    show_progress: bool = True,
) -> bool:
    """Write the shapes dataset under ``data_root`` unless it is there.

    Scene ``i`` of a split depends only on ``(seed, split, i)``, so the same
    arguments always give identical files. Generation follows the protocol
    of :func:`~mmflow_ext.datasets.embedded_data.ensure_generated`: one
    process at a time, and only files it wrote are ever replaced.

    Args:
        data_root (str): Folder of the dataset.
        num_train (int): Training scenes. Defaults to 300.
        num_val (int): Validation scenes. Defaults to 50.
        image_size (int | Sequence[int]): ``(h, w)`` or one side. Defaults
            to 128.
        seed (int): Seed of the scenes. Defaults to 0.
        show_progress (bool): Report the progress (a bar on a terminal,
            a log line every tenth of the scenes otherwise). Defaults to
            True.

    Returns:
        bool: True when files were written, False when a complete tree with
        the same arguments was reused.

    Raises:
        ValueError: On a negative count or an image side below 16.
        FileExistsError: When a file the generator did not write is in the
            way of one it plans.
    """
    height, width = _as_hw(image_size)
    if num_train < 0 or num_val < 0:
        raise ValueError(
            f'num_train and num_val must be >= 0, got '
            f'{num_train} and {num_val}'
        )
    params = dict(
        version=_MANIFEST_VERSION,
        num_train=int(num_train),
        num_val=int(num_val),
        image_size=[height, width],
        seed=int(seed),
    )
    plan = _planned_files(num_train, num_val)

    def produce():
        for split, stems in plan.items():
            for index, stem in enumerate(stems):
                rng = np.random.default_rng([seed, _SPLIT_IDS[split], index])
                img, labels = draw_shapes_scene(rng, height, width)
                yield [
                    (
                        osp.join('img_dir', split, stem + '.jpg'),
                        encode_image(
                            '.jpg',
                            img,
                            [cv2.IMWRITE_JPEG_QUALITY, _JPEG_QUALITY],
                        ),
                    ),
                    (
                        osp.join('ann_dir', split, stem + '.png'),
                        encode_image('.png', labels),
                    ),
                ]

    return ensure_generated(
        data_root,
        MANIFEST_NAME,
        params,
        _relative_paths(plan),
        produce,
        num_train + num_val,
        what=(
            f'the shapes dataset ({num_train} train + {num_val} val '
            f'scenes of {height}x{width})'
        ),
        show_progress=show_progress,
    )


@DATASETS.register_module()
class ShapesDataset(BaseSegDataset):
    """The embedded shapes dataset, generated on first use.

    The tree is written into ``data_root`` when it is missing or incomplete
    (by one process, under a file lock, the others wait and reuse it) and
    reused afterwards; pick the split with ``data_prefix``.

    Args:
        data_root (str): Folder of the dataset. Defaults to
            ``'data/shapes'``.
        data_prefix (dict): Defaults to the training split,
            ``dict(img_path='img_dir/train', seg_map_path='ann_dir/train')``.
        num_train (int): Training scenes. Defaults to 300.
        num_val (int): Validation scenes. Defaults to 50.
        image_size (int | Sequence[int]): ``(h, w)`` or one side. Defaults
            to 128.
        seed (int): Seed of the scenes. Defaults to 0.
        img_suffix (str): Defaults to ``'.jpg'``.
        seg_map_suffix (str): Defaults to ``'.png'``.
        **kwargs: Other :class:`BaseSegDataset` arguments.
    """

    METAINFO = dict(classes=SHAPES_CLASSES, palette=SHAPES_PALETTE)

    def __init__(
        self,
        data_root: str = 'data/shapes',
        data_prefix: dict = dict(
            img_path='img_dir/train', seg_map_path='ann_dir/train'
        ),
        num_train: int = 300,
        num_val: int = 50,
        image_size: ImageSize = 128,
        seed: int = 0,
        img_suffix: str = '.jpg',
        seg_map_suffix: str = '.png',
        **kwargs,
    ) -> None:
        self.generation_args = dict(
            num_train=num_train,
            num_val=num_val,
            image_size=image_size,
            seed=seed,
        )
        super().__init__(
            data_root=data_root,
            data_prefix=data_prefix,
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            **kwargs,
        )

    def load_data_list(self) -> List[dict]:
        """Generate the tree when needed, then list the split.

        Returns:
            list[dict]: One dict per sample.
        """
        generate_shapes_dataset(self.data_root, **self.generation_args)
        return super().load_data_list()
