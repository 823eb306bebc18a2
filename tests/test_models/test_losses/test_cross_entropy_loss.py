# Copyright (c) mmflow_ext contributors. All rights reserved.
import json
import math

import numpy as np
import pytest
import torch

from mmflow_ext.models.losses import (
    CrossEntropyLoss,
    binary_cross_entropy,
    cross_entropy,
    weight_reduce_loss,
)
from mmflow_ext.registry import MODELS

LN2 = math.log(2)


def softmax_ce(logits, label):
    """Hand cross-entropy of one pixel: logsumexp - logit of the label."""
    return math.log(sum(math.exp(v) for v in logits)) - logits[label]


def test_cross_entropy_mean_counts_ignored_pixels_by_default():
    # 1x2x1x3: pixels (logits per class) and labels 0, 1, ignored
    pred = torch.tensor([[[[1.0, 0.0, 5.0]], [[0.0, 2.0, -5.0]]]])
    label = torch.tensor([[[0, 1, 255]]])
    p0 = softmax_ce([1.0, 0.0], 0)
    p1 = softmax_ce([0.0, 2.0], 1)
    loss = cross_entropy(pred, label, ignore_index=255)
    assert loss.item() == pytest.approx((p0 + p1) / 3, rel=1e-6)
    loss = cross_entropy(pred, label, ignore_index=255, avg_non_ignore=True)
    assert loss.item() == pytest.approx((p0 + p1) / 2, rel=1e-6)
    summed = cross_entropy(pred, label, ignore_index=255, reduction='sum')
    assert summed.item() == pytest.approx(p0 + p1, rel=1e-6)


def test_class_weight_gives_a_weighted_mean():
    pred = torch.zeros(1, 2, 1, 3)
    pred[0, 0, 0, 2] = 5.0
    label = torch.tensor([[[0, 1, 1]]])
    loss = CrossEntropyLoss(class_weight=[1.0, 3.0], loss_weight=2.0)
    far = softmax_ce([5.0, 0.0], 1)
    # (1 * ln2 + 3 * ln2 + 3 * far) / (1 + 3 + 3), times loss_weight 2
    expected = 2 * (4 * LN2 + 3 * far) / 7
    assert loss(pred, label).item() == pytest.approx(expected, rel=1e-6)


def test_class_weight_with_ignored_pixels():
    pred = torch.zeros(1, 2, 1, 3)
    label = torch.tensor([[[0, 1, 255]]])
    # an ignored pixel weighs 1 in the divisor, or 0 with avg_non_ignore
    loss = CrossEntropyLoss(class_weight=[1.0, 3.0])
    assert loss(pred, label, ignore_index=255).item() == pytest.approx(
        4 * LN2 / 5, rel=1e-6
    )
    loss = CrossEntropyLoss(class_weight=[1.0, 3.0], avg_non_ignore=True)
    assert loss(pred, label, ignore_index=255).item() == pytest.approx(
        4 * LN2 / 4, rel=1e-6
    )


def test_per_pixel_losses_are_class_weighted():
    pred = torch.zeros(1, 2, 1, 2)
    label = torch.tensor([[[0, 1]]])
    loss = CrossEntropyLoss(class_weight=[1.0, 3.0], loss_weight=2.0)
    per_pixel = loss(pred, label, reduction_override='none')
    assert per_pixel.shape == (1, 1, 2)
    assert per_pixel.flatten().tolist() == pytest.approx(
        [2 * LN2, 6 * LN2], rel=1e-6
    )


def test_class_weight_from_files(tmp_path):
    np.save(tmp_path / 'w.npy', np.array([1.0, 3.0]))
    (tmp_path / 'w.json').write_text(json.dumps([2.0, 5.0]))
    assert CrossEntropyLoss(
        class_weight=str(tmp_path / 'w.npy')
    ).class_weight == [1.0, 3.0]
    assert CrossEntropyLoss(
        class_weight=str(tmp_path / 'w.json')
    ).class_weight == [2.0, 5.0]


def test_pixel_weight_and_avg_factor():
    loss = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    weight = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    assert weight_reduce_loss(loss, weight).item() == pytest.approx(1.25)
    assert weight_reduce_loss(loss, avg_factor=5).item() == pytest.approx(
        2.0, rel=1e-6
    )
    with pytest.raises(ValueError, match='avg_factor cannot be used'):
        weight_reduce_loss(loss, reduction='sum', avg_factor=2)
    with pytest.raises(ValueError, match='weight has 1 dims but the loss'):
        weight_reduce_loss(loss, torch.ones(2))
    with pytest.raises(ValueError, match='reduction must be'):
        weight_reduce_loss(loss, reduction='max')


def sigmoid_bce(x, t):
    p = 1 / (1 + math.exp(-x))
    return -(t * math.log(p) + (1 - t) * math.log(1 - p))


def test_binary_cross_entropy_expands_class_labels_to_one_hot():
    pred = torch.tensor([[[[0.5, -1.0]], [[2.0, 0.0]]]])  # 1x2x1x2
    label = torch.tensor([[[1, 255]]])
    # only the first pixel is valid: class 0 target 0, class 1 target 1
    expected = (sigmoid_bce(0.5, 0) + sigmoid_bce(2.0, 1)) / 4
    loss = binary_cross_entropy(pred, label, ignore_index=255)
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    module = CrossEntropyLoss(use_sigmoid=True, avg_non_ignore=True)
    assert module(pred, label, ignore_index=255).item() == pytest.approx(
        expected * 2, rel=1e-6
    )


def test_binary_cross_entropy_with_one_channel():
    pred = torch.tensor([[[[1.0, -2.0, 3.0]]]])  # 1x1x1x3
    label = torch.tensor([[[1, 0, 255]]])
    expected = (sigmoid_bce(1.0, 1) + sigmoid_bce(-2.0, 0)) / 3
    loss = CrossEntropyLoss(use_sigmoid=True)(pred, label, ignore_index=255)
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    with pytest.raises(ValueError, match='needs 0/1 labels, got label 2'):
        binary_cross_entropy(pred, torch.tensor([[[2, 0, 0]]]))


def test_cross_entropy_loss_is_registered_and_checks_arguments():
    loss = MODELS.build(dict(type='CrossEntropyLoss', loss_name='loss_x'))
    assert isinstance(loss, CrossEntropyLoss) and loss.loss_name == 'loss_x'
    with pytest.raises(ValueError, match='use_mask=True'):
        CrossEntropyLoss(use_mask=True)
    with pytest.raises(ValueError, match='reduction must be'):
        CrossEntropyLoss(reduction='avg')
