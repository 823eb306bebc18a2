# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Embedded restoration data, generated on first use.

Clean targets are synthetic but structured (textures, sharp-edged shapes,
text-like strokes); their degraded versions are written next to them:

.. code-block:: none

    data_root/
      embedded_sr.json            settings and files written (the manifest)
      train/gt/0000.png ...       clean targets
      train/x2/0000.png ...       area-downscaled ×2
      train/x4/0000.png ...       area-downscaled ×4
      train/noisy/0000.png ...    targets + Gaussian noise (σ = 15)
      val/...                     same layout

Everything follows from the seed, so two runs write identical files. The
generation protocol is :mod:`mmflow_ext.datasets.embedded_data`'s.
"""

from typing import Dict, Iterator, List, Tuple

import cv2
import numpy as np

from mmflow_ext.registry import DATASETS

from .embedded_data import encode_image, ensure_generated
from .paired_image_dataset import BasicImageDataset

__all__ = [
    'EmbeddedSRDataset',
    'synthesize_clean_image',
    'degrade',
    'generate_embedded_sr_data',
]

MARKER = 'embedded_sr.json'
DEGRADATIONS = ('x2', 'x4', 'noisy')
NOISE_SIGMA = 15.0
_FORMAT_VERSION = 1


def _random_color(rng: np.random.Generator) -> tuple:
    return tuple(int(c) for c in rng.integers(0, 256, 3))


def _texture(rng: np.random.Generator, size: int) -> np.ndarray:
    """A smooth colour gradient plus an oriented sinusoidal grating."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) / size
    start, end = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
    angle = rng.uniform(0, np.pi)
    ramp = np.cos(angle) * xx + np.sin(angle) * yy
    ramp = (ramp - ramp.min()) / max(ramp.max() - ramp.min(), 1e-6)
    img = start + ramp[..., None] * (end - start)
    freq = rng.uniform(2, 12)
    theta = rng.uniform(0, np.pi)
    grating = np.sin(
        2 * np.pi * freq * (np.cos(theta) * xx + np.sin(theta) * yy)
    )
    img += rng.uniform(10, 50) * grating[..., None] * rng.uniform(0.3, 1, 3)
    return img


