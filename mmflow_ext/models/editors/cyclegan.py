# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``CycleGAN``: unpaired translation with LSGAN, cycle-consistency and
identity losses (MMagic 1.x semantics and loss names)."""

from typing import Dict, Optional, Tuple

from mmengine import MessageHub
from mmengine.optim import OptimWrapperDict
from torch import Tensor

from mmflow_ext.registry import MODELS

from ..losses import GANLoss, L1Loss
from .base_translation_model import BaseTranslationModel
from .gan_sampling import set_requires_grad
from .translation_utils import GANImageBuffer, train_mode

__all__ = ['CycleGAN']


@MODELS.register_module()
class CycleGAN(BaseTranslationModel):
    """CycleGAN (Zhu et al., "Unpaired Image-to-Image Translation using
    Cycle-Consistent Adversarial Networks"; MMagic's ``CycleGAN``).

    For each reachable domain ``d``, ``fake_d`` is the translation of the
    other domain's image and ``cycle_<other>`` its translation back.
    Discriminator loss per domain (LSGAN): ``loss_gan_d_<d>`` = half the sum
    of the fake (drawn through an :class:`GANImageBuffer`) and real terms.
    Generator loss: ``loss_gan_g_<d>``, ``cycle_loss`` (``cycle_loss_weight``
    times L1 of the cycles) and, unless ``id_loss_weight`` is 0,
    ``id_loss`` (L1 of ``generators[d](real_d)`` to ``real_d``). Outputs
    hold ``fake_<d>`` for every reachable domain; test translations run in
    training mode as in MMagic (the mode is restored afterwards).

    Args:
        *args, **kwargs: See :class:`BaseTranslationModel`.
        buffer_size (int): Images kept per domain buffer. Defaults to 50.
        loss_config (dict, optional): ``cycle_loss_weight`` and
            ``id_loss_weight``. Defaults to
            ``dict(cycle_loss_weight=10., id_loss_weight=0.5)``.
    """

    def __init__(
        self,
        *args,
        buffer_size: int = 50,
        loss_config: Optional[dict] = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.loss_config = (
            dict(cycle_loss_weight=10.0, id_loss_weight=0.5)
            if loss_config is None
            else loss_config
        )
        for key in ('cycle_loss_weight', 'id_loss_weight'):
            if key not in self.loss_config:
                raise KeyError(
                    f'CycleGAN loss_config needs {key!r}, got keys '
                    f'{sorted(self.loss_config)}'
                )
        self.buffer_size = buffer_size
        self.image_buffers = {
            d: GANImageBuffer(buffer_size) for d in self._reachable_domains
        }
        self.gan_loss = GANLoss(gan_type='lsgan')
        self.l1_loss = L1Loss()

    def _get_opposite_domain(self, domain: str) -> Optional[str]:
        """The other reachable domain (None when there is none)."""
        others = [d for d in self._reachable_domains if d != domain]
        return others[0] if others else None

    def forward_test(self, img: Tensor, target_domain=None, **kwargs) -> dict:
        """Translate in training mode (the CycleGAN test trick)."""
        with train_mode(self):
            target = self.translation(img, target_domain, **kwargs)
        return dict(source=img, target=target)

    def _val_translations(self, inputs: dict) -> Dict[str, Tensor]:
        outputs = {}
        for src in self._reachable_domains:
            target = self.get_other_domains(src)[0]
            img = self.get_domain_input(inputs, src)
            outputs[target] = self.forward_test(img, target)['target']
        return outputs

    def _get_disc_loss(self, outputs: dict) -> Tuple[Tensor, dict]:
        """LSGAN discriminator losses of every domain."""
        discriminators = self.get_module(self.discriminators)
        loss_d, log_vars = 0, dict()
        for d in self._reachable_domains:
            fake = self.image_buffers[d].query(outputs[f'fake_{d}'])
            fake_pred = discriminators[d](fake.detach())
            real_pred = discriminators[d](outputs[f'real_{d}'])
            loss, parsed = self.parse_losses(
                {
                    f'loss_gan_d_{d}_fake': self.gan_loss(
                        fake_pred, False, is_disc=True
                    ),
                    f'loss_gan_d_{d}_real': self.gan_loss(
                        real_pred, True, is_disc=True
                    ),
                }
            )
            loss_d += loss * 0.5
            # the optimized value (MMagic halves twice and logs a quarter)
            log_vars[f'loss_gan_d_{d}'] = parsed['loss'].detach() * 0.5
        return loss_d, log_vars

    def _get_gen_loss(self, outputs: dict) -> Tuple[Tensor, dict]:
        """Adversarial, cycle and identity losses of the generators."""
        generators = self.get_module(self.generators)
        discriminators = self.get_module(self.discriminators)
        domains = self._reachable_domains
        losses = dict()
        for d in domains:
            outputs[f'identity_{d}'] = generators[d](outputs[f'real_{d}'])
            fake_pred = discriminators[d](outputs[f'fake_{d}'])
            losses[f'loss_gan_g_{d}'] = self.gan_loss(
                fake_pred, True, is_disc=False
            )
        weight = self.loss_config['cycle_loss_weight']
        losses['cycle_loss'] = 0.0
        for d in domains:
            losses['cycle_loss'] += weight * self.l1_loss(
                outputs[f'cycle_{d}'], outputs[f'real_{d}']
            )
        weight = self.loss_config['id_loss_weight']
        if weight != 0.0:
            losses['id_loss'] = 0.0
            for d in domains:
                losses['id_loss'] += weight * self.l1_loss(
                    outputs[f'identity_{d}'], outputs[f'real_{d}']
                )
        return self.parse_losses(losses)

    def train_step(
        self, data: dict, optim_wrapper: OptimWrapperDict
    ) -> Dict[str, Tensor]:
        """Translate both ways and back, update the discriminators, then
        (every ``discriminator_steps`` full updates, after
        ``disc_init_steps``) the generators.

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
        disc_wrapper = optim_wrapper['discriminators']
        outputs = dict()
        with disc_wrapper.optim_context(self.discriminators):
            for target in self._reachable_domains:
                source = self.get_other_domains(target)[0]
                img = self.get_domain_input(inputs, source)
                results = self(img, test_mode=False, target_domain=target)
                outputs[f'real_{source}'] = results['source']
                outputs[f'fake_{target}'] = results['target']
                results = self(
                    results['target'], test_mode=False, target_domain=source
                )
                outputs[f'cycle_{source}'] = results['target']
            disc_accu = disc_wrapper._accumulative_counts
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
            set_requires_grad(self.discriminators, True)
        return log_vars
