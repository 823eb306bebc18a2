# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``IoUMetric``: semantic segmentation metrics from exact pixel counts."""

import logging
import warnings
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmengine.structures import BaseDataElement

from mmflow_ext.evaluation.functional.seg_metrics import (
    SEG_METRIC_NAMES,
    class_percentages,
    confusion_matrix,
    mean_metrics,
    per_class_metrics,
)
from mmflow_ext.registry import METRICS
from mmflow_ext.structures.sample_access import (
    field_data,
    get_field,
    sample_source,
)

from ..seg_result_files import PredictionWriter, save_confusion_matrix

__all__ = ['IoUMetric', 'format_table']


def format_table(header: Sequence[str], rows: Sequence[Sequence]) -> str:
    """A plain-text table with a border, columns left-aligned.

    Args:
        header (Sequence[str]): Column titles.
        rows (Sequence[Sequence]): Cells, converted with ``str`` (floats
            with 2 decimals).

    Returns:
        str: The table, one line per row.

    Examples:
        >>> print(format_table(['Class', 'IoU'], [['sky', 97.5]]))
        +-------+-------+
        | Class | IoU   |
        +-------+-------+
        | sky   | 97.50 |
        +-------+-------+
    """
    cells = [
        [f'{c:.2f}' if isinstance(c, float) else str(c) for c in row]
        for row in rows
    ]
    widths = [
        max(len(row[i]) for row in [list(header)] + cells)
        for i in range(len(header))
    ]
    rule = '+' + '+'.join('-' * (w + 2) for w in widths) + '+'

    def line(row: Sequence[str]) -> str:
        return (
            '| ' + ' | '.join(c.ljust(w) for c, w in zip(row, widths)) + ' |'
        )

    lines = [rule, line(header), rule] + [line(row) for row in cells]
    return '\n'.join(lines + [rule])


def _label_map(sample: dict, key: str) -> torch.Tensor:
    """The label map of a ``PixelData`` field as a 2-D (or 1-D) tensor."""
    data = field_data(get_field(sample, key, where='an IoUMetric sample'))
    if not isinstance(data, torch.Tensor):
        data = torch.as_tensor(np.asarray(data))
    return data[0] if data.dim() == 3 and data.shape[0] == 1 else data


