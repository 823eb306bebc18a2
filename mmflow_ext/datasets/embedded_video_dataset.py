# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Embedded video restoration data, generated on first use, in the REDS
layout.

Each clip is a textured background panning at a constant velocity with a
few sprites moving across it; frames are rendered at twice the target size
(integer motion there, half-pixel motion in the targets) and
area-downscaled. Their ×4 area-downscaled versions are the inputs:

.. code-block:: none

    data_root/
      embedded_video.json             settings and files written (manifest)
      meta_info_train.txt             "train_000 10 (64,64,3)" per clip
      meta_info_val.txt
      gt/train_000/00000000.png ...   clean frames
      x4/train_000/00000000.png ...   area-downscaled ×4
      gt/val_000/...                  validation clips, same layout

Everything follows from the seed, so two runs write identical files. The
generation protocol is :mod:`mmflow_ext.datasets.embedded_data`'s.
"""

from typing import Dict, Iterator, List, Tuple

import cv2
import numpy as np

from mmflow_ext.registry import DATASETS

from .basic_frames_dataset import BasicFramesDataset
from .embedded_data import encode_image, ensure_generated
from .embedded_sr_dataset import degrade, synthesize_clean_image

__all__ = [
    'EmbeddedVideoDataset',
    'synthesize_clip',
    'generate_embedded_video_data',
]

MARKER = 'embedded_video.json'
SCALE = 4
#: largest motion per frame, in pixels of the 2× render
_MAX_PAN, _MAX_SPRITE = 3, 4
_FORMAT_VERSION = 1


def _draw_sprite(
    img: np.ndarray, kind: int, centre: np.ndarray, size: int, color: tuple
) -> None:
    x, y = (int(v) for v in centre)
    if kind == 0:
        cv2.circle(img, (x, y), size, color, -1, cv2.LINE_AA)
    elif kind == 1:
        cv2.rectangle(
            img, (x - size, y - size), (x + size, y + size), color, -1
        )
        inner = tuple(255 - c for c in color)
        half = size // 2
        cv2.rectangle(
            img, (x - half, y - half), (x + half, y + half), inner, -1
        )
    else:
        points = np.array(
            [[x, y - size], [x + size, y + size], [x - size, y + size]],
            np.int32,
        )
        cv2.fillPoly(img, [points], color, cv2.LINE_AA)


def synthesize_clip(
    rng: np.random.Generator, num_frames: int = 10, size: int = 64
) -> List[np.ndarray]:
    """The clean frames of one clip.

    A background (:func:`~.embedded_sr_dataset.synthesize_clean_image`)
    pans by up to 3 render pixels a frame and 1-3 sprites (disc, two-tone
    square, triangle) move by up to 4, on a canvas rendered at ``2·size``
    and area-downscaled to ``size``.

    Args:
        rng (np.random.Generator): Source of randomness.
        num_frames (int): Frames of the clip. Defaults to 10.
        size (int): Side of the frames in pixels. Defaults to 64.

    Returns:
        list[np.ndarray]: ``num_frames`` ``size×size×3`` uint8 BGR frames.

    Examples:
        >>> a = synthesize_clip(np.random.default_rng(0), 3, 16)
        >>> b = synthesize_clip(np.random.default_rng(0), 3, 16)
        >>> len(a), a[0].shape, all((x == y).all() for x, y in zip(a, b))
        (3, (16, 16, 3), True)
    """
    render = 2 * size
    pad = _MAX_PAN * (num_frames - 1)
    canvas = synthesize_clean_image(rng, render + 2 * pad)
    pan = rng.integers(-_MAX_PAN, _MAX_PAN + 1, 2)
    sprites = [
        dict(
            kind=int(rng.integers(0, 3)),
            start=rng.uniform(0, render, 2),
            velocity=rng.integers(-_MAX_SPRITE, _MAX_SPRITE + 1, 2),
            size=int(rng.integers(render // 16, render // 6)),
            color=tuple(int(c) for c in rng.integers(0, 256, 3)),
        )
        for _ in range(int(rng.integers(1, 4)))
    ]
    frames = []
    for t in range(num_frames):
        x0, y0 = pad + pan * t
        frame = np.ascontiguousarray(
            canvas[y0 : y0 + render, x0 : x0 + render]
        )
        for sprite in sprites:
            _draw_sprite(
                frame,
                sprite['kind'],
                sprite['start'] + sprite['velocity'] * t,
                sprite['size'],
                sprite['color'],
            )
        frames.append(
            cv2.resize(frame, (size, size), interpolation=cv2.INTER_AREA)
        )
    return frames


def _clips(settings: dict) -> List[Tuple[str, str, int]]:
    """``(split, clip name, index)`` of every clip."""
    return [
        (split, f'{split}_{idx:03d}', idx)
        for split in ('train', 'val')
        for idx in range(settings[f'num_{split}'])
    ]


def _ann_files(settings: dict) -> Dict[str, bytes]:
    size, frames = settings['img_size'], settings['num_frames']
    lines: Dict[str, List[str]] = {'train': [], 'val': []}
    for split, clip, _ in _clips(settings):
        lines[split].append(f'{clip} {frames} ({size},{size},3)\n')
    return {
        f'meta_info_{split}.txt': ''.join(rows).encode()
        for split, rows in lines.items()
    }


def _planned(settings: dict) -> List[str]:
    frames = [
        f'{kind}/{clip}/{t:08d}.png'
        for _, clip, _ in _clips(settings)
        for kind in ('gt', f'x{SCALE}')
        for t in range(settings['num_frames'])
    ]
    return sorted(_ann_files(settings)) + frames


def _produce(settings: dict) -> Iterator[List[Tuple[str, bytes]]]:
    yield list(_ann_files(settings).items())
    size, seed = settings['img_size'], settings['seed']
    for split, clip, idx in _clips(settings):
        rng = np.random.default_rng((seed, 0 if split == 'train' else 1, idx))
        item = []
        for t, gt in enumerate(
            synthesize_clip(rng, settings['num_frames'], size)
        ):
            lq = degrade(gt, f'x{SCALE}', rng)
            item.append((f'gt/{clip}/{t:08d}.png', encode_image('.png', gt)))
            item.append(
                (f'x{SCALE}/{clip}/{t:08d}.png', encode_image('.png', lq))
            )
        yield item


def generate_embedded_video_data(
    data_root: str,
    seed: int = 0,
    num_train: int = 12,
    num_val: int = 2,
    num_frames: int = 10,
    img_size: int = 64,
    show_progress: bool = True,
) -> bool:
    """Write the embedded video data under ``data_root`` unless it is
    there (protocol of
    :func:`~mmflow_ext.datasets.embedded_data.ensure_generated`).

    Args:
        data_root (str): Destination folder.
        seed (int): Seed of everything random. Defaults to 0.
        num_train (int): Training clips. Defaults to 12.
        num_val (int): Validation clips. Defaults to 2.
        num_frames (int): Frames per clip. Defaults to 10.
        img_size (int): Side of the clean frames, a multiple of 4, at
            least 16. Defaults to 64.
        show_progress (bool): Report the progress. Defaults to True.

    Returns:
        bool: True when files were written, False when reused.

    Raises:
        ValueError: ``img_size`` or ``num_frames`` is out of range.
        FileExistsError: A file the generator did not write is in the way
            of one it plans (the message names it).
    """
    if img_size % SCALE or img_size < 16:
        raise ValueError(
            f'img_size must be a multiple of {SCALE} and >= 16, got {img_size}'
        )
    if num_frames < 1:
        raise ValueError(f'num_frames must be >= 1, got {num_frames}')
    settings = dict(
        version=_FORMAT_VERSION,
        seed=seed,
        num_train=num_train,
        num_val=num_val,
        num_frames=num_frames,
        img_size=img_size,
    )
    return ensure_generated(
        data_root,
        MARKER,
        settings,
        _planned(settings),
        lambda: _produce(settings),
        1 + num_train + num_val,
        what=f'embedded video data ({num_train} train + {num_val} val clips)',
        show_progress=show_progress,
    )


@DATASETS.register_module()
class EmbeddedVideoDataset(BasicFramesDataset):
    """Embedded video data: generated into ``data_root`` on first use, then
    read like :class:`BasicFramesDataset` in the REDS layout (so REDS
    pipelines, ``GenerateSegmentIndices`` included, work unchanged).

    Args:
        data_root (str): Where the data lives (or will be generated).
        split (str): ``'train'`` or ``'val'``. Defaults to ``'train'``.
        seed (int): Seed of the generated data. Defaults to 0.
        num_train (int): Training clips. Defaults to 12.
        num_val (int): Validation clips. Defaults to 2.
        num_frames (int): Frames per clip. Defaults to 10.
        img_size (int): Side of the clean frames. Defaults to 64.
        **kwargs: Other arguments of :class:`BasicFramesDataset`
            (``pipeline``, ``num_input_frames``, ``load_frames_list``...).
            Defaults: ``ann_file=f'meta_info_{split}.txt'``,
            ``data_prefix=dict(img='x4', gt='gt')``, ``depth=1`` and
            ``fixed_seq_len=num_frames``.
    """

    METAINFO = dict(dataset_type='embedded_video', task_name='vsr')

    def __init__(
        self,
        data_root: str,
        split: str = 'train',
        seed: int = 0,
        num_train: int = 12,
        num_val: int = 2,
        num_frames: int = 10,
        img_size: int = 64,
        **kwargs,
    ) -> None:
        if split not in ('train', 'val'):
            raise ValueError(f"split must be 'train' or 'val', got {split!r}")
        generate_embedded_video_data(
            data_root, seed, num_train, num_val, num_frames, img_size
        )
        kwargs.setdefault('ann_file', f'meta_info_{split}.txt')
        kwargs.setdefault('data_prefix', dict(img=f'x{SCALE}', gt='gt'))
        kwargs.setdefault('depth', 1)
        kwargs.setdefault('fixed_seq_len', num_frames)
        self.split = split
        super().__init__(data_root=data_root, **kwargs)
