# Copyright (c) mmflow_ext contributors. All rights reserved.
"""GANLoss: hand-computed values, and MMagic's values when importable."""

import pytest
import torch
import torch.nn.functional as F

from mmflow_ext.models.losses import GANLoss
from mmflow_ext.registry import MODELS

PRED = torch.tensor([[0.5], [-2.0], [1.5]])
TYPES = ['vanilla', 'lsgan', 'wgan', 'wgan-logistic-ns', 'hinge', 'l1']


def _by_hand(gan_type, real, is_disc, weight, real_val=1.0, fake_val=0.0):
    target = torch.full_like(PRED, real_val if real else fake_val)
    sign = -1.0 if real else 1.0
    loss = {
        'vanilla': lambda: F.binary_cross_entropy_with_logits(PRED, target),
        'lsgan': lambda: ((PRED - target) ** 2).mean(),
        'l1': lambda: (PRED - target).abs().mean(),
        'wgan': lambda: sign * PRED.mean(),
        'wgan-logistic-ns': lambda: torch.log1p(torch.exp(sign * PRED)).mean(),
        'hinge': lambda: (
            torch.clamp(1 + sign * PRED, min=0).mean()
            if is_disc
            else -PRED.mean()
        ),
    }[gan_type]()
    return loss if is_disc else loss * weight


@pytest.mark.parametrize('gan_type', TYPES)
@pytest.mark.parametrize('real', [True, False])
@pytest.mark.parametrize('is_disc', [True, False])
def test_values_by_hand(gan_type, real, is_disc):
    loss = GANLoss(
        gan_type, real_label_val=0.9, fake_label_val=0.1, loss_weight=2.0
    )
    expected = _by_hand(gan_type, real, is_disc, 2.0, 0.9, 0.1)
    torch.testing.assert_close(loss(PRED, real, is_disc=is_disc), expected)


@pytest.mark.parametrize('gan_type', TYPES)
def test_values_equal_mmagic(gan_type):
    losses = pytest.importorskip('mmagic.models.losses')
    ref_cls = (
        losses.GANLossComps
        if gan_type == 'wgan-logistic-ns'
        else losses.GANLoss
    )
    for real in (True, False):
        for is_disc in (True, False):
            ref = ref_cls(gan_type, loss_weight=0.5)(
                PRED, real, is_disc=is_disc
            )
            ours = GANLoss(gan_type, loss_weight=0.5)(
                PRED, real, is_disc=is_disc
            )
            torch.testing.assert_close(ours, ref)


def test_registered_and_unknown_type():
    assert (
        MODELS.build(dict(type='GANLoss', gan_type='hinge')).gan_type
        == 'hinge'
    )
    with pytest.raises(NotImplementedError, match="'smgan' is not"):
        GANLoss('smgan')
