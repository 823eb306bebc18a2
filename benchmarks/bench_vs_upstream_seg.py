# Copyright (c) mmflow_ext contributors. All rights reserved.
"""ADE20K training data flow: ours vs MMSegmentation 1.2.2, and the decode
floor.

Workload: ADE20K-sized files written to a temporary folder, 512×683 (h×w)
JPEG images and PNG label maps (labels 0-150, 0 = "other"), run through
the ADE20K training pipeline

    LoadImageFromFile, LoadAnnotations(reduce_zero_label=True),
    RandomResize(scale=(2048, 512), ratio_range=(0.5, 2.0), keep_ratio),
    RandomCrop(crop_size=(512, 512), cat_max_ratio=0.75),
    RandomFlip(prob=0.5), PhotoMetricDistortion, PackSegInputs

and the ADE20K ``SegDataPreProcessor`` (ImageNet mean/std, ``bgr_to_rgb``,
``size=(512, 512)``) on batches of 4. Ours and MMSegmentation's are built
from the same config, run in the same process on the same files with the
same seeds (Python, NumPy and torch reseeded per sample), timed in turns
(see ``peers.interleaved``), and their outputs compared: packed images,
label maps and the preprocessed batches must be equal.

Rows (per image, one row per stage as well):

- ``seg train pipeline + preprocessor`` against MMSegmentation's and
  against the decode floor: reading and decoding the JPEG (OpenCV) and the
  PNG (Pillow) alone, what both loaders call. Its "speed-up" is below 1:
  ``1 / speed-up`` is how many times the floor we take;
- ``seg stage <name>``: each transform, and ``collate + preprocessor``;
- ``PhotoMetricDistortion`` alone on the 512×512 crop views RandomCrop
  hands over, and on their horizontally flipped views (RandomFlip's);
  NumPy's generator state after each call must be equal too;
- ``SegDataPreProcessor`` alone on the packed batches of each pipeline.

Without MMSegmentation (the dev environment) only the floor row is
measured, with a note. Run in the reference environment::

    PYTHONPATH=. /path/to/refenv/bin/python \\
        benchmarks/bench_vs_upstream_seg.py [--tiny]
"""

import os.path as osp
import tempfile
from typing import Callable, Dict, List, Optional, Tuple

import cv2
import mmcv
import numpy as np
from common import Row, parse_args, report
from mmengine.dataset import pseudo_collate
from mmengine.fileio import get
from peers import (
    clock,
    interleaved,
    load_average,
    per_item,
    seed_all,
    set_threads,
    smooth_image,
    try_import,
)

MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]
BATCH = 4
STAGES = (
    'LoadImageFromFile',
    'LoadAnnotations',
    'RandomResize',
    'RandomCrop',
    'RandomFlip',
    'PhotoMetricDistortion',
    'PackSegInputs',
)
PEER = 'MMSegmentation 1.2.2'


def pipeline_cfg(tiny: bool) -> List[dict]:
    """The ADE20K training pipeline (smaller sizes with ``tiny``)."""
    scale, crop = ((256, 64), (64, 64)) if tiny else ((2048, 512), (512, 512))
    return [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations', reduce_zero_label=True),
        dict(
            type='RandomResize',
            scale=scale,
            ratio_range=(0.5, 2.0),
            keep_ratio=True,
        ),
        dict(type='RandomCrop', crop_size=crop, cat_max_ratio=0.75),
        dict(type='RandomFlip', prob=0.5),
        dict(type='PhotoMetricDistortion'),
        dict(type='PackSegInputs'),
    ]


