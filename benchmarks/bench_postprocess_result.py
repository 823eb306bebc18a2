# Copyright (c) mmflow_ext contributors. All rights reserved.
"""BaseSegmentor.postprocess_result: ours vs a per-sample loop reference.

Workload: a batch of 8 logits ``8×19×512×1024`` of images padded from
``500×1000`` (the crop removes 12 rows and 24 columns), half of them
horizontally flipped, resized to ``ori_shape`` 1024×2048.

The reference is the straightforward loop: per sample, crop the padding,
flip back, ``F.interpolate`` to ``ori_shape`` and ``argmax`` over the
classes. ``seg_logits`` and ``pred_sem_seg`` must be identical.

Run ``python benchmarks/bench_postprocess_result.py [--tiny]``.
"""

from typing import List, Tuple

import torch
import torch.nn.functional as F
from common import Row, parse_args, peak_memory, report, time_fn

from mmflow_ext.models.segmentors import BaseSegmentor
from mmflow_ext.structures import SegDataSample


class PostProcessOnly(BaseSegmentor):
    """A segmentor that only post-processes (the abstract parts unused)."""

    def extract_feat(self, inputs):
        raise NotImplementedError

    def encode_decode(self, inputs, batch_img_metas):
        raise NotImplementedError

    def loss(self, inputs, data_samples):
        raise NotImplementedError

    def predict(self, inputs, data_samples=None):
        raise NotImplementedError

    def _forward(self, inputs, data_samples=None):
        raise NotImplementedError


def make_samples(
    num: int,
    img_hw: Tuple[int, int],
    pad_hw: Tuple[int, int],
    ori_hw: Tuple[int, int],
) -> List[SegDataSample]:
    padding = (0, pad_hw[1] - img_hw[1], 0, pad_hw[0] - img_hw[0])
    return [
        SegDataSample(
            metainfo=dict(
                ori_shape=ori_hw,
                img_shape=img_hw,
                img_padding_size=padding,
                flip=i % 2 == 1,
                flip_direction='horizontal',
            )
        )
        for i in range(num)
    ]


def loop_reference(
    seg_logits: torch.Tensor, samples: List[SegDataSample]
) -> List[Tuple[torch.Tensor, torch.Tensor]]:
    """Per sample: crop, unflip, resize, argmax."""
    results = []
    height, width = seg_logits.shape[-2:]
    for i, sample in enumerate(samples):
        left, right, top, bottom = sample.img_padding_size
        logits = seg_logits[
            i : i + 1, :, top : height - bottom, left : width - right
        ]
        if sample.flip:
            logits = logits.flip(dims=(3,))
        logits = F.interpolate(
            logits, size=sample.ori_shape, mode='bilinear', align_corners=False
        ).squeeze(0)
        results.append((logits, logits.argmax(dim=0, keepdim=True)))
    return results


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    if args.tiny:
        num, classes, img_hw, pad_hw, ori_hw = (
            2,
            19,
            (30, 60),
            (32, 64),
            (60, 120),
        )
    else:
        num, classes, img_hw, pad_hw, ori_hw = (
            8,
            19,
            (500, 1000),
            (512, 1024),
            (1024, 2048),
        )
    gen = torch.Generator().manual_seed(0)
    seg_logits = torch.randn((num, classes) + pad_hw, generator=gen)
    model = PostProcessOnly()

    def ours():
        samples = make_samples(num, img_hw, pad_hw, ori_hw)
        return model.postprocess_result(seg_logits, samples)

    def reference():
        return loop_reference(
            seg_logits, make_samples(num, img_hw, pad_hw, ori_hw)
        )

    rows = []
    workload = (
        f'{num}x{classes}x{pad_hw[0]}x{pad_hw[1]} -> crop, '
        f'flip, resize to {ori_hw[0]}x{ori_hw[1]}'
    )
    for threads in args.threads:
        torch.set_num_threads(threads)
        out = ours()
        ref = reference()
        equal = all(
            s.seg_logits.data.equal(r_logits)
            and s.pred_sem_seg.data.equal(r_pred)
            for s, (r_logits, r_pred) in zip(out, ref)
        )
        del out, ref
        ours_t = time_fn(ours, args.repeats)
        rows.append(
            Row(
                'postprocess_result',
                workload,
                ours_t,
                'per-sample loop',
                time_fn(reference, args.repeats),
                peak_memory(ours),
                equal,
            )
        )
    report(rows, args.json)


if __name__ == '__main__':
    main()
