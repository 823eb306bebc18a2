# Copyright (c) mmflow_ext contributors. All rights reserved.
import math

import pytest
import torch

from mmflow_ext.models.losses.pixelwise_loss import (
    CharbonnierLoss,
    L1Loss,
    MSELoss,
    PSNRLoss,
)
from mmflow_ext.registry import MODELS

PRED = torch.tensor([[[[0.0, 1.0], [2.0, 3.0]]], [[[1.0, 1.0], [1.0, 1.0]]]])
TARGET = torch.zeros(2, 1, 2, 2)
MASK = torch.tensor([[[[1.0, 0.0], [0.0, 0.0]]], [[[1.0, 1.0], [1.0, 1.0]]]])


def test_reductions_and_weight():
    assert L1Loss()(PRED, TARGET).item() == pytest.approx(10 / 8)
    assert L1Loss(reduction='sum', loss_weight=2)(PRED, TARGET).item() == 20
    assert L1Loss(reduction='none')(PRED, TARGET).shape == (2, 1, 2, 2)
    assert MSELoss()(PRED, TARGET).item() == pytest.approx(18 / 8)
    assert MODELS.build(dict(type='L1Loss')).reduction == 'mean'


def test_masked_mean_pixel_and_sample_wise():
    # masked elements: 0 (sample 0) and 1, 1, 1, 1 (sample 1)
    assert L1Loss()(PRED, TARGET, weight=MASK).item() == pytest.approx(4 / 5)
    sample_wise = L1Loss(sample_wise=True)(PRED, TARGET, weight=MASK)
    assert sample_wise.item() == pytest.approx((0 / 1 + 4 / 4) / 2)
    three = torch.zeros(2, 3, 2, 2)
    assert L1Loss()(three + 1, three, weight=MASK).item() == pytest.approx(1)


def test_errors():
    with pytest.raises(ValueError, match="Unsupported reduction mode: 'avg'"):
        L1Loss(reduction='avg')
    with pytest.raises(ValueError, match=r'prediction shape \(2, 1, 2, 2\)'):
        L1Loss()(PRED, torch.zeros(2, 1, 2, 3))
    with pytest.raises(ValueError, match='does not fit a loss'):
        L1Loss()(PRED, TARGET, weight=torch.ones(2, 2, 2, 2))


def test_charbonnier_values_weight_and_sample_wise():
    eps = 1e-6
    diff = PRED - TARGET
    element = torch.sqrt(diff**2 + eps)
    assert CharbonnierLoss(eps=eps)(PRED, TARGET).item() == pytest.approx(
        element.mean().item()
    )
    masked = CharbonnierLoss(eps=eps, sample_wise=True)(
        PRED, TARGET, weight=MASK
    )
    per_sample = [
        (element[i] * MASK[i]).sum() / MASK[i].sum() for i in range(2)
    ]
    assert masked.item() == pytest.approx(sum(per_sample).item() / 2)
    assert CharbonnierLoss(reduction='sum', loss_weight=0.5)(
        PRED, TARGET
    ).item() == pytest.approx(0.5 * diff.abs().sum().item())
    with pytest.raises(ValueError, match='Unsupported reduction'):
        CharbonnierLoss(reduction='max')


def test_psnr_loss_values():
    pred = torch.zeros(2, 3, 2, 2)
    target = torch.cat(
        [torch.full((1, 3, 2, 2), 0.1), torch.full((1, 3, 2, 2), 0.01)]
    )
    expected = (
        10 / math.log(10) * (math.log(0.01 + 1e-8) + math.log(1e-4 + 1e-8)) / 2
    )
    loss = MODELS.build(dict(type='PSNRLoss', loss_weight=2.0))
    assert loss(pred, target).item() == pytest.approx(2 * expected, rel=1e-5)
    # toY: equal images in Y give the floor 10 * log10(1e-8)
    rgb = torch.rand(1, 3, 2, 2)
    swapped = rgb.clone()
    assert PSNRLoss(toY=True)(rgb, swapped).item() == pytest.approx(-80.0)
    with pytest.raises(ValueError, match='N×C×H×W'):
        PSNRLoss()(torch.zeros(3, 2, 2), torch.zeros(3, 2, 2))


@pytest.mark.parametrize(
    'kwargs',
    [
        dict(),
        dict(sample_wise=True),
        dict(reduction='sum', loss_weight=0.3),
        dict(reduction='none', eps=1e-3),
    ],
)
def test_charbonnier_equals_mmagic(kwargs):
    losses = pytest.importorskip('mmagic.models.losses')
    gen = torch.Generator().manual_seed(0)
    pred, target = (
        torch.rand(2, 3, 4, 4, generator=gen),
        torch.rand(2, 3, 4, 4, generator=gen),
    )
    weight = (torch.rand(2, 1, 4, 4, generator=gen) > 0.5).float()
    for w in (None, weight):
        ours = CharbonnierLoss(**kwargs)(pred, target, weight=w)
        theirs = losses.CharbonnierLoss(**kwargs)(pred, target, weight=w)
        torch.testing.assert_close(ours, theirs)
    torch.testing.assert_close(
        PSNRLoss(0.5)(pred, target), losses.PSNRLoss(0.5)(pred, target)
    )
