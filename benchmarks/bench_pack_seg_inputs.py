# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Benchmark of ``PackSegInputs`` on a 512x1024 uint8 image and its mask.

Reference: the straightforward packing, a contiguous CHW copy of the image
(``np.ascontiguousarray(img.transpose(2, 0, 1))``) and int64 labels. Ours
copies the image once in its HWC layout (a plain memory copy, so the
caller's array is never shared or changed) and hands over a CHW view of that
copy, with uint8 labels. The second pair of rows adds the float32
conversion the preprocessor does next, so the transposing pass that ours
defers is counted where it happens.

Run: ``python benchmarks/bench_pack_seg_inputs.py [--tiny] [--threads 1 2]``
"""

import numpy as np
import torch
from common import Row, parse_args, peak_memory, report, time_fn

from mmflow_ext.datasets.transforms.seg_formatting import PackSegInputs


def make_sample(height: int, width: int) -> dict:
    """A synthetic sample like the one a segmentation pipeline packs."""
    rng = np.random.default_rng(0)
    return dict(
        img=rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8),
        gt_seg_map=rng.integers(0, 19, size=(height, width), dtype=np.uint8),
        img_path='a.png',
        seg_map_path='a_label.png',
        ori_shape=(height, width),
        img_shape=(height, width),
    )


def reference_pack(results: dict) -> dict:
    """Contiguous CHW image copy and int64 labels."""
    img = torch.from_numpy(
        np.ascontiguousarray(results['img'].transpose(2, 0, 1))
    )
    labels = torch.from_numpy(results['gt_seg_map'][None].astype(np.int64))
    return dict(inputs=img, labels=labels)


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    height, width = (64, 128) if args.tiny else (512, 1024)
    repeats = 2 if args.tiny else args.repeats
    workload = f'{height}x{width}x3 uint8 + mask'
    pack = PackSegInputs()
    sample = make_sample(height, width)

    def ours():
        return pack(dict(sample))

    def ours_float():
        packed = ours()
        return (
            packed['inputs'].float(),
            packed['data_samples'].gt_sem_seg.data.long(),
        )

    def reference_float():
        packed = reference_pack(sample)
        return packed['inputs'].float(), packed['labels'].long()

    mine, ref = ours(), reference_pack(sample)
    shares_nothing = (
        mine['inputs'].data_ptr() != sample['img'].ctypes.data
        and sample['img'].flags.writeable
        and sample['gt_seg_map'].flags.writeable
    )
    packed_equal = (
        shares_nothing
        and torch.equal(mine['inputs'], ref['inputs'])
        and mine['data_samples'].gt_sem_seg.data.dtype == torch.uint8
        and torch.equal(
            mine['data_samples'].gt_sem_seg.data.long(), ref['labels']
        )
    )
    floats_equal = all(
        torch.equal(a, b) for a, b in zip(ours_float(), reference_float())
    )

    rows = []
    for threads in args.threads:
        torch.set_num_threads(threads)
        for name, fn, ref_fn, equal in (
            (
                'PackSegInputs',
                ours,
                lambda: reference_pack(sample),
                packed_equal,
            ),
            (
                'PackSegInputs + float32 inputs',
                ours_float,
                reference_float,
                floats_equal,
            ),
        ):
            rows.append(
                Row(
                    benchmark=name,
                    workload=workload,
                    ours=time_fn(fn, repeats=repeats),
                    reference_name='CHW copy + int64 labels',
                    reference=time_fn(ref_fn, repeats=repeats),
                    peak_bytes=peak_memory(fn),
                    outputs_equal=equal,
                    threads=threads,
                )
            )
    report(rows, args.json)


if __name__ == '__main__':
    main()
