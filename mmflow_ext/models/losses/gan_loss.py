# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``GANLoss``: adversarial losses of MMagic's ``GANLoss`` /
``GANLossComps``."""

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmflow_ext.registry import MODELS

__all__ = ['GANLoss']

_GAN_TYPES = ('vanilla', 'lsgan', 'wgan', 'wgan-logistic-ns', 'hinge', 'l1')


@MODELS.register_module('GANLossComps')
@MODELS.register_module()
class GANLoss(nn.Module):
    """Adversarial loss of a prediction against a real or fake target.

    ``vanilla`` is binary cross-entropy on logits, ``lsgan`` the squared
    error, ``l1`` the absolute error (targets ``real_label_val`` /
    ``fake_label_val``); ``wgan`` is ``∓mean``, ``wgan-logistic-ns``
    ``mean(softplus(∓x))`` and ``hinge`` ``mean(relu(1 ∓ x))`` for the
    discriminator, ``-mean`` for the generator. ``loss_weight`` scales only
    generator losses (``is_disc=False``).

    Args:
        gan_type (str): One of ``'vanilla'``, ``'lsgan'``, ``'wgan'``,
            ``'wgan-logistic-ns'``, ``'hinge'``, ``'l1'``.
        real_label_val (float): Target of real. Defaults to 1.0.
        fake_label_val (float): Target of fake. Defaults to 0.0.
        loss_weight (float): Weight of generator losses. Defaults to 1.0.

    Examples:
        >>> loss = GANLoss('hinge')
        >>> loss(torch.tensor([0.5, -2.0]), True, is_disc=True)
        tensor(1.7500)
    """

    def __init__(
        self,
        gan_type: str,
        real_label_val: float = 1.0,
        fake_label_val: float = 0.0,
        loss_weight: float = 1.0,
    ) -> None:
        super().__init__()
        if gan_type not in _GAN_TYPES:
            raise NotImplementedError(
                f'GAN type {gan_type!r} is not implemented; choose one of '
                f'{list(_GAN_TYPES)}'
            )
        self.gan_type = gan_type
        self.real_label_val = real_label_val
        self.fake_label_val = fake_label_val
        self.loss_weight = loss_weight

    def get_target_label(self, input: Tensor, target_is_real: bool):
        """The target: a bool for the ``wgan`` types, else a tensor of the
        real or fake label value shaped like ``input``."""
        if self.gan_type in ('wgan', 'wgan-logistic-ns'):
            return target_is_real
        value = self.real_label_val if target_is_real else self.fake_label_val
        return torch.full_like(input, value)

    def forward(
        self, input: Tensor, target_is_real: bool, is_disc: bool = False
    ) -> Tensor:
        """The loss of prediction ``input``.

        Args:
            input (Tensor): Discriminator prediction.
            target_is_real (bool): Whether the target is real.
            is_disc (bool): Loss of the discriminator (unweighted).
                Defaults to False.

        Returns:
            Tensor: Scalar loss.
        """
        sign = -1.0 if target_is_real else 1.0
        if self.gan_type == 'hinge':
            loss = (
                F.relu(1 + sign * input).mean() if is_disc else -input.mean()
            )
        elif self.gan_type == 'wgan':
            loss = sign * input.mean()
        elif self.gan_type == 'wgan-logistic-ns':
            loss = F.softplus(sign * input).mean()
        else:
            target = self.get_target_label(input, target_is_real)
            loss = {
                'vanilla': F.binary_cross_entropy_with_logits,
                'lsgan': F.mse_loss,
                'l1': F.l1_loss,
            }[self.gan_type](input, target)
        return loss if is_disc else loss * self.loss_weight
