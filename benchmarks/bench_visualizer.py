# Copyright (c) mmflow_ext contributors. All rights reserved.
"""ConcatImageVisualizer: one row per sample into a LocalVisBackend.

Workloads (``--tiny`` shrinks 256 to 32):

- editing: ``gt_img | input | pred_img``, three float ``3×256×256`` BGR
  tensors (``input`` at half size, so the row is padded), the seed config;
- segmentation: ``img | gt_sem_seg | pred_sem_seg``, a uint8 image and two
  19-class label maps with ignore pixels, blended at alpha 0.5.

Each is timed with the PNG write (``row+png``: ours through the atomic
``LocalVisBackend`` that configs of the ``mmflow_ext`` scope get, which
fsyncs and renames; the reference through MMEngine's ``cv2.imwrite``) and
without (``row``). The reference is the straightforward algorithm:
``to_dict()`` of the sample, per-key numpy conversion with a temporary per
step, padding and joining by concatenation, and label maps painted one
class at a time.
"""

import os.path as osp
import tempfile

import cv2
import numpy as np
import torch
from common import Row, parse_args, peak_memory, report, time_fn
from mmengine.structures import BaseDataElement, PixelData
from mmengine.visualization import LocalVisBackend as MMEngineLocalVisBackend

from mmflow_ext.structures import SegDataSample
from mmflow_ext.visualization import ConcatImageVisualizer, LocalVisBackend

NUM_CLASSES = 19


def reference_image(value, bgr2rgb):
    if isinstance(value, dict) and 'data' in value:
        value = value['data']
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
        if value.ndim == 3:
            value = value.transpose(1, 2, 0)
        elif value.ndim == 4:
            value = value.transpose(0, 2, 3, 1)
    if value.ndim == 4:
        value = np.concatenate(value, axis=0)
    if value.ndim == 3 and value.shape[2] == 1:
        value = np.concatenate((value, value, value), axis=2)
    if bgr2rgb:
        value = value[..., ::-1]
    if value.dtype != np.uint8:
        value = value.clip(0, 255).round().astype(np.uint8)
    return value


def reference_mask(value, palette, background, alpha):
    labels = value['data'].numpy()[0]
    color = np.zeros_like(background)
    painted = np.zeros(labels.shape, dtype=bool)
    for label in np.unique(labels):
        if label < len(palette):
            color[labels == label] = palette[label]
            painted |= labels == label
    blend = background * (1 - alpha) + color * alpha
    blend = np.round(blend).astype(np.uint8)
    return np.where(painted[..., None], blend, background)


def reference_row(
    sample, img_keys, seg_keys=(), extra=None, palette=None, alpha=1.0
):
    merged = sample.to_dict()
    merged.update(merged.get('output', {}))
    merged.update(extra or {})
    tiles = [
        reference_image(merged[k], True) for k in img_keys if k not in seg_keys
    ]
    tiles += [
        reference_mask(merged[k], palette, tiles[0], alpha) for k in seg_keys
    ]
    height = max(tile.shape[0] for tile in tiles)
    for i, tile in enumerate(tiles):
        if tile.shape[0] < height:
            pad = (
                np.ones(
                    (height - tile.shape[0], *tile.shape[1:]), dtype=tile.dtype
                )
                * 127
            )
            tiles[i] = np.concatenate([tile, pad], axis=0)
    return np.concatenate(tiles, axis=1)


def editing_case(size):
    generator = torch.Generator().manual_seed(0)

    def image(height):
        return torch.rand(3, height, size, generator=generator) * 270 - 5

    sample = BaseDataElement(
        metainfo=dict(gt_path='data/gt/baboon.png'),
        gt_img=image(size),
        input=image(size // 2),
        output=BaseDataElement(pred_img=image(size)),
    )
    visualizer_kwargs = dict(
        fn_key='gt_path', img_keys=['gt_img', 'input', 'pred_img']
    )
    return (
        sample,
        visualizer_kwargs,
        {},
        lambda: reference_row(sample, visualizer_kwargs['img_keys']),
    )


def segmentation_case(size):
    generator = torch.Generator().manual_seed(0)
    labels = torch.randint(
        0, NUM_CLASSES, (2, 1, size, size), generator=generator
    )
    labels[:, :, : size // 8] = 255
    sample = SegDataSample(
        metainfo=dict(img_path='data/img/street.png'),
        gt_sem_seg=PixelData(data=labels[0].to(torch.uint8)),
        pred_sem_seg=PixelData(data=labels[1]),
    )
    image = np.random.RandomState(0).randint(
        0, 256, (size, size, 3), dtype=np.uint8
    )
    palette = np.random.RandomState(1).randint(0, 256, (NUM_CLASSES, 3))
    visualizer_kwargs = dict(
        fn_key='img_path',
        img_keys=['img', 'gt_sem_seg', 'pred_sem_seg'],
        blend_key='img',
        alpha=0.5,
        palette=palette.tolist(),
    )
    seg_keys = ('gt_sem_seg', 'pred_sem_seg')
    return (
        sample,
        visualizer_kwargs,
        {'img': image},
        lambda: reference_row(
            sample,
            visualizer_kwargs['img_keys'],
            seg_keys,
            {'img': image},
            palette,
            0.5,
        ),
    )


def measure(name, case, size, save_dir, repeats, index):
    sample, kwargs, extra, reference = case(size)
    visualizer = ConcatImageVisualizer(
        name=f'bench_{index}', bgr2rgb=True, **kwargs
    )
    backend = LocalVisBackend(save_dir=osp.join(save_dir, 'ours'))
    reference_backend = MMEngineLocalVisBackend(
        save_dir=osp.join(save_dir, 'reference')
    )

    def ours_png():
        row = visualizer.draw_row(sample, extra)
        backend.add_image(visualizer.file_stem(sample), row, 0)
        return row

    def reference_png():
        row = reference()
        reference_backend.add_image('reference', row, 0)
        return row

    rows = []
    for suffix, ours_fn, reference_fn in (
        ('row', lambda: visualizer.draw_row(sample, extra), reference),
        ('row+png', ours_png, reference_png),
    ):
        ours_row, reference_result = ours_fn(), reference_fn()
        equal = np.array_equal(ours_row, reference_result)
        if suffix == 'row+png':
            saved = [
                cv2.imread(osp.join(save_dir, folder, 'vis_image', file))
                for folder, file in (
                    ('ours', f'{visualizer.file_stem(sample)}_0.png'),
                    ('reference', 'reference_0.png'),
                )
            ]
            equal = equal and np.array_equal(*saved)
        rows.append(
            Row(
                benchmark='visualizer',
                workload=f'{name} {suffix} 3×{size}×{size}',
                ours=time_fn(ours_fn, repeats),
                reference_name='straightforward numpy',
                reference=time_fn(reference_fn, repeats),
                peak_bytes=peak_memory(ours_fn),
                outputs_equal=equal,
            )
        )
    return rows


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    size = 32 if args.tiny else 256
    rows = []
    with tempfile.TemporaryDirectory() as save_dir:
        for threads in args.threads:
            torch.set_num_threads(threads)
            cv2.setNumThreads(threads)
            for index, (name, case) in enumerate(
                (
                    ('editing', editing_case),
                    ('segmentation', segmentation_case),
                )
            ):
                rows += measure(
                    name,
                    case,
                    size,
                    save_dir,
                    args.repeats,
                    f'{threads}_{index}',
                )
    report(rows, args.json)
    if not all(row.outputs_equal for row in rows):
        raise SystemExit('outputs differ from the reference')


if __name__ == '__main__':
    main()
