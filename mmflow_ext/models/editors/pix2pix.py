# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``Pix2Pix``: paired translation with a conditional PatchGAN and an L1
term (MMagic 1.x semantics and loss names)."""

from typing import Dict, Tuple

import torch
from mmengine import MessageHub
from mmengine.optim import OptimWrapperDict
from torch import Tensor

from mmflow_ext.registry import MODELS

from ..losses import GANLoss, L1Loss
from .base_translation_model import BaseTranslationModel
from .gan_sampling import set_requires_grad
from .translation_utils import train_mode

__all__ = ['Pix2Pix']


@MODELS.register_module()
class Pix2Pix(BaseTranslationModel):
    """Pix2Pix (Isola et al., "Image-to-Image Translation with Conditional
    Adversarial Networks"; MMagic's ``Pix2Pix``).

    The generator of ``default_domain`` translates ``img_<source>`` (the
    other related domain); the discriminator sees ``cat(source, image)``.
    Discriminator loss: ``0.5 * (loss_gan_d_fake + loss_gan_d_real)``
    (vanilla GAN loss); generator loss: ``loss_gan_g`` plus
    ``loss_pixel = pixel_loss_weight * L1``. Outputs hold
    ``fake_<default_domain>``. As in MMagic (and the original code), test
    translations run in training mode (batch statistics and dropout); the
    model's mode is restored afterwards.

    Args:
        *args, **kwargs: See :class:`BaseTranslationModel`;
            ``loss_config['pixel_loss_weight']`` defaults to 100.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pixel_loss_weight = self.loss_config.get('pixel_loss_weight', 100)
        self.gan_loss = GANLoss(gan_type='vanilla')
        self.pixel_loss = L1Loss(loss_weight=self.pixel_loss_weight)

    @property
    def source_domain(self) -> str:
        """str: The domain translated into ``default_domain``."""
        return self.get_other_domains(self._default_domain)[0]

    def forward_test(self, img: Tensor, target_domain=None, **kwargs) -> dict:
        """Translate in training mode (the pix2pix test trick)."""
        with train_mode(self):
            target = self.translation(img, target_domain, **kwargs)
        return dict(source=img, target=target)

    def _val_translations(self, inputs: dict) -> Dict[str, Tensor]:
        target = self._reachable_domains[0]
        source = self.get_other_domains(target)[0]
        img = self.get_domain_input(inputs, source)
        return {target: self.forward_test(img, target)['target']}

    def _pair(self, outputs: dict, kind: str) -> Tensor:
        target, source = self._default_domain, self.source_domain
        return torch.cat(
            (outputs[f'real_{source}'], outputs[f'{kind}_{target}']), 1
        )

    def _get_disc_loss(self, outputs: dict) -> Tuple[Tensor, dict]:
        """Discriminator loss on the (detached) fake and the real pair."""
        disc = self.get_module(self.discriminators)[self._default_domain]
        fake_pred = disc(self._pair(outputs, 'fake').detach())
        real_pred = disc(self._pair(outputs, 'real'))
        losses = dict(
            loss_gan_d_fake=self.gan_loss(fake_pred, False, is_disc=True),
            loss_gan_d_real=self.gan_loss(real_pred, True, is_disc=True),
        )
        loss_d, log_vars = self.parse_losses(losses)
        loss_d = loss_d * 0.5
        log_vars['loss'] = loss_d.detach()
        return loss_d, log_vars

    def _get_gen_loss(self, outputs: dict) -> Tuple[Tensor, dict]:
        """Generator loss: fool the discriminator, stay close in L1."""
        target = self._default_domain
        disc = self.get_module(self.discriminators)[target]
        fake_pred = disc(self._pair(outputs, 'fake'))
        losses = dict(
            loss_gan_g=self.gan_loss(fake_pred, True, is_disc=False),
            loss_pixel=self.pixel_loss(
                outputs[f'fake_{target}'], outputs[f'real_{target}']
            ),
        )
        return self.parse_losses(losses)

    def train_step(
        self, data: dict, optim_wrapper: OptimWrapperDict
    ) -> Dict[str, Tensor]:
        """One discriminator update, then (every ``discriminator_steps``
        full updates, after ``disc_init_steps``) one generator update.

        Args:
            data (dict): A batch with ``inputs['img_<domain>']``.
            optim_wrapper (OptimWrapperDict): ``generators`` and
                ``discriminators`` wrappers.

        Returns:
            dict[str, Tensor]: Log variables.
        """
        curr_iter = MessageHub.get_current_instance().get_info('iter')
        data = self.data_preprocessor(data, True)
        inputs = data['inputs']
        target, source = self._default_domain, self.source_domain
        source_img = self.get_domain_input(inputs, source)
        target_img = self.get_domain_input(inputs, target)
        disc_wrapper = optim_wrapper['discriminators']
        disc_accu = disc_wrapper._accumulative_counts
        with disc_wrapper.optim_context(self.discriminators):
            results = self(source_img, target_domain=target, test_mode=False)
            outputs = {
                f'real_{source}': results['source'],
                f'fake_{target}': results['target'],
                f'real_{target}': target_img,
            }
            set_requires_grad(self.discriminators, True)
            loss_d, log_vars = self._get_disc_loss(outputs)
            disc_wrapper.update_params(loss_d)
        if (curr_iter + 1) % (
            self.discriminator_steps * disc_accu
        ) == 0 and curr_iter >= self.disc_init_steps:
            set_requires_grad(self.discriminators, False)
            gen_wrapper = optim_wrapper['generators']
            with gen_wrapper.optim_context(self.generators):
                loss_g, log_vars_g = self._get_gen_loss(outputs)
                gen_wrapper.update_params(loss_g)
            log_vars.update(log_vars_g)
        return log_vars
