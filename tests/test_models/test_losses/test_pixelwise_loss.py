# Copyright (c) mmflow_ext contributors. All rights reserved.
import pytest
import torch

from mmflow_ext.models.losses.pixelwise_loss import L1Loss, MSELoss
from mmflow_ext.registry import MODELS

PRED = torch.tensor([[[[0., 1.], [2., 3.]]], [[[1., 1.], [1., 1.]]]])
TARGET = torch.zeros(2, 1, 2, 2)
MASK = torch.tensor([[[[1., 0.], [0., 0.]]], [[[1., 1.], [1., 1.]]]])


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
