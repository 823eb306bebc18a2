# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Confusion counts and the segmentation metrics derived from them.

Everything here is a pure function: label maps go in, exact ``int64`` counts
come out (:func:`confusion_matrix`, :func:`intersect_and_union`), and counts
summed over a dataset turn into per-class fractions
(:func:`per_class_metrics`), dataset-level means (:func:`mean_metrics`) and
the per-class percentages shown in a table (:func:`class_percentages`).

Counting takes one pass of ``torch.aminmax`` per map, one combined index
``label * C + pred`` in the narrowest integer type that holds it, and one
``torch.bincount``; pixels labelled ``ignore_index`` land in a row of the
count table that is dropped afterwards, so no boolean mask is built on the
common path. Labels outside ``[0, num_classes)`` that are not
``ignore_index`` raise a :class:`ValueError` naming the offending values and
their pixel counts: dropping them silently would hide a wrong
``num_classes`` or ``reduce_zero_label`` setting behind plausible numbers.
"""

from typing import Dict, Sequence, Tuple, Union

import numpy as np
import torch

__all__ = [
    'SEG_METRIC_NAMES',
    'confusion_matrix',
    'intersect_and_union',
    'check_label_range',
    'out_of_range_error',
    'per_class_metrics',
    'mean_metrics',
    'class_percentages',
]

#: metric families accepted by :func:`per_class_metrics` and ``IoUMetric``
SEG_METRIC_NAMES = ('mIoU', 'mDice', 'mFscore')

ArrayLike = Union[torch.Tensor, np.ndarray]

# Largest count table (label values spanned x classes) of the fast path.
_MAX_FAST_BINS = 1 << 18
_INT16_MAX = int(torch.iinfo(torch.int16).max)
_INT32_MAX = int(torch.iinfo(torch.int32).max)
# Offending values listed in an error message.
_MAX_LISTED = 10


def _as_integer_tensor(values: ArrayLike, name: str) -> torch.Tensor:
    """A tensor of ``values`` with an integer dtype ``aminmax`` supports."""
    if isinstance(values, np.ndarray):
        if values.dtype.kind == 'u' and values.itemsize > 1:
            values = values.astype(np.int64)
        values = torch.from_numpy(np.ascontiguousarray(values))
    elif not isinstance(values, torch.Tensor):
        raise TypeError(
            f'{name} must be a torch.Tensor or numpy.ndarray, '
            f'got {type(values).__name__}'
        )
    if values.dtype == torch.bool:
        return values.to(torch.uint8)
    if values.is_floating_point():
        as_int = values.to(torch.int64)
        if not torch.equal(as_int.to(values.dtype), values):
            raise ValueError(
                f'{name} holds non-integer values; label maps '
                'must hold class indices'
            )
        return as_int
    if values.is_complex():
        raise TypeError(f'{name} must hold integers, got {values.dtype}')
    return values


def out_of_range_error(
    name: str, values: torch.Tensor, num_classes: int, ignore_index: int
) -> ValueError:
    """The error reporting label values outside ``[0, num_classes)``.

    Args:
        name (str): What holds the values (``'label'``, ``'label map
            ann/1.png'``), the start of the message.
        values (Tensor): The offending values, one per pixel.
        num_classes (int): Number of classes.
        ignore_index (int): The ignored label, named in the message.

    Returns:
        ValueError: Listing the first offending values with their pixel
        counts, and what to check.

    Examples:
        >>> print(out_of_range_error('label', torch.tensor([7, 7, -1]), 3,
        ...                          255))
        label holds values outside [0, 3) that are not ignore_index=255 \
(value: pixels) {-1: 1, 7: 2}; check num_classes, ignore_index, \
reduce_zero_label and the dataset's classes
    """
    found, counts = torch.unique(values, return_counts=True)
    pairs = [f'{int(v)}: {int(c)}' for v, c in zip(found, counts)]
    listed = ', '.join(pairs[:_MAX_LISTED])
    if len(pairs) > _MAX_LISTED:
        listed += f', ... ({len(pairs) - _MAX_LISTED} more)'
    return ValueError(
        f'{name} holds values outside [0, {num_classes}) that are not '
        f'ignore_index={ignore_index} (value: pixels) {{{listed}}}; check '
        'num_classes, ignore_index, reduce_zero_label and the dataset\'s '
        'classes'
    )


def check_label_range(
    labels: ArrayLike,
    num_classes: int,
    ignore_index: int = 255,
    name: str = 'label',
) -> None:
    """Raise when a label map holds a value outside ``[0, num_classes)``
    other than ``ignore_index``.

    One ``aminmax`` pass when every value is in range; the offending values
    are only gathered for the error. Values are compared as ``int64``, so
    ``ignore_index=-1`` does not let a ``uint8`` 255 pass.

    Args:
        labels (Tensor | ndarray): Integer labels, any shape.
        num_classes (int): Number of classes.
        ignore_index (int): The ignored label. Defaults to 255.
        name (str): What holds the labels, for the message (e.g.
            ``'label map ann/1.png'``). Defaults to ``'label'``.

    Raises:
        ValueError: From :func:`out_of_range_error`.

    Examples:
        >>> check_label_range(torch.tensor([0, 2, 255]), 3)
        >>> check_label_range(torch.tensor([0, 5, 5]), 3, name='map a.png')
        Traceback (most recent call last):
        ...
        ValueError: map a.png holds values outside [0, 3) that are not \
ignore_index=255 (value: pixels) {5: 2}; check num_classes, ignore_index, \
reduce_zero_label and the dataset's classes
    """
    labels = _as_integer_tensor(labels, name)
    if labels.numel() == 0:
        return
    low, high = (int(v) for v in torch.aminmax(labels))
    if low >= 0 and high < num_classes:
        return
    labels = labels.to(torch.int64)
    outside = (labels < 0) | (labels >= num_classes)
    outside &= labels != ignore_index
    if bool(outside.any()):
        raise out_of_range_error(
            name, labels[outside], num_classes, ignore_index
        )


def _index_dtype(low: int, high: int) -> Union[torch.dtype, None]:
    """Narrowest signed dtype holding every integer in ``[low, high]``."""
    bound = max(abs(low), abs(high))
    if bound <= _INT16_MAX:
        return torch.int16
    if bound <= _INT32_MAX:
        return torch.int32
    return None


def _count_fast(
    pred: torch.Tensor,
    label: torch.Tensor,
    num_classes: int,
    ignore_index: int,
    label_min: int,
    label_max: int,
) -> Union[torch.Tensor, None]:
    """Counts by one narrow combined index, or None where it cannot fit.

    Rows of the count table are the label values ``label_min..label_max``;
    the rows of valid classes are kept, the ``ignore_index`` row dropped,
    and any other non-empty row is an error.
    """
    span = label_max - label_min + 1
    if span * num_classes > _MAX_FAST_BINS:
        return None
    dtype = _index_dtype(
        label_min * num_classes, label_max * num_classes + num_classes
    )
    if dtype is None:
        return None
    index = torch.add(pred.to(dtype), label.to(dtype), alpha=num_classes).view(
        -1
    )
    if label_min != 0:
        index.sub_(label_min * num_classes)
    table = torch.bincount(index, minlength=span * num_classes)
    table = table.view(span, num_classes)
    first, last = max(label_min, 0), min(label_max, num_classes - 1)
    matrix = table.new_zeros((num_classes, num_classes))
    if first <= last:
        matrix[first : last + 1] = table[
            first - label_min : last - label_min + 1
        ]
    if 0 <= ignore_index < num_classes:
        matrix[ignore_index] = 0
    row_values = torch.arange(label_min, label_max + 1)
    outside = (row_values < 0) | (row_values >= num_classes)
    outside &= row_values != ignore_index
    outside &= table.sum(dim=1).cpu() > 0
    if bool(outside.any()):
        check_label_range(label, num_classes, ignore_index)
    return matrix


def _count_masked(
    pred: torch.Tensor,
    label: torch.Tensor,
    num_classes: int,
    ignore_index: int,
) -> torch.Tensor:
    """Counts over the pixels whose label is not ``ignore_index``."""
    valid = label != ignore_index
    label = label[valid].to(torch.int64)
    pred = pred[valid].to(torch.int64)
    for name, values in (('label', label), ('pred', pred)):
        bad = (values < 0) | (values >= num_classes)
        if bool(bad.any()):
            raise out_of_range_error(
                name, values[bad], num_classes, ignore_index
            )
    index = label * num_classes + pred
    table = torch.bincount(index, minlength=num_classes * num_classes)
    return table.view(num_classes, num_classes)


def confusion_matrix(
    pred: ArrayLike,
    label: ArrayLike,
    num_classes: int,
    ignore_index: int = 255,
) -> torch.Tensor:
    """Exact pixel counts of every (ground truth, prediction) pair.

    Args:
        pred (Tensor | ndarray): Predicted class indices, any shape and
            integer dtype.
        label (Tensor | ndarray): Ground-truth class indices, same shape.
        num_classes (int): Number of classes ``C``.
        ignore_index (int): Label value whose pixels are not counted.
            Defaults to 255.

    Returns:
        Tensor: ``int64`` matrix of shape ``(C, C)`` on the inputs' device;
        entry ``[g, p]`` counts the pixels labelled ``g`` predicted ``p``.

    Raises:
        ValueError: When the shapes differ, or when a counted pixel's label
            or prediction lies outside ``[0, C)`` (the message lists the
            offending values with their pixel counts).

    Examples:
        >>> import torch
        >>> label = torch.tensor([[0, 1, 1], [2, 255, 2]])
        >>> pred = torch.tensor([[0, 1, 2], [2, 0, 2]])
        >>> confusion_matrix(pred, label, num_classes=3)
        tensor([[1, 0, 0],
                [0, 1, 1],
                [0, 0, 2]])
        >>> confusion_matrix(pred, torch.tensor([[0, 1, 1], [2, 7, 7]]), 3)
        Traceback (most recent call last):
        ...
        ValueError: label holds values outside [0, 3) that are not \
ignore_index=255 (value: pixels) {7: 2}; check num_classes, ignore_index, \
reduce_zero_label and the dataset's classes
    """
    if num_classes < 1:
        raise ValueError(f'num_classes must be positive, got {num_classes}')
    pred = _as_integer_tensor(pred, 'pred')
    label = _as_integer_tensor(label, 'label')
    if pred.shape != label.shape:
        raise ValueError(
            f'pred shape {tuple(pred.shape)} differs from '
            f'label shape {tuple(label.shape)}'
        )
    if label.numel() == 0:
        return torch.zeros(
            (num_classes, num_classes), dtype=torch.int64, device=label.device
        )
    label = label.to(pred.device)
    pred_min, pred_max = (int(v) for v in torch.aminmax(pred))
    if pred_min >= 0 and pred_max < num_classes:
        label_min, label_max = (int(v) for v in torch.aminmax(label))
        matrix = _count_fast(
            pred, label, num_classes, ignore_index, label_min, label_max
        )
        if matrix is not None:
            return matrix
    return _count_masked(pred, label, num_classes, ignore_index)


def intersect_and_union(
    pred: ArrayLike,
    label: ArrayLike,
    num_classes: int,
    ignore_index: int = 255,
) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per-class areas of one label map, as ``int64`` pixel counts.

    Args:
        pred (Tensor | ndarray): Predicted class indices.
        label (Tensor | ndarray): Ground-truth class indices, same shape.
        num_classes (int): Number of classes ``C``.
        ignore_index (int): Label value whose pixels are not counted.
            Defaults to 255.

    Returns:
        tuple[Tensor]: ``(intersect, union, pred_area, label_area)``, each
        of shape ``(C,)``.

    Examples:
        >>> import torch
        >>> label = torch.tensor([0, 1, 1, 255])
        >>> pred = torch.tensor([0, 0, 1, 1])
        >>> intersect_and_union(pred, label, num_classes=2)
        (tensor([1, 1]), tensor([2, 2]), tensor([2, 1]), tensor([1, 2]))
    """
    matrix = confusion_matrix(pred, label, num_classes, ignore_index)
    intersect = matrix.diagonal().clone()
    pred_area = matrix.sum(dim=0)
    label_area = matrix.sum(dim=1)
    return intersect, pred_area + label_area - intersect, pred_area, label_area


def _fraction(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator`` in float64, NaN where both are 0."""
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    with np.errstate(divide='ignore', invalid='ignore'):
        return numerator / denominator


def per_class_metrics(
    area_intersect: ArrayLike,
    area_pred: ArrayLike,
    area_label: ArrayLike,
    metrics: Sequence[str] = ('mIoU',),
    beta: float = 1,
) -> Dict[str, np.ndarray]:
    """Per-class metrics as fractions from areas summed over a dataset.

    A class whose denominator is 0 gets NaN (for ``IoU`` and ``Dice``: a
    class absent from both ground truth and prediction). The F-score is
    ``(1 + beta^2) * TP / (beta^2 * (TP + FN) + TP + FP)``: 0 for a class
    present somewhere but never hit, so ``Fscore`` with ``beta=1`` equals
    ``Dice``.

    Args:
        area_intersect (Tensor | ndarray): Correctly predicted pixels per
            class (true positives), shape ``(C,)``.
        area_pred (Tensor | ndarray): Pixels predicted as each class.
        area_label (Tensor | ndarray): Pixels labelled as each class.
        metrics (Sequence[str]): Any of ``'mIoU'`` (adds ``IoU``, ``Acc``),
            ``'mDice'`` (``Dice``, ``Acc``) and ``'mFscore'`` (``Fscore``,
            ``Precision``, ``Recall``). Defaults to ``('mIoU',)``.
        beta (float): Weight of recall in the F-score. Defaults to 1.

    Returns:
        dict[str, ndarray]: ``'aAcc'`` (a float64 scalar: the fraction of
        all counted pixels predicted correctly) followed by one float64
        array of shape ``(C,)`` per per-class metric, in the order above.

    Raises:
        KeyError: When a name in ``metrics`` is not supported.

    Examples:
        >>> import numpy as np
        >>> out = per_class_metrics(np.array([3, 0, 0]), np.array([4, 1, 0]),
        ...                         np.array([5, 0, 0]), ['mIoU', 'mFscore'])
        >>> list(out)
        ['aAcc', 'IoU', 'Acc', 'Fscore', 'Precision', 'Recall']
        >>> float(out['aAcc']), out['IoU']
        (0.6, array([0.5, 0. , nan]))
        >>> out['Fscore'].round(4)
        array([0.6667, 0.    ,    nan])
    """
    unknown = [name for name in metrics if name not in SEG_METRIC_NAMES]
    if unknown:
        raise KeyError(
            f'metrics {unknown} are not supported; choose from '
            f'{", ".join(SEG_METRIC_NAMES)}'
        )
    intersect = np.asarray(area_intersect, dtype=np.int64)
    pred = np.asarray(area_pred, dtype=np.int64)
    label = np.asarray(area_label, dtype=np.int64)
    results = {'aAcc': _fraction(intersect.sum(), label.sum())}
    for name in metrics:
        if name == 'mIoU':
            results['IoU'] = _fraction(intersect, pred + label - intersect)
            results['Acc'] = _fraction(intersect, label)
        elif name == 'mDice':
            results['Dice'] = _fraction(2 * intersect, pred + label)
            results['Acc'] = _fraction(intersect, label)
        else:
            weight = float(beta) ** 2
            results['Fscore'] = _fraction(
                (1 + weight) * intersect, weight * label + pred
            )
            results['Precision'] = _fraction(intersect, pred)
            results['Recall'] = _fraction(intersect, label)
    return results


def mean_metrics(per_class: Dict[str, np.ndarray]) -> Dict[str, float]:
    """Dataset-level metrics in percent, rounded to 2 decimals.

    Each per-class array ``X`` becomes ``mX``, the mean over the classes
    where it is defined (NaN entries are skipped); ``aAcc`` is kept as is.

    Args:
        per_class (dict[str, ndarray]): Output of :func:`per_class_metrics`.

    Returns:
        dict[str, float]: ``aAcc`` and ``m<Name>`` for every per-class
        metric; NaN where no class defines it.

    Examples:
        >>> import numpy as np
        >>> mean_metrics({'aAcc': np.array(0.6),
        ...               'IoU': np.array([0.5, 0.0, np.nan])})
        {'aAcc': 60.0, 'mIoU': 25.0}
    """
    means = {}
    for name, values in per_class.items():
        values = np.asarray(values, dtype=np.float64)
        defined = values[~np.isnan(values)]
        mean = float(defined.mean()) if defined.size else float('nan')
        key = name if name == 'aAcc' else f'm{name}'
        means[key] = float(np.round(mean * 100, 2))
    return means


def class_percentages(
    per_class: Dict[str, np.ndarray], nan_to_num: Union[float, None] = None
) -> Dict[str, np.ndarray]:
    """Per-class metrics in percent, rounded to 2 decimals, for a table.

    ``nan_to_num`` replaces the NaN of undefined classes after scaling, so
    ``nan_to_num=-1`` shows ``-1`` (not ``-100``); it never enters the means
    of :func:`mean_metrics`.

    Args:
        per_class (dict[str, ndarray]): Output of :func:`per_class_metrics`.
        nan_to_num (float, optional): Value shown for undefined classes.
            Defaults to None (keep NaN).

    Returns:
        dict[str, ndarray]: Every per-class entry (``aAcc`` left out).

    Examples:
        >>> import numpy as np
        >>> class_percentages({'aAcc': np.array(0.6),
        ...                    'IoU': np.array([0.5, 1 / 3, np.nan])}, -1)
        {'IoU': array([50.  , 33.33, -1.  ])}
    """
    table = {}
    for name, values in per_class.items():
        if name == 'aAcc':
            continue
        values = np.round(np.asarray(values, dtype=np.float64) * 100, 2)
        if nan_to_num is not None:
            values = np.nan_to_num(values, nan=nan_to_num)
        table[name] = values
    return table