def _draw_shapes(img: np.ndarray, rng: np.random.Generator) -> None:
    size = img.shape[0]
    for _ in range(int(rng.integers(2, 6))):
        kind = rng.integers(0, 3)
        color = _random_color(rng)
        if kind == 0:
            p1 = rng.integers(0, size, 2)
            p2 = p1 + rng.integers(size // 8, size // 2, 2)
            cv2.rectangle(
                img,
                tuple(int(v) for v in p1),
                tuple(int(v) for v in p2),
                color,
                -1,
            )
        elif kind == 1:
            center = tuple(int(v) for v in rng.integers(0, size, 2))
            cv2.circle(
                img,
                center,
                int(rng.integers(size // 16, size // 4)),
                color,
                -1,
                cv2.LINE_AA,
            )
        else:
            points = rng.integers(0, size, (int(rng.integers(3, 6)), 2))
            cv2.fillPoly(img, [points.astype(np.int32)], color, cv2.LINE_AA)


def _draw_strokes(img: np.ndarray, rng: np.random.Generator) -> None:
    """Text-like strokes: glyphs of Hershey fonts and thin polylines."""
    size = img.shape[0]
    fonts = (
        cv2.FONT_HERSHEY_SIMPLEX,
        cv2.FONT_HERSHEY_DUPLEX,
        cv2.FONT_HERSHEY_COMPLEX,
        cv2.FONT_HERSHEY_PLAIN,
    )
    letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789'
    for _ in range(int(rng.integers(1, 4))):
        text = ''.join(
            letters[i]
            for i in rng.integers(0, len(letters), int(rng.integers(2, 6)))
        )
        origin = (
            int(rng.integers(0, size // 2)),
            int(rng.integers(size // 6, size)),
        )
        cv2.putText(
            img,
            text,
            origin,
            fonts[int(rng.integers(0, len(fonts)))],
            float(rng.uniform(0.3, 0.9)) * size / 96,
            _random_color(rng),
            int(rng.integers(1, 3)),
            cv2.LINE_AA,
        )
    for _ in range(int(rng.integers(1, 3))):
        points = rng.integers(0, size, (int(rng.integers(2, 5)), 2))
        cv2.polylines(
            img,
            [points.astype(np.int32)],
            False,
            _random_color(rng),
            1,
            cv2.LINE_AA,
        )


def synthesize_clean_image(
    rng: np.random.Generator, size: int = 96
) -> np.ndarray:
    """One clean ``size×size×3`` uint8 BGR target.

    Args:
        rng (np.random.Generator): Source of randomness.
        size (int): Side length in pixels. Defaults to 96.

    Returns:
        np.ndarray: The image.

    Examples:
        >>> a = synthesize_clean_image(np.random.default_rng(0), 32)
        >>> b = synthesize_clean_image(np.random.default_rng(0), 32)
        >>> a.shape, a.dtype, bool((a == b).all())
        ((32, 32, 3), dtype('uint8'), True)
    """
    img = np.ascontiguousarray(
        np.clip(_texture(rng, size), 0, 255).round().astype(np.uint8)
    )
    _draw_shapes(img, rng)
    _draw_strokes(img, rng)
    return img


def degrade(gt: np.ndarray, kind: str, rng: np.random.Generator) -> np.ndarray:
    """A degraded version of a clean image.

    Args:
        gt (np.ndarray): ``H×W×3`` uint8 target.
        kind (str): ``'x2'`` / ``'x4'`` (area downscaling) or ``'noisy'``
            (additive Gaussian noise, σ = 15).
        rng (np.random.Generator): Source of the noise.

    Returns:
        np.ndarray: The uint8 degraded image.
    """
    if kind in ('x2', 'x4'):
        scale = int(kind[1])
        height, width = gt.shape[:2]
        if height % scale or width % scale:
            raise ValueError(
                f'Size {gt.shape[:2]} is not divisible by {scale}'
            )
        return cv2.resize(
            gt, (width // scale, height // scale), interpolation=cv2.INTER_AREA
        )
    if kind == 'noisy':
        noise = rng.normal(0, NOISE_SIGMA, gt.shape)
        return np.clip(gt + noise, 0, 255).round().astype(np.uint8)
    raise ValueError(
        f'Unknown degradation {kind!r}; use one of {DEGRADATIONS}'
    )


def _settings(
    seed: int, num_train: int, num_val: int, img_size: int
) -> Dict[str, int]:
    return dict(
        version=_FORMAT_VERSION,
        seed=seed,
        num_train=num_train,
        num_val=num_val,
        img_size=img_size,
    )


def _planned(settings: dict) -> List[str]:
    return [
        f'{split}/{kind}/{idx:04d}.png'
        for split, count in (
            ('train', settings['num_train']),
            ('val', settings['num_val']),
        )
        for kind in ('gt',) + DEGRADATIONS
        for idx in range(count)
    ]


def _produce(
    seed: int, num_train: int, num_val: int, img_size: int
) -> Iterator[List[Tuple[str, bytes]]]:
    for split, count in (('train', num_train), ('val', num_val)):
        split_seed = (seed, 0 if split == 'train' else 1)
        for idx in range(count):
            rng = np.random.default_rng(split_seed + (idx,))
            gt = synthesize_clean_image(rng, img_size)
            name = f'{idx:04d}.png'
            item = [(f'{split}/gt/{name}', encode_image('.png', gt))]
            for kind in DEGRADATIONS:
                item.append(
                    (
                        f'{split}/{kind}/{name}',
                        encode_image('.png', degrade(gt, kind, rng)),
                    )
                )
            yield item


def generate_embedded_sr_data(
    data_root: str,
    seed: int = 0,
    num_train: int = 200,
    num_val: int = 20,
    img_size: int = 96,
    show_progress: bool = True,
) -> bool:
    """Write the embedded data under ``data_root`` unless it is there.

    Generation follows the protocol of
    :func:`~mmflow_ext.datasets.embedded_data.ensure_generated`: one
    process at a time under a file lock, every file written atomically,
    and only files listed in :data:`MARKER` are ever removed (files a user
    put beside the data stay).

    Args:
        data_root (str): Destination folder.
        seed (int): Seed of everything random. Defaults to 0.
        num_train (int): Training images. Defaults to 200.
        num_val (int): Validation images. Defaults to 20.
        img_size (int): Side of the clean images, a multiple of 4.
            Defaults to 96.
        show_progress (bool): Report the progress. Defaults to True.

    Returns:
        bool: True when files were written, False when reused.

    Raises:
        FileExistsError: A file the generator did not write is in the way
            of one it plans (the message names it).
    """
    if img_size % 4 or img_size < 16:
        raise ValueError(
            f'img_size must be a multiple of 4 and >= 16, got {img_size}'
        )
    settings = _settings(seed, num_train, num_val, img_size)
    return ensure_generated(
        data_root,
        MARKER,
        settings,
        _planned(settings),
        lambda: _produce(seed, num_train, num_val, img_size),
        num_train + num_val,
        what=(f'embedded SR data ({num_train} train + {num_val} val images)'),
        recorded_files=_planned,
        show_progress=show_progress,
    )


@DATASETS.register_module()
class EmbeddedSRDataset(BasicImageDataset):
    """Embedded restoration data: generated into ``data_root`` on first
    use, then read like :class:`BasicImageDataset`.

    Args:
        data_root (str): Where the data lives (or will be generated).
        split (str): ``'train'`` or ``'val'``. Defaults to ``'train'``.
        degradation (str): Input folder: ``'x2'``, ``'x4'`` or
            ``'noisy'``. Defaults to ``'x4'``.
        seed (int): Seed of the generated data. Defaults to 0.
        num_train (int): Training images. Defaults to 200.
        num_val (int): Validation images. Defaults to 20.
        img_size (int): Side of the clean images. Defaults to 96.
        **kwargs: Other arguments of :class:`BasicImageDataset`
            (``pipeline``, ``test_mode``...). ``data_prefix`` defaults to
            ``dict(img=f'{split}/{degradation}', gt=f'{split}/gt')``.

    """

    METAINFO = dict(dataset_type='embedded_sr', task_name='editing')

    def __init__(
        self,
        data_root: str,
        split: str = 'train',
        degradation: str = 'x4',
        seed: int = 0,
        num_train: int = 200,
        num_val: int = 20,
        img_size: int = 96,
        **kwargs,
    ) -> None:
        if split not in ('train', 'val'):
            raise ValueError(f"split must be 'train' or 'val', got {split!r}")
        if degradation not in DEGRADATIONS:
            raise ValueError(
                f'degradation must be one of {DEGRADATIONS}, '
                f'got {degradation!r}'
            )
        generate_embedded_sr_data(
            data_root, seed, num_train, num_val, img_size
        )
        kwargs.setdefault(
            'data_prefix', dict(img=f'{split}/{degradation}', gt=f'{split}/gt')
        )
        kwargs.setdefault('search_key', 'gt')
        self.split = split
        self.degradation = degradation
        super().__init__(data_root=data_root, **kwargs)