def write_files(
    root: str, num: int, height: int, width: int
) -> List[Tuple[str, str]]:
    """Smooth random scenes as JPEG and blocky label maps as PNG."""
    rng = np.random.default_rng(0)
    files = []
    for i in range(num):
        img = smooth_image(rng, height, width, cell=16, noise=6)
        regions = rng.integers(0, 151, (height // 32 + 1, width // 32 + 1))
        label = np.kron(regions, np.ones((32, 32), np.int64))[:height, :width]
        img_path = osp.join(root, f'{i:04d}.jpg')
        seg_path = osp.join(root, f'{i:04d}.png')
        cv2.imwrite(img_path, img)
        cv2.imwrite(seg_path, label.astype(np.uint8))
        files.append((img_path, seg_path))
    return files


def sample(files: List[Tuple[str, str]], index: int) -> dict:
    """The dataset's dict of one file pair."""
    img_path, seg_path = files[index % len(files)]
    return dict(
        img_path=img_path,
        seg_map_path=seg_path,
        reduce_zero_label=True,
        seg_fields=[],
        label_map=None,
    )


def run_stages(
    transforms: list, results: dict, laps: Dict[str, float]
) -> dict:
    """Apply ``transforms`` in turn, adding each one's seconds to ``laps``."""
    for name, transform in zip(STAGES, transforms):
        start = clock()
        results = transform(results)
        laps[name] = laps.get(name, 0.0) + clock() - start
    return results


class Side:
    """One contender: its transforms and its preprocessor."""

    def __init__(self, transforms: list, preprocessor) -> None:
        self.transforms = transforms
        self.preprocessor = preprocessor

    def packed(self, files, seed: int) -> dict:
        """The packed sample ``seed`` (seeded as in every timed run)."""
        seed_all(seed)
        return run_stages(self.transforms, sample(files, seed), {})

    def batch(self, files, first: int) -> Tuple[dict, Dict[str, float]]:
        """Pipeline, collate and preprocess samples first..first+BATCH."""
        laps: Dict[str, float] = {}
        packed = []
        for seed in range(first, first + BATCH):
            seed_all(seed)
            packed.append(
                run_stages(self.transforms, sample(files, seed), laps)
            )
        start = clock()
        out = self.preprocessor(pseudo_collate(packed), training=True)
        laps['collate + preprocessor'] = clock() - start
        return out, laps


def decode_floor(files, first: int) -> None:
    """Read and decode the files of one batch, and nothing else."""
    for seed in range(first, first + BATCH):
        img_path, seg_path = files[seed % len(files)]
        mmcv.imfrombytes(get(img_path), flag='color', backend='cv2')
        mmcv.imfrombytes(get(seg_path), flag='unchanged', backend='pillow')


def batches_equal(ours: dict, theirs: dict) -> bool:
    """Whether two preprocessed batches hold the same numbers."""
    if not ours['inputs'].equal(theirs['inputs']):
        return False
    return all(
        a.gt_sem_seg.data.long().equal(b.gt_sem_seg.data.long())
        for a, b in zip(ours['data_samples'], theirs['data_samples'])
    )


def packed_equal(ours: dict, theirs: dict) -> bool:
    """Whether two packed samples hold the same image and labels."""
    return ours['inputs'].equal(theirs['inputs']) and ours[
        'data_samples'
    ].gt_sem_seg.data.long().equal(
        theirs['data_samples'].gt_sem_seg.data.long()
    )


def build_ours(tiny: bool) -> Side:
    from mmflow_ext.models.data_preprocessors.seg_data_preprocessor import (
        SegDataPreProcessor,
    )
    from mmflow_ext.registry import TRANSFORMS

    return Side(
        [TRANSFORMS.build(cfg) for cfg in pipeline_cfg(tiny)],
        SegDataPreProcessor(**preprocessor_kwargs(tiny)),
    )


def build_theirs(tiny: bool) -> Optional[Side]:
    if try_import('mmseg.datasets.transforms') is None:
        return None
    from mmseg.models.data_preprocessor import SegDataPreProcessor
    from mmseg.registry import TRANSFORMS

    return Side(
        [TRANSFORMS.build(cfg) for cfg in pipeline_cfg(tiny)],
        SegDataPreProcessor(**preprocessor_kwargs(tiny)),
    )


def preprocessor_kwargs(tiny: bool) -> dict:
    return dict(
        mean=MEAN,
        std=STD,
        bgr_to_rgb=True,
        pad_val=0,
        seg_pad_val=255,
        size=(64, 64) if tiny else (512, 512),
    )


def pipeline_rows(
    files, ours: Side, theirs: Optional[Side], rounds: int, workload: str
) -> List[Row]:
    """The pipeline + preprocessor rows, per stage too."""
    firsts = list(range(0, 2 * len(files), BATCH))
    equal = True
    if theirs is not None:
        for first in firsts:
            for seed in range(first, first + BATCH):
                equal &= packed_equal(
                    ours.packed(files, seed), theirs.packed(files, seed)
                )
            equal &= batches_equal(
                ours.batch(files, first)[0], theirs.batch(files, first)[0]
            )

    def contender(side: Side) -> Callable[[int], Dict[str, float]]:
        return lambda first: side.batch(files, first)[1]

    contenders = dict(
        ours=contender(ours), floor=lambda first: decode_floor(files, first)
    )
    if theirs is not None:
        contenders['theirs'] = contender(theirs)
    times = interleaved(contenders, firsts, rounds)

    name = 'seg train pipeline + preprocessor'
    rows = [
        Row(
            name,
            workload,
            per_item(times['ours'], BATCH),
            'decode floor (JPEG cv2 + PNG Pillow)',
            per_item(times['floor'], BATCH),
            None,
            True,
        )
    ]
    if theirs is None:
        return rows
    rows.insert(
        0,
        Row(
            name,
            workload,
            per_item(times['ours'], BATCH),
            PEER,
            per_item(times['theirs'], BATCH),
            None,
            equal,
        ),
    )
    for stage in STAGES + ('collate + preprocessor',):
        rows.append(
            Row(
                f'seg stage {stage}',
                workload,
                per_item(times[f'ours/{stage}'], BATCH),
                PEER,
                per_item(times[f'theirs/{stage}'], BATCH),
                None,
                equal,
            )
        )
    return rows


def distortion_rows(
    files, ours: Side, theirs: Side, rounds: int, seeds: int
) -> List[Row]:
    """PhotoMetricDistortion alone on crop views and their flipped views."""
    crops = []
    for seed in range(len(files)):
        seed_all(seed)
        results = sample(files, seed)
        for transform in ours.transforms[:4]:  # up to RandomCrop
            results = transform(results)
        crops.append(results['img'])
    ours_pmd, theirs_pmd = ours.transforms[5], theirs.transforms[5]
    rows = []
    for view, images in (
        ('crop view', crops),
        ('flipped crop view', [np.flip(img, axis=1) for img in crops]),
    ):
        equal = True
        for seed in range(seeds):
            img = images[seed % len(images)]
            seed_all(seed)
            a = theirs_pmd(dict(img=img))['img']
            state = np.random.get_state()[1].copy()
            seed_all(seed)
            b = ours_pmd(dict(img=img))['img']
            equal &= (
                a.dtype == b.dtype
                and np.array_equal(a, b)
                and np.array_equal(np.random.get_state()[1], state)
            )

        def contender(pmd) -> Callable[[int], None]:

            def run(seed: int) -> None:
                np.random.seed(seed)
                pmd(dict(img=images[seed % len(images)]))

            return run

        times = interleaved(
            dict(ours=contender(ours_pmd), theirs=contender(theirs_pmd)),
            list(range(seeds)),
            rounds,
        )
        h, w = crops[0].shape[:2]
        rows.append(
            Row(
                'PhotoMetricDistortion',
                f'{h}x{w}x3 u8 {view}, {seeds} seeds',
                times['ours'],
                PEER,
                times['theirs'],
                None,
                equal,
            )
        )
    return rows


def preprocessor_rows(
    files, ours: Side, theirs: Side, rounds: int
) -> List[Row]:
    """SegDataPreProcessor alone on each pipeline's packed batches."""
    firsts = list(range(0, len(files), BATCH))
    batches = {
        side: [
            pseudo_collate(
                [
                    side.packed(files, seed)
                    for seed in range(first, first + BATCH)
                ]
            )
            for first in firsts
        ]
        for side in (ours, theirs)
    }
    equal = all(
        batches_equal(
            ours.preprocessor(a, training=True),
            theirs.preprocessor(b, training=True),
        )
        for a, b in zip(batches[ours], batches[theirs])
    )

    def contender(side: Side) -> Callable[[int], None]:

        def run(i: int) -> None:
            side.preprocessor(batches[side][i], training=True)

        return run

    times = interleaved(
        dict(ours=contender(ours), theirs=contender(theirs)),
        list(range(len(firsts))),
        rounds,
    )
    shape = tuple(batches[ours][0]['inputs'][0].shape)
    workload = (
        f'train {BATCH}x{shape[0]}x{shape[1]}x{shape[2]} u8 + '
        'masks from each pipeline, size=crop'
    )
    return [
        Row(
            'SegDataPreProcessor',
            workload,
            times['ours'],
            PEER,
            times['theirs'],
            None,
            equal,
        )
    ]


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    num, height, width = (4, 64, 86) if args.tiny else (8, 512, 683)
    seeds = 8 if args.tiny else 64
    ours, theirs = build_ours(args.tiny), build_theirs(args.tiny)
    rows = []
    print(f'load average before: {load_average()}')
    with tempfile.TemporaryDirectory() as root:
        files = write_files(root, num, height, width)
        workload = f'ADE20K-style {height}x{width} JPEG + PNG, batch {BATCH}'
        for threads in args.threads:
            set_threads(threads)
            rows += pipeline_rows(files, ours, theirs, args.repeats, workload)
            if theirs is not None:
                rows += distortion_rows(
                    files, ours, theirs, args.repeats, seeds
                )
                rows += preprocessor_rows(files, ours, theirs, args.repeats)
    print(f'load average after: {load_average()}')
    report(rows, args.json)


if __name__ == '__main__':
    main()
