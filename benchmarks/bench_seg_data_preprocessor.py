# Copyright (c) mmflow_ext contributors. All rights reserved.
"""SegDataPreProcessor on a training batch: ours vs two references.

Workload: 8 uint8 3×512×1024 images as non-contiguous CHW views of HWC
arrays (what ``PackSegInputs`` hands over) with uint8 1×512×1024 masks,
``bgr_to_rgb`` and ImageNet mean/std, padded to ``size_divisor=32``
(512×1024 stays as it is) and ``size=(520, 1040)`` (every side padded).

References measured in the same run:

- ``per-sample``: the straightforward version: per image, channel swap,
  cast to float, normalize, ``F.pad``, then ``torch.stack``; masks are
  widened to int64 and ``F.pad``-ed. Outputs must be bit-identical.
- ``plain copy``: uint8→float32 copies of the same images (and uint8→int64
  copies of the masks, when ours handles masks) into preallocated buffers:
  a floor with no normalization, padding or allocation. Its "speed-up" is
  below 1; ``1 / speed-up`` is how many times slower than a copy we are.
- ``torch.empty batches``: ours with the batch tensors allocated by plain
  ``torch.empty`` instead of :func:`mmflow_ext.models.utils.empty_batch`
  (which advises huge pages for batches of 4 MiB and more): what the
  huge-page advice gains. Below 4 MiB (``--tiny``) both are the same code.

Run ``python benchmarks/bench_seg_data_preprocessor.py [--tiny]``.
"""

from typing import List, Tuple

import torch
import torch.nn.functional as F
from common import Row, parse_args, peak_memory, report, time_fn
from mmengine.structures import PixelData

from mmflow_ext.models.data_preprocessors import seg_data_preprocessor
from mmflow_ext.models.data_preprocessors.seg_data_preprocessor import (
    SegDataPreProcessor,
)
from mmflow_ext.structures import SegDataSample

MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]


def make_batch(
    num: int, height: int, width: int
) -> Tuple[List[torch.Tensor], List[SegDataSample]]:
    """Images as CHW views of HWC uint8 arrays, and uint8 masks."""
    gen = torch.Generator().manual_seed(0)
    images, samples = [], []
    for _ in range(num):
        hwc = torch.randint(
            0, 256, (height, width, 3), dtype=torch.uint8, generator=gen
        )
        images.append(hwc.permute(2, 0, 1))
        sample = SegDataSample(metainfo=dict(ori_shape=(height, width)))
        sample.gt_sem_seg = PixelData(
            data=torch.randint(
                0, 19, (1, height, width), dtype=torch.uint8, generator=gen
            )
        )
        samples.append(sample)
    return images, samples


def per_sample_reference(
    images: List[torch.Tensor],
    samples: List[SegDataSample],
    pad_hw: Tuple[int, int],
) -> Tuple[torch.Tensor, List[torch.Tensor]]:
    """The straightforward per-sample version."""
    mean = torch.tensor(MEAN).view(-1, 1, 1)
    std = torch.tensor(STD).view(-1, 1, 1)
    padded, labels = [], []
    for img, sample in zip(images, samples):
        x = img[[2, 1, 0], ...].float()
        x = (x - mean) / std
        pad = (0, pad_hw[1] - x.shape[-1], 0, pad_hw[0] - x.shape[-2])
        padded.append(F.pad(x, pad, value=0))
        labels.append(F.pad(sample.gt_sem_seg.data.long(), pad, value=255))
    return torch.stack(padded), labels


def plain_empty(shape, dtype, device) -> torch.Tensor:
    """``torch.empty`` with ``empty_batch``'s arguments."""
    return torch.empty(tuple(shape), dtype=dtype, device=device)


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    num, height, width = (2, 64, 128) if args.tiny else (8, 512, 1024)
    images, samples = make_batch(num, height, width)
    data = dict(inputs=images, data_samples=samples)
    image_buffer = torch.empty((num, 3, height, width))
    mask_buffer = torch.empty((num, 1, height, width), dtype=torch.int64)

    def plain_copy_images():
        for i, img in enumerate(images):
            image_buffer[i].copy_(img)
        return image_buffer

    def plain_copy_batch():
        for i, (img, sample) in enumerate(zip(images, samples)):
            image_buffer[i].copy_(img)
            mask_buffer[i].copy_(sample.gt_sem_seg.data)
        return image_buffer

    rows = []
    for pad_name, kwargs, pad_hw in (
        (
            'size_divisor=32',
            dict(size_divisor=32),
            (-(-height // 32) * 32, -(-width // 32) * 32),
        ),
        (
            'size=+8px',
            dict(size=(height + 8, width + 16)),
            (height + 8, width + 16),
        ),
    ):
        pre = SegDataPreProcessor(
            mean=MEAN, std=STD, bgr_to_rgb=True, **kwargs
        )

        def ours():
            return pre(data, training=True)

        def ours_images():
            return pre(dict(inputs=images), training=True)

        def reference():
            return per_sample_reference(images, samples, pad_hw)

        def ours_torch_empty():
            allocator = seg_data_preprocessor.empty_batch
            seg_data_preprocessor.empty_batch = plain_empty
            try:
                return pre(data, training=True)
            finally:
                seg_data_preprocessor.empty_batch = allocator

        for threads in args.threads:
            torch.set_num_threads(threads)
            out = ours()
            ref_inputs, ref_labels = reference()
            equal = out['inputs'].equal(ref_inputs) and all(
                s.gt_sem_seg.data.equal(lab)
                for s, lab in zip(out['data_samples'], ref_labels)
            )
            equal_images = ours_images()['inputs'].equal(ref_inputs)
            del out, ref_inputs, ref_labels
            ours_t = time_fn(ours, args.repeats)
            peak = peak_memory(ours)
            workload = f'train {num}x3x{height}x{width} u8 + masks, {pad_name}'
            rows.append(
                Row(
                    'SegDataPreProcessor',
                    workload,
                    ours_t,
                    'per-sample',
                    time_fn(reference, args.repeats),
                    peak,
                    equal,
                )
            )
            rows.append(
                Row(
                    'SegDataPreProcessor',
                    workload,
                    ours_t,
                    'plain copy (images + masks)',
                    time_fn(plain_copy_batch, args.repeats),
                    peak,
                    equal,
                )
            )
            rows.append(
                Row(
                    'SegDataPreProcessor',
                    workload,
                    ours_t,
                    'torch.empty batches',
                    time_fn(ours_torch_empty, args.repeats),
                    peak,
                    equal,
                )
            )
            rows.append(
                Row(
                    'SegDataPreProcessor',
                    f'train {num}x3x{height}x{width} u8, {pad_name}',
                    time_fn(ours_images, args.repeats),
                    'plain copy (images)',
                    time_fn(plain_copy_images, args.repeats),
                    peak_memory(ours_images),
                    equal_images,
                )
            )
    report(rows, args.json)


if __name__ == '__main__':
    main()
