# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Editing data flow: ours vs MMagic 1.2.0.

Rows (ours and MMagic's built from the same config, run in one process on
the same data with the same seeds, timed in turns, outputs compared):

- ``edit DataPreprocessor (training)``: a 16×3×256×256 uint8 training
  batch (inputs and ``gt_img`` of the data samples; and inputs alone),
  ``mean=[0, 0, 0]``,
  ``std=[255, 255, 255]`` as in MMagic's EDSR configs. MMagic's
  preprocessor writes the normalized ``gt_img`` back into the data
  samples, so each call gets a fresh batch (built outside the timing);
- ``edit train pipeline + preprocessor``: EDSR ×2's DIV2K training
  pipeline (LoadImageFromFile keyed ``img`` and ``gt``, SetValues,
  PairedRandomCrop(96), Flip horizontal and vertical, RandomTransposeHW,
  PackInputs) on DIV2K-style sub-images written as PNG (480×480 GT,
  240×240 LQ), batch 16, then the preprocessor; per image, and per stage.

Without MMagic (the dev environment), or while our editing transforms do
not build, the rows are skipped with a note. Run in the reference
environment::

    PYTHONPATH=. /path/to/refenv/bin/python \\
        benchmarks/bench_vs_upstream_edit.py [--tiny]
"""

import os.path as osp
import tempfile
from typing import Callable, Dict, List, Optional

import cv2
import numpy as np
import torch
from common import Row, parse_args, report
from mmengine.dataset import pseudo_collate
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

PEER = 'MMagic 1.2.0'
MEAN, STD = [0.0, 0.0, 0.0], [255.0, 255.0, 255.0]
STAGES = (
    'LoadImageFromFile img',
    'LoadImageFromFile gt',
    'SetValues',
    'PairedRandomCrop',
    'Flip horizontal',
    'Flip vertical',
    'RandomTransposeHW',
    'PackInputs',
)


def pipeline_cfg(patch: int) -> List[dict]:
    """EDSR ×2's DIV2K training pipeline with a ``patch``-pixel GT crop."""
    load = dict(
        type='LoadImageFromFile',
        color_type='color',
        channel_order='rgb',
        imdecode_backend='cv2',
    )
    return [
        dict(load, key='img'),
        dict(load, key='gt'),
        dict(type='SetValues', dictionary=dict(scale=2)),
        dict(type='PairedRandomCrop', gt_patch_size=patch),
        dict(
            type='Flip',
            keys=['img', 'gt'],
            flip_ratio=0.5,
            direction='horizontal',
        ),
        dict(
            type='Flip',
            keys=['img', 'gt'],
            flip_ratio=0.5,
            direction='vertical',
        ),
        dict(
            type='RandomTransposeHW', keys=['img', 'gt'], transpose_ratio=0.5
        ),
        dict(type='PackInputs'),
    ]


class Side:
    """One contender: its sample class, preprocessor and transforms."""

    def __init__(
        self, sample_cls, preprocessor, transforms: Optional[list]
    ) -> None:
        self.sample_cls = sample_cls
        self.preprocessor = preprocessor
        self.transforms = transforms

    def fresh_batch(
        self, images: List[torch.Tensor], with_gt: bool = True
    ) -> dict:
        """A training batch of ``images`` (each its own GT too)."""
        samples = []
        for img in images:
            sample = self.sample_cls()
            if with_gt:
                sample.set_tensor_data(dict(gt_img=img.clone()))
            samples.append(sample)
        return dict(
            inputs=[img.clone() for img in images], data_samples=samples
        )

    def pipeline_batch(
        self, files, first: int, batch: int
    ) -> (dict, Dict[str, float]):
        """Pipeline, collate and preprocess ``batch`` samples."""
        laps: Dict[str, float] = {}
        packed = []
        for seed in range(first, first + batch):
            seed_all(seed)
            img_path, gt_path = files[seed % len(files)]
            results = dict(img_path=img_path, gt_path=gt_path)
            for name, transform in zip(STAGES, self.transforms):
                start = clock()
                results = transform(results)
                laps[name] = laps.get(name, 0.0) + (clock() - start)
            packed.append(results)
        start = clock()
        out = self.preprocessor(pseudo_collate(packed), training=True)
        laps['collate + preprocessor'] = clock() - start
        return out, laps


def build_ours(patch: int) -> Side:
    from mmflow_ext.models.data_preprocessors.data_preprocessor import (
        DataPreprocessor,
    )
    from mmflow_ext.registry import TRANSFORMS
    from mmflow_ext.structures import DataSample

    try:
        transforms = [TRANSFORMS.build(cfg) for cfg in pipeline_cfg(patch)]
    except Exception as error:  # noqa: BLE001  (being written elsewhere)
        print(
            'NOTE: our editing transforms do not build yet '
            f'({type(error).__name__}: {error}); the pipeline row is '
            'pending.'
        )
        transforms = None
    return Side(DataSample, DataPreprocessor(mean=MEAN, std=STD), transforms)


