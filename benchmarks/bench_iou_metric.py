# Copyright (c) mmflow_ext contributors. All rights reserved.
"""IoUMetric over a validation set: ours against two references.

Workload: 16 label maps of 512x1024, 19 classes, ~5 % pixels at
``ignore_index=255``, predictions right on ~70 % of the pixels. Each row
times a whole evaluation (process every sample, then compute the metrics):

* ``histc``: per-sample areas by three ``torch.histc`` calls over the masked
  pixels in float32, as MMSegmentation's ``IoUMetric`` counts them;
* ``torchmetrics``: ``MulticlassJaccardIndex(num_classes=19,
  ignore_index=255)``, its other settings at their defaults (needs
  ``pip install torchmetrics``; the row is skipped without it).

Outputs are equal when the per-class intersection, prediction and label
areas (or torchmetrics' confusion matrix) match ours exactly. The bytes each
sample keeps until the end of the evaluation are printed after the table.

Run: ``python benchmarks/bench_iou_metric.py [--tiny] [--threads 1 2]``.
"""

from typing import Callable, Dict, List, Tuple

import numpy as np
import torch
from common import Row, parse_args, peak_memory, report, time_fn
from mmengine.logging import MMLogger

from mmflow_ext.evaluation.functional.seg_metrics import confusion_matrix
from mmflow_ext.evaluation.metrics.iou_metric import IoUMetric

NUM_CLASSES = 19
IGNORE_INDEX = 255
CLASSES = tuple(f'class_{i}' for i in range(NUM_CLASSES))


def make_samples(
    count: int, height: int, width: int, dtype: torch.dtype
) -> List[dict]:
    """``to_dict()`` samples as the Evaluator hands them to a metric."""
    generator = torch.Generator().manual_seed(0)
    samples = []
    for _ in range(count):
        shape = (1, height, width)
        label = torch.randint(0, NUM_CLASSES, shape, generator=generator)
        noise = torch.randint(0, NUM_CLASSES, shape, generator=generator)
        pred = torch.where(
            torch.rand(shape, generator=generator) < 0.7, label, noise
        )
        label[torch.rand(shape, generator=generator) < 0.05] = IGNORE_INDEX
        samples.append(
            dict(
                img_path='frame.png',
                gt_sem_seg=dict(data=label.to(dtype)),
                pred_sem_seg=dict(data=pred.to(dtype)),
            )
        )
    return samples


def histc_areas(
    pred: torch.Tensor, label: torch.Tensor
) -> Tuple[torch.Tensor, ...]:
    """Per-class areas of one sample in float32, the histogram way."""
    valid = label != IGNORE_INDEX
    pred, label = pred[valid], label[valid]
    hit = pred[pred == label]
    bins = dict(bins=NUM_CLASSES, min=0, max=NUM_CLASSES - 1)
    area_intersect = torch.histc(hit.float(), **bins)
    area_pred = torch.histc(pred.float(), **bins)
    area_label = torch.histc(label.float(), **bins)
    return (
        area_intersect,
        area_pred + area_label - area_intersect,
        area_pred,
        area_label,
    )


def histc_evaluation(samples: List[dict]) -> Dict[str, object]:
    """The reference: histograms per sample, float32 sums, mIoU."""
    results = [
        histc_areas(
            s['pred_sem_seg']['data'].squeeze(),
            s['gt_sem_seg']['data'].squeeze(),
        )
        for s in samples
    ]
    intersect, union, pred, label = (sum(r) for r in zip(*results))
    iou = (intersect / union).numpy()
    return dict(
        areas=np.stack(
            [intersect.numpy(), pred.numpy(), label.numpy()]
        ).astype(np.int64),
        mIoU=round(float(np.nanmean(iou)) * 100, 2),
    )


def our_evaluation(samples: List[dict]) -> Dict[str, object]:
    metric = IoUMetric(prefix='bench')
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process({}, samples)
    areas = metric.total_areas(metric.results)
    return dict(
        areas=areas,
        entry_bytes=metric.results[0].nbytes,
        **metric.compute_metrics(metric.results),
    )


def torchmetrics_evaluation(samples: List[dict]) -> np.ndarray:
    from torchmetrics.classification import MulticlassJaccardIndex

    metric = MulticlassJaccardIndex(
        num_classes=NUM_CLASSES, ignore_index=IGNORE_INDEX
    )
    for s in samples:
        metric.update(s['pred_sem_seg']['data'], s['gt_sem_seg']['data'])
    metric.compute()
    return metric.confmat.numpy()


def our_confusion(samples: List[dict]) -> np.ndarray:
    return sum(
        confusion_matrix(
            s['pred_sem_seg']['data'], s['gt_sem_seg']['data'], NUM_CLASSES
        ).numpy()
        for s in samples
    )


def sparse_entry_bytes(samples: List[dict]) -> int:
    """Largest entry kept per sample with ``confusion_matrix=True``."""
    metric = IoUMetric(prefix='bench', confusion_matrix=True)
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process({}, samples)
    return max(entry.nbytes for entry in metric.results)


def compare(
    name: str,
    workload: str,
    samples: List[dict],
    args,
    reference_name: str,
    reference: Callable[[], object],
    equal: Callable[[object], bool],
) -> Row:
    ours = time_fn(lambda: our_evaluation(samples), repeats=args.repeats)
    theirs = time_fn(reference, repeats=args.repeats)
    return Row(
        benchmark=name,
        workload=workload,
        ours=ours,
        reference_name=reference_name,
        reference=theirs,
        peak_bytes=peak_memory(lambda: our_evaluation(samples)),
        outputs_equal=equal(reference()),
    )


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    count, height, width = (4, 64, 128) if args.tiny else (16, 512, 1024)
    # keep the per-class tables of compute_metrics out of the output
    MMLogger.get_instance('bench_iou_metric', log_level='WARNING')
    try:
        import torchmetrics  # noqa: F401

        has_torchmetrics = True
    except ImportError:
        has_torchmetrics = False

    rows = []
    for threads in args.threads:
        torch.set_num_threads(threads)
        for dtype in (torch.int64, torch.uint8):
            samples = make_samples(count, height, width, dtype)
            workload = (
                f'{count}x{height}x{width} {str(dtype)[6:]}, '
                f'{NUM_CLASSES} classes'
            )
            ours = our_evaluation(samples)
            rows.append(
                compare(
                    'IoUMetric',
                    workload,
                    samples,
                    args,
                    'histc per sample',
                    lambda: histc_evaluation(samples),
                    lambda ref: bool(
                        np.array_equal(ref['areas'], ours['areas'])
                        and ref['mIoU'] == ours['mIoU']
                    ),
                )
            )
            if has_torchmetrics and dtype == torch.int64:
                rows.append(
                    compare(
                        'IoUMetric',
                        workload,
                        samples,
                        args,
                        'torchmetrics MulticlassJaccardIndex',
                        lambda: torchmetrics_evaluation(samples),
                        lambda ref: bool(
                            np.array_equal(ref, our_confusion(samples))
                        ),
                    )
                )
    report(rows, args.json)
    if not has_torchmetrics:
        print('torchmetrics is not installed: its row is skipped')
    limit = 4 * NUM_CLASSES * 8
    print(
        f'bytes per retained result: {ours["entry_bytes"]} '
        f'(3 x {NUM_CLASSES} int64 areas; limit 4 x C x 8 = {limit}), '
        f'the same for any image size; with confusion_matrix=True: '
        f'{sparse_entry_bytes(samples)} (non-zero cells, at most '
        f'{NUM_CLASSES * NUM_CLASSES * 16})'
    )


if __name__ == '__main__':
    main()
