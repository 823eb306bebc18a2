# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Confusion counts and the metrics derived from them."""

from fractions import Fraction

import numpy as np
import pytest
import torch

from mmflow_ext.evaluation.functional.seg_metrics import (
    check_label_range,
    class_percentages,
    confusion_matrix,
    intersect_and_union,
    mean_metrics,
    per_class_metrics,
)

# 3 classes, one ignored pixel. Valid (label, pred) pairs:
# (0, 0), (1, 1), (1, 2), (2, 2), (2, 2)
HAND_LABEL = torch.tensor([[0, 1, 1], [2, 255, 2]])
HAND_PRED = torch.tensor([[0, 1, 2], [2, 0, 2]])
HAND_MATRIX = [[1, 0, 0], [0, 1, 1], [0, 0, 2]]


def reference_matrix(pred, label, num_classes, ignore_index=255):
    """Pixel-by-pixel counts, independent of the implementation."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    for g, p in zip(np.asarray(label).ravel(), np.asarray(pred).ravel()):
        if g != ignore_index:
            matrix[g, p] += 1
    return matrix


def random_maps(num_classes, shape, seed, ignore_index=255):
    rng = np.random.default_rng(seed)
    label = rng.integers(0, num_classes, shape)
    label[rng.random(shape) < 0.05] = ignore_index
    pred = rng.integers(0, num_classes, shape)
    return pred, label


def test_confusion_matrix_hand_counted():
    matrix = confusion_matrix(HAND_PRED, HAND_LABEL, num_classes=3)
    assert matrix.dtype == torch.int64
    assert matrix.tolist() == HAND_MATRIX


@pytest.mark.parametrize('dtype', [torch.int64, torch.int32, torch.uint8])
def test_confusion_matrix_matches_pixel_loop_per_dtype(dtype):
    pred, label = random_maps(19, (37, 41), seed=0)
    expected = reference_matrix(pred, label, 19)
    matrix = confusion_matrix(
        torch.from_numpy(pred).to(dtype), torch.from_numpy(label).to(dtype), 19
    )
    np.testing.assert_array_equal(matrix.numpy(), expected)


def test_uint8_index_arithmetic_does_not_wrap():
    # 200 classes: label * C + pred reaches 255 * 200 + 199, far beyond
    # uint8 and int16.
    pred, label = random_maps(200, (64, 64), seed=1)
    matrix = confusion_matrix(
        torch.from_numpy(pred).to(torch.uint8),
        torch.from_numpy(label).to(torch.uint8),
        200,
    )
    np.testing.assert_array_equal(
        matrix.numpy(), reference_matrix(pred, label, 200)
    )


def test_numpy_and_mixed_dtype_inputs():
    pred, label = random_maps(5, (10, 12), seed=2)
    expected = reference_matrix(pred, label, 5)
    from_numpy = confusion_matrix(pred.astype(np.uint16), label, 5)
    mixed = confusion_matrix(
        torch.from_numpy(pred).to(torch.uint8), torch.from_numpy(label), 5
    )
    np.testing.assert_array_equal(from_numpy.numpy(), expected)
    np.testing.assert_array_equal(mixed.numpy(), expected)


@pytest.mark.parametrize('ignore_index', [-1, 0, 100000])
def test_other_ignore_indices(ignore_index):
    pred, label = random_maps(4, (9, 11), seed=3, ignore_index=ignore_index)
    matrix = confusion_matrix(pred, label, 4, ignore_index=ignore_index)
    np.testing.assert_array_equal(
        matrix.numpy(), reference_matrix(pred, label, 4, ignore_index)
    )
    if ignore_index == 0:
        assert matrix[0].sum() == 0


def test_float_maps_with_integer_values_are_accepted():
    matrix = confusion_matrix(HAND_PRED.float(), HAND_LABEL.double(), 3)
    assert matrix.tolist() == HAND_MATRIX


def test_non_integer_values_raise():
    with pytest.raises(ValueError, match='pred holds non-integer values'):
        confusion_matrix(torch.tensor([0.5]), torch.tensor([0]), 2)


def test_shape_mismatch_raises():
    with pytest.raises(
        ValueError,
        match=r'pred shape \(1, 3\) differs from label shape \(3,\)',
    ):
        confusion_matrix(torch.zeros(1, 3), torch.zeros(3), 2)


def test_empty_maps_count_nothing():
    matrix = confusion_matrix(torch.zeros(0, 4), torch.zeros(0, 4), 2)
    assert matrix.tolist() == [[0, 0], [0, 0]]


def test_out_of_range_labels_are_reported_with_counts():
    label = torch.tensor([0, 1, 3, 3, 7, 255, -2])
    pred = torch.zeros(7, dtype=torch.long)
    with pytest.raises(
        ValueError,
        match=(
            r'label holds values outside \[0, 3\) that are not '
            r'ignore_index=255 \(value: pixels\) '
            r'\{-2: 1, 3: 2, 7: 1\}'
        ),
    ):
        confusion_matrix(pred, label, 3)


def test_out_of_range_predictions_raise_on_counted_pixels_only():
    label = torch.tensor([0, 1, 255])
    pred = torch.tensor([0, 5, 9])
    with pytest.raises(ValueError, match=r'pred holds .* \{5: 1\}'):
        confusion_matrix(pred, label, 3)
    # a stray prediction on an ignored pixel is not counted
    matrix = confusion_matrix(torch.tensor([0, 1, 9]), label, 3)
    assert matrix.tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 0]]


def test_counts_beyond_float32_are_exact():
    # float32 holds integers exactly only up to 2**24
    size = 2**24 + 3
    assert float(np.float32(size)) != size
    zeros = torch.zeros(1, dtype=torch.uint8).expand(size)
    matrix = confusion_matrix(zeros, zeros, num_classes=2)
    assert matrix.tolist() == [[size, 0], [0, 0]]


def test_intersect_and_union_hand_counted():
    intersect, union, pred_area, label_area = intersect_and_union(
        HAND_PRED, HAND_LABEL, 3
    )
    assert intersect.tolist() == [1, 1, 2]
    assert pred_area.tolist() == [1, 1, 3]
    assert label_area.tolist() == [1, 2, 2]
    assert union.tolist() == [1, 2, 3]


def fractions(values):
    return [float(v) for v in values]


def test_per_class_metrics_hand_computed():
    out = per_class_metrics(
        [1, 1, 2], [1, 1, 3], [1, 2, 2], ['mIoU', 'mDice', 'mFscore']
    )
    assert list(out) == [
        'aAcc',
        'IoU',
        'Acc',
        'Dice',
        'Fscore',
        'Precision',
        'Recall',
    ]
    assert out['aAcc'] == pytest.approx(4 / 5)
    F = Fraction
    np.testing.assert_allclose(out['IoU'], fractions([1, F(1, 2), F(2, 3)]))
    np.testing.assert_allclose(out['Acc'], fractions([1, F(1, 2), 1]))
    np.testing.assert_allclose(out['Dice'], fractions([1, F(2, 3), F(4, 5)]))
    np.testing.assert_allclose(out['Precision'], fractions([1, 1, F(2, 3)]))
    np.testing.assert_allclose(out['Recall'], fractions([1, F(1, 2), 1]))
    np.testing.assert_allclose(out['Fscore'], out['Dice'])


def test_fscore_beta_weights_recall():
    # F_beta = (1 + b^2) TP / (b^2 (TP + FN) + TP + FP), b = 2
    out = per_class_metrics(
        [1, 1, 2], [1, 1, 3], [1, 2, 2], ['mFscore'], beta=2
    )
    F = Fraction
    np.testing.assert_allclose(
        out['Fscore'], fractions([1, F(5, 9), F(10, 11)])
    )


def test_absent_classes_are_nan_and_missed_classes_zero():
    # class 0 hit, class 1 only labelled, class 2 only predicted,
    # class 3 absent everywhere
    out = per_class_metrics(
        [2, 0, 0, 0], [3, 0, 2, 0], [3, 2, 0, 0], ['mIoU', 'mFscore']
    )
    np.testing.assert_array_equal(out['IoU'], [0.5, 0.0, 0.0, np.nan])
    np.testing.assert_array_equal(out['Acc'], [2 / 3, 0.0, np.nan, np.nan])
    np.testing.assert_array_equal(out['Fscore'], [2 / 3, 0.0, 0.0, np.nan])
    np.testing.assert_array_equal(
        out['Precision'], [2 / 3, np.nan, 0.0, np.nan]
    )


def test_unknown_metric_raises():
    with pytest.raises(KeyError, match=r"\['mAP'\] are not supported"):
        per_class_metrics([1], [1], [1], ['mIoU', 'mAP'])


def test_mean_metrics_skip_undefined_classes():
    means = mean_metrics(
        {
            'aAcc': np.float64(0.8),
            'IoU': np.array([1.0, 0.5, 2 / 3, np.nan]),
            'Acc': np.array([np.nan, np.nan]),
        }
    )
    assert means['aAcc'] == 80.0
    assert means['mIoU'] == 72.22
    assert np.isnan(means['mAcc'])


def test_class_percentages_apply_nan_to_num_after_scaling():
    per_class = {'aAcc': np.float64(0.8), 'IoU': np.array([0.123456, np.nan])}
    assert list(class_percentages(per_class)) == ['IoU']
    np.testing.assert_array_equal(
        class_percentages(per_class)['IoU'], [12.35, np.nan]
    )
    np.testing.assert_array_equal(
        class_percentages(per_class, nan_to_num=-1)['IoU'], [12.35, -1.0]
    )


def test_check_label_range_lists_values_with_counts_and_truncates():
    labels = np.arange(20, dtype=np.uint16).reshape(4, 5)  # 0..19
    assert check_label_range(labels, 20, 255) is None
    with pytest.raises(ValueError) as info:
        check_label_range(
            np.concatenate([labels.ravel(), [3, 255]]),
            3,
            255,
            'label map m.png',
        )
    message = str(info.value)
    # 17 values outside [0, 3) (3 on two pixels), 255 ignored: 10 listed
    listed = ', '.join(['3: 2'] + [f'{v}: 1' for v in range(4, 13)])
    assert message.startswith(
        'label map m.png holds values outside [0, 3) that are not '
        f'ignore_index=255 (value: pixels) {{{listed}, ... (7 more)}}; '
    )
    # the confusion counts report the same way
    with pytest.raises(ValueError, match=r'^label holds values outside'):
        confusion_matrix(np.zeros(2, np.int64), np.array([0, 9]), 3)
