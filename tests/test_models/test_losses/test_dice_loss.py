# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``DiceLoss``: hand-computed values and MMSegmentation 1.x's numbers."""

import pytest
import torch

from mmflow_ext.models.losses import DiceLoss
from mmflow_ext.registry import MODELS


def test_dice_loss_by_hand():
    # 1 image, 2 classes, 2 pixels; softmax of zeros is 0.5 everywhere
    pred = torch.zeros(1, 2, 1, 2)
    label = torch.tensor([[[0, 1]]])
    loss = DiceLoss(use_sigmoid=False, eps=0.0, ignore_index=None)
    # inter = 0.5 + 0.5 = 1; sum p^2 = 4 * 0.25 = 1; sum t^2 = 2
    assert loss(pred, label).item() == pytest.approx(1 - 2 / 3, rel=1e-6)
    naive = DiceLoss(
        use_sigmoid=False,
        eps=0.0,
        naive_dice=True,
        ignore_index=None,
        loss_weight=2.0,
    )
    # 2 * inter / (sum p + sum t) = 2 / (2 + 2)
    assert naive(pred, label).item() == pytest.approx(2 * 0.5, rel=1e-6)
    # ignore_index drops that class channel: only class 1 is left
    only_one = DiceLoss(use_sigmoid=False, eps=0.0, ignore_index=0)
    # inter = 0.5, sum p^2 = 0.5, sum t^2 = 1
    assert only_one(pred, label).item() == pytest.approx(1 - 1 / 1.5, rel=1e-6)
    # a pixel labelled 255 has an all-zero target
    ignored = loss(pred, torch.tensor([[[0, 255]]]))
    assert ignored.item() == pytest.approx(1 - 1 / 2, rel=1e-6)
    assert MODELS.build(dict(type='DiceLoss')).loss_name == 'loss_dice'


def test_one_hot_targets_sigmoid_and_errors():
    pred = torch.tensor([[[[2.0, -1.0]], [[0.0, 3.0]]]])
    one_hot = torch.tensor([[[[1, 0]], [[0, 1]]]])
    loss = DiceLoss(eps=0.0, ignore_index=None)  # sigmoid by default
    p = pred.sigmoid()
    inter = (p * one_hot).sum()
    expected = 1 - 2 * inter / ((p * p).sum() + one_hot.sum())
    assert loss(pred, one_hot).item() == pytest.approx(
        expected.item(), rel=1e-6
    )
    # class indices give the same one-hot target
    assert torch.equal(
        loss(pred, torch.tensor([[[0, 1]]])), loss(pred, one_hot)
    )
    with pytest.raises(ValueError, match=r'weight must have shape \(1,\)'):
        loss(pred, one_hot, weight=torch.ones(2))
    with pytest.raises(ValueError, match='removes the only class channel'):
        DiceLoss(ignore_index=0)(pred[:, :1], one_hot[:, :1])


@pytest.mark.parametrize(
    'kwargs',
    [
        dict(use_sigmoid=False),
        dict(use_sigmoid=True, naive_dice=True),
        dict(use_sigmoid=False, ignore_index=1, loss_weight=3.0),
        dict(use_sigmoid=False, ignore_index=None, eps=0.5),
    ],
)
def test_matches_mmsegmentation(kwargs):
    upstream = pytest.importorskip('mmseg.models.losses')
    gen = torch.Generator().manual_seed(1)
    pred = torch.randn(2, 3, 4, 5, generator=gen)
    label = torch.randint(0, 3, (2, 4, 5), generator=gen)
    label[1, 0, :2] = 255
    ours = DiceLoss(**kwargs)(pred, label)
    theirs = upstream.DiceLoss(**kwargs)(pred, label)
    torch.testing.assert_close(ours, theirs, rtol=1e-6, atol=1e-7)