def build_theirs(patch: int) -> Optional[Side]:
    if try_import('mmagic.datasets.transforms') is None:
        return None
    from mmagic.models.data_preprocessors import DataPreprocessor
    from mmagic.registry import TRANSFORMS
    from mmagic.structures import DataSample

    return Side(
        DataSample,
        DataPreprocessor(mean=MEAN, std=STD),
        [TRANSFORMS.build(cfg) for cfg in pipeline_cfg(patch)],
    )


def outputs_equal(ours: dict, theirs: dict) -> bool:
    """Whether two preprocessed batches hold the same numbers."""
    if not ours['inputs'].equal(theirs['inputs']):
        return False
    a, b = ours['data_samples'], theirs['data_samples']
    return a.gt_img.equal(b.gt_img)


def preprocessor_row(
    ours: Side, theirs: Side, num: int, size: int, rounds: int, with_gt: bool
) -> Row:
    """DataPreprocessor alone on a fresh uint8 training batch per call."""
    gen = torch.Generator().manual_seed(0)
    images = [
        torch.randint(
            0, 256, (3, size, size), dtype=torch.uint8, generator=gen
        )
        for _ in range(num)
    ]
    ours_out = ours.preprocessor(
        ours.fresh_batch(images, with_gt), training=True
    )
    theirs_out = theirs.preprocessor(
        theirs.fresh_batch(images, with_gt), training=True
    )
    equal = (
        outputs_equal(ours_out, theirs_out)
        if with_gt
        else ours_out['inputs'].equal(theirs_out['inputs'])
    )

    def contender(side: Side) -> Callable[[dict], None]:

        def run(batch: dict) -> None:
            side.preprocessor(batch, training=True)

        return run

    times = interleaved(
        dict(ours=contender(ours), theirs=contender(theirs)),
        list(range(4)),
        rounds,
        prepare=dict(
            ours=lambda _: ours.fresh_batch(images, with_gt),
            theirs=lambda _: theirs.fresh_batch(images, with_gt),
        ),
    )
    what = 'inputs + gt_img' if with_gt else 'inputs only'
    return Row(
        'edit DataPreprocessor (training)',
        f'{num}x3x{size}x{size} u8 {what}, mean 0 std 255',
        times['ours'],
        PEER,
        times['theirs'],
        None,
        equal,
    )


def write_files(root: str, num: int, gt_size: int) -> list:
    """DIV2K-style sub-images: GT PNGs and their ×2 bicubic LQ PNGs."""
    rng = np.random.default_rng(0)
    files = []
    for i in range(num):
        gt = smooth_image(rng, gt_size, gt_size, cell=8, noise=5)
        lq = cv2.resize(
            gt, (gt_size // 2, gt_size // 2), interpolation=cv2.INTER_CUBIC
        )
        gt_path = osp.join(root, f'{i:04d}_gt.png')
        img_path = osp.join(root, f'{i:04d}_lq.png')
        cv2.imwrite(gt_path, gt)
        cv2.imwrite(img_path, lq)
        files.append((img_path, gt_path))
    return files


def pipeline_rows(
    files, ours: Side, theirs: Side, batch: int, rounds: int
) -> List[Row]:
    """The training pipeline + preprocessor, per image and per stage."""
    firsts = [0, batch]
    equal = all(
        outputs_equal(
            ours.pipeline_batch(files, first, batch)[0],
            theirs.pipeline_batch(files, first, batch)[0],
        )
        for first in firsts
    )

    def contender(side: Side) -> Callable[[int], Dict[str, float]]:
        return lambda first: side.pipeline_batch(files, first, batch)[1]

    times = interleaved(
        dict(ours=contender(ours), theirs=contender(theirs)), firsts, rounds
    )

    workload = f'DIV2K-style x2 PNG sub-images, batch {batch}'
    rows = [
        Row(
            'edit train pipeline + preprocessor',
            workload,
            per_item(times['ours'], batch),
            PEER,
            per_item(times['theirs'], batch),
            None,
            equal,
        )
    ]
    for stage in STAGES + ('collate + preprocessor',):
        rows.append(
            Row(
                f'edit stage {stage}',
                workload,
                per_item(times[f'ours/{stage}'], batch),
                PEER,
                per_item(times[f'theirs/{stage}'], batch),
                None,
                equal,
            )
        )
    return rows


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    num, size = (2, 32) if args.tiny else (16, 256)
    gt_size, patch = (64, 32) if args.tiny else (480, 96)
    ours, theirs = build_ours(patch), build_theirs(patch)
    rows = []
    print(f'load average before: {load_average()}')
    with tempfile.TemporaryDirectory() as root:
        files = write_files(root, 2 * num, gt_size)
        for threads in args.threads:
            if theirs is None:
                break
            set_threads(threads)
            rows += [
                preprocessor_row(
                    ours, theirs, num, size, args.repeats, with_gt
                )
                for with_gt in (True, False)
            ]
            if ours.transforms is not None:
                rows += pipeline_rows(files, ours, theirs, num, args.repeats)
    print(f'load average after: {load_average()}')
    report(rows, args.json)


if __name__ == '__main__':
    main()