@METRICS.register_module()
class IoUMetric(BaseMetric):
    """Segmentation metrics (``mIoU``, ``mDice``, ``mFscore``) over a
    dataset, with MMSegmentation 1.x's arguments and results.

    Per sample, :meth:`process` counts the pixels of every (ground truth,
    prediction) class pair exactly (``int64``) and keeps one small entry:
    the per-class intersection, prediction and label areas (``3 x C``
    integers), or, with ``confusion_matrix=True``, the non-zero cells of
    the sample's confusion matrix. One entry per sample lets
    :meth:`BaseMetric.evaluate` drop the duplicates a distributed sampler
    pads with, so multi-process results equal single-process results.

    :meth:`compute_metrics` sums the counts over the dataset and returns
    ``aAcc`` and ``m<Name>`` for every per-class metric (``mIoU`` and
    ``mAcc``; ``mDice``; ``mFscore``, ``mPrecision``, ``mRecall``) in
    percent, rounded to 2 decimals, skipping the classes where a metric is
    undefined (e.g. IoU of a class absent from both ground truth and
    prediction). It logs a per-class table through the current MMEngine
    logger.

    Differences from MMSegmentation, all in favour of exact numbers:

    - counts are ``int64`` (MMSegmentation sums ``float32`` histograms,
      which stop counting exactly past ``2**24`` pixels per class);
    - a label outside ``[0, C)`` that is not ``ignore_index`` raises a
      :class:`ValueError` naming the values and their pixel counts instead
      of being dropped silently (the usual cause is a wrong ``num_classes``
      or ``reduce_zero_label``, which would otherwise give plausible but
      wrong numbers);
    - ``nan_to_num`` replaces undefined per-class values in the table after
      scaling to percent and never enters the means;
    - the F-score of a class that is present but never hit is 0 (not NaN
      and skipped), so ``Fscore`` with ``beta=1`` equals ``Dice``;
    - prediction PNGs whose values exceed 255 are saved as 16-bit PNGs
      instead of wrapping around, are written atomically, keep the image's
      sub-folder (see :func:`~mmflow_ext.evaluation.seg_result_files.
      prediction_path`) and never replace an input or each other;
    - an ``ignore_index`` that is one of the classes (``0 <= ignore_index <
      C``) is warned about, through the logger and :mod:`warnings`, as
      soon as ``dataset_meta`` names the classes: pixels labelled with that
      class are never counted, so its IoU is 0 or undefined whatever the
      model does (MMSegmentation does the same silently).

    Args:
        ignore_index (int): Label value excluded from the counts.
            Defaults to 255.
        iou_metrics (str | list[str]): Any of ``'mIoU'``, ``'mDice'``,
            ``'mFscore'``. Defaults to ``['mIoU']``.
        nan_to_num (float, optional): Value shown in the per-class table
            for undefined classes. Defaults to None (NaN).
        beta (float): Weight of recall in the F-score. Defaults to 1.
        collect_device (str): ``'cpu'`` or ``'gpu'``, where results are
            gathered across processes. Defaults to ``'cpu'``.
        output_dir (str, optional): Folder receiving one
            ``<image stem>.png`` prediction per sample (values + 1 for
            samples with ``reduce_zero_label``), in the image's sub-folder
            below the data root (see :class:`~mmflow_ext.evaluation.
            seg_result_files.PredictionWriter`). Defaults to None.
        format_only (bool): Only write the predictions to ``output_dir``;
            keep no counts and return no metrics. Defaults to False.
        prefix (str, optional): Prefix of the metric names, e.g.
            ``'val'``. Defaults to None.
        confusion_matrix (bool): Also build the full ``C x C`` confusion
            matrix (rows ground truth, columns prediction). After each
            evaluation it is kept in :attr:`last_confusion_matrix` and
            written as ``confusion_matrix.npy`` (``int64`` counts) and
            ``confusion_matrix.png`` (a heatmap of row fractions labelled
            with the class names), overwriting the previous evaluation's.
            Defaults to False.
        confusion_matrix_dir (str, optional): Folder of those two files.
            Defaults to None: the folder of the current MMEngine logger's
            log file, which a Runner places inside its ``work_dir``
            (``<work_dir>/<timestamp>/``); without a log file the files are
            not written and a warning says so.
        collect_dir (str, optional): Folder where ``collect_device='cpu'``
            exchanges results between processes. Defaults to None (a
            temporary folder).

    Examples:
        >>> import torch
        >>> from mmengine.structures import PixelData
        >>> from mmflow_ext.structures.seg_data_sample import SegDataSample
        >>> metric = IoUMetric(iou_metrics=['mIoU', 'mDice'], prefix='val')
        >>> metric.dataset_meta = dict(classes=('bg', 'fg'))
        >>> sample = SegDataSample()
        >>> sample.gt_sem_seg = PixelData(data=torch.tensor([[[0, 1, 1]]]))
        >>> sample.pred_sem_seg = PixelData(data=torch.tensor([[[0, 0, 1]]]))
        >>> metric.process({}, [sample.to_dict()])
        >>> metric.results[0]  # intersect, pred and label areas per class
        array([[1, 1],
               [2, 1],
               [1, 2]])
    """

    def __init__(
        self,
        ignore_index: int = 255,
        iou_metrics: Union[str, List[str]] = ['mIoU'],
        nan_to_num: Optional[float] = None,
        beta: float = 1,
        collect_device: str = 'cpu',
        output_dir: Optional[str] = None,
        format_only: bool = False,
        prefix: Optional[str] = None,
        confusion_matrix: bool = False,
        confusion_matrix_dir: Optional[str] = None,
        collect_dir: Optional[str] = None,
    ) -> None:
        super().__init__(
            collect_device=collect_device,
            prefix=prefix,
            collect_dir=collect_dir,
        )
        if isinstance(iou_metrics, str):
            iou_metrics = [iou_metrics]
        unknown = [m for m in iou_metrics if m not in SEG_METRIC_NAMES]
        if unknown:
            raise KeyError(
                f'iou_metrics {unknown} are not supported; choose '
                f'from {", ".join(SEG_METRIC_NAMES)}'
            )
        if format_only and output_dir is None:
            raise ValueError(
                'IoUMetric(format_only=True) needs output_dir, '
                'the folder the predictions are written to'
            )
        self.ignore_index = ignore_index
        self.metrics = list(iou_metrics)
        self.nan_to_num = nan_to_num
        self.beta = beta
        self.output_dir = output_dir
        self.format_only = format_only
        self.confusion_matrix = confusion_matrix
        self.confusion_matrix_dir = confusion_matrix_dir
        #: the ``C x C`` counts of the last evaluation (main process), when
        #: ``confusion_matrix=True``
        self.last_confusion_matrix: Optional[np.ndarray] = None
        #: writes the prediction PNGs of ``output_dir``
        self.prediction_writer = (
            None if output_dir is None else PredictionWriter(output_dir)
        )

    @property
    def dataset_meta(self) -> Optional[dict]:
        """dict | None: The dataset's metainfo (``classes``, ...); setting
        it checks ``ignore_index`` against the classes."""
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, dataset_meta: Optional[dict]) -> None:
        self._dataset_meta = dataset_meta
        classes = (dataset_meta or {}).get('classes')
        if classes is not None and 0 <= self.ignore_index < len(classes):
            message = (
                f'IoUMetric(ignore_index={self.ignore_index}) is the label '
                f'of class "{classes[self.ignore_index]}" (classes 0..'
                f'{len(classes) - 1}): pixels labelled with it are never '
                'counted, so that class is measured as 0 (where predicted) '
                'or not at all, and mIoU can reach 100 with it entirely '
                'wrong. Use an ignore_index outside the classes (255 is the '
                'default) unless this is intended.'
            )
            warnings.warn(message)
            print_log(
                message, MMLogger.get_current_instance(), level=logging.WARNING
            )

    @property
    def class_names(self) -> List[str]:
        """Class names from ``dataset_meta['classes']``."""
        meta = self.dataset_meta
        if not meta or 'classes' not in meta:
            raise ValueError(
                'IoUMetric needs dataset_meta["classes"] (the Evaluator sets '
                'dataset_meta from the dataset\'s metainfo); got '
                f'dataset_meta={meta}'
            )
        return list(meta['classes'])

    def process(
        self,
        data_batch: object,
        data_samples: Sequence[Union[dict, BaseDataElement]],
    ) -> None:
        """Count one batch and write its prediction PNGs if asked.

        Args:
            data_batch (object): The batch from the dataloader (unused).
            data_samples (Sequence[dict | SegDataSample]): Model outputs,
                as ``to_dict()`` dicts or data samples, each with
                ``pred_sem_seg`` (and ``gt_sem_seg`` unless ``format_only``).
        """
        num_classes = len(self.class_names)
        for sample in data_samples:
            if isinstance(sample, BaseDataElement):
                sample = sample.to_dict()
            pred = _label_map(sample, 'pred_sem_seg')
            if not self.format_only:
                label = _label_map(sample, 'gt_sem_seg')
                try:
                    matrix = confusion_matrix(
                        pred, label, num_classes, self.ignore_index
                    )
                except ValueError as err:
                    raise ValueError(
                        f'sample {sample_source(sample)}: {err}'
                    ) from None
                self.results.append(self._entry(matrix.cpu().numpy()))
            if self.output_dir is not None:
                self._save_prediction(sample, pred)

    def _entry(self, matrix: np.ndarray) -> np.ndarray:
        """What one sample keeps: ``(3, C)`` areas, or ``(2, nnz)`` sparse
        confusion cells (flat index, count) with ``confusion_matrix``."""
        if self.confusion_matrix:
            flat = matrix.reshape(-1)
            cells = np.flatnonzero(flat)
            return np.stack([cells, flat[cells]])
        return np.stack(
            [matrix.diagonal(), matrix.sum(axis=0), matrix.sum(axis=1)]
        )

    def _save_prediction(self, sample: dict, pred: torch.Tensor) -> None:
        labels = pred.cpu().numpy().astype(np.int64)
        if sample.get('reduce_zero_label', False):
            labels = labels + 1
        self.prediction_writer.write(sample, labels)

    @property
    def num_written(self) -> int:
        """int: Prediction PNGs this process wrote since the last
        evaluation."""
        writer = self.prediction_writer
        return 0 if writer is None else writer.num_written

    def total_confusion_matrix(self, results: List[np.ndarray]) -> np.ndarray:
        """Sum the sparse per-sample entries of ``confusion_matrix=True``.

        Args:
            results (list[ndarray]): ``(2, nnz)`` entries from
                :meth:`process`.

        Returns:
            ndarray: ``int64`` counts of shape ``(C, C)``.
        """
        num_classes = len(self.class_names)
        flat = np.zeros(num_classes * num_classes, dtype=np.int64)
        for cells, counts in results:
            flat[cells] += counts
        return flat.reshape(num_classes, num_classes)

    def total_areas(self, results: List[np.ndarray]) -> np.ndarray:
        """Sum the per-sample areas.

        Args:
            results (list[ndarray]): Entries from :meth:`process`.

        Returns:
            ndarray: ``int64`` ``(3, C)``: intersection, prediction and
            label areas per class.
        """
        if self.confusion_matrix:
            matrix = self.total_confusion_matrix(results)
            return np.stack(
                [matrix.diagonal(), matrix.sum(axis=0), matrix.sum(axis=1)]
            )
        num_classes = len(self.class_names)
        total = np.zeros((3, num_classes), dtype=np.int64)
        for areas in results:
            total += areas
        return total

    def compute_metrics(self, results: List[np.ndarray]) -> Dict[str, float]:
        """Metrics of the whole dataset from the collected entries.

        Args:
            results (list[ndarray]): One entry per sample.

        Returns:
            dict[str, float]: ``aAcc`` and ``m<Name>`` in percent; empty
            with ``format_only``.
        """
        logger = MMLogger.get_current_instance()
        if self.prediction_writer is not None:
            self.prediction_writer.finish()
        if self.format_only:
            return {}
        class_names = self.class_names
        intersect, pred_area, label_area = self.total_areas(results)
        per_class = per_class_metrics(
            intersect, pred_area, label_area, self.metrics, self.beta
        )
        table = class_percentages(per_class, self.nan_to_num)
        rows = [
            [name] + [float(values[i]) for values in table.values()]
            for i, name in enumerate(class_names)
        ]
        print_log('per class results:', logger)
        print_log(
            '\n' + format_table(['Class'] + list(table), rows), logger=logger
        )
        if self.confusion_matrix:
            self.last_confusion_matrix = self.total_confusion_matrix(results)
            save_confusion_matrix(
                self.last_confusion_matrix,
                class_names,
                self.confusion_matrix_dir,
            )
        return mean_metrics(per_class)
