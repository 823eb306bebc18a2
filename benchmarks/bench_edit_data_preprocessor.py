# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Editing DataPreprocessor: forward on a batch, then destruct.

Workload: 16 uint8 BGR 3×256×256 images as a list (what
``pseudo_collate`` hands over), converted to RGB and normalized with
mean = std = 127.5; then ``destruct`` of the normalized batch
(de-normalized, back to BGR, padding cropped, clamped), which gives the
images back exactly. A second workload pads 250×250 images to
``pad_size_divisor=32``.

Reference measured in the same run (``stack-then-normalize``): the
upstream order of operations: ``torch.stack`` (or per-sample ``F.pad``
then stack), channel swap with ``index_select``, ``(x - mean) / std``;
destruct as ``x * std + mean``, channel swap, crop, clamp. Outputs must
be bit-identical.

Run ``python benchmarks/bench_edit_data_preprocessor.py [--tiny]``.
"""

from typing import List

import torch
import torch.nn.functional as F
from common import Row, parse_args, peak_memory, report, time_fn

from mmflow_ext.models.data_preprocessors.data_preprocessor import (
    DataPreprocessor,
)
from mmflow_ext.structures import DataSample

SWAP = torch.tensor([2, 1, 0])


def make_batch(num: int, size: int) -> List[torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    return [
        torch.randint(
            0, 256, (3, size, size), dtype=torch.uint8, generator=gen
        )
        for _ in range(num)
    ]


def reference_forward(images: List[torch.Tensor], target: int) -> torch.Tensor:
    """Pad (pixel space), stack, swap channels, normalize."""
    padded = [
        F.pad(img, (0, target - img.shape[-1], 0, target - img.shape[-2]))
        if img.shape[-1] != target
        else img
        for img in images
    ]
    batch = torch.stack(padded).index_select(1, SWAP)
    return (batch - 127.5) / 127.5


def reference_destruct(batch: torch.Tensor, size: int) -> torch.Tensor:
    """De-normalize, swap channels, crop, clamp."""
    out = (batch * 127.5 + 127.5).index_select(1, SWAP)
    return out[..., :size, :size].clamp_(0, 255)


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    num = 2 if args.tiny else 16
    rows = []
    for size, divisor in ((256, 1), (250, 32)):
        size = 32 - 6 * (divisor > 1) if args.tiny else size
        target = -(-size // divisor) * divisor
        images = make_batch(num, size)
        meta = dict(img_channel_order='bgr')
        pre = DataPreprocessor(
            output_channel_order='RGB',
            pad_size_divisor=divisor,
            data_keys=None,
        )
        data = dict(
            inputs=images,
            data_samples=[DataSample(metainfo=meta) for _ in images],
        )

        def ours_forward():
            return pre(data, training=True)

        out = ours_forward()
        inputs, samples = out['inputs'], out['data_samples']

        def ours_destruct():
            return pre.destruct(inputs, samples)

        def ours_both():
            batch = pre(data, training=True)
            return pre.destruct(batch['inputs'], batch['data_samples'])

        def reference_both():
            return reference_destruct(reference_forward(images, target), size)

        for threads in args.threads:
            torch.set_num_threads(threads)
            ref_inputs = reference_forward(images, target)
            equal_forward = torch.equal(inputs, ref_inputs)
            equal_destruct = torch.equal(
                ours_destruct(), reference_destruct(ref_inputs, size)
            )
            equal_both = equal_destruct and torch.equal(
                ours_both(), torch.stack(images).float()
            )
            shape = f'{num}x3x{size}x{size} u8 bgr->rgb'
            pad = '' if divisor == 1 else f', pad to /{divisor}'
            rows.append(
                Row(
                    'edit DataPreprocessor.forward',
                    shape + pad,
                    time_fn(ours_forward, args.repeats),
                    'stack-then-normalize',
                    time_fn(
                        lambda: reference_forward(images, target), args.repeats
                    ),
                    peak_memory(ours_forward),
                    equal_forward,
                )
            )
            rows.append(
                Row(
                    'edit DataPreprocessor.destruct',
                    shape + pad,
                    time_fn(ours_destruct, args.repeats),
                    'denorm-swap-crop-clamp',
                    time_fn(
                        lambda: reference_destruct(ref_inputs, size),
                        args.repeats,
                    ),
                    peak_memory(ours_destruct),
                    equal_destruct,
                )
            )
            rows.append(
                Row(
                    'edit forward + destruct',
                    shape + pad,
                    time_fn(ours_both, args.repeats),
                    'both references',
                    time_fn(reference_both, args.repeats),
                    peak_memory(ours_both),
                    equal_both,
                )
            )
    report(rows, args.json)


if __name__ == '__main__':
    main()
