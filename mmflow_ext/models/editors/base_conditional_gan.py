# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``BaseConditionalGAN``: a :class:`BaseGAN` whose images are drawn for
class labels, from the data samples' ``gt_label`` or sampled."""

from typing import Dict, List, Optional, Tuple

import torch
from mmengine.optim import OptimWrapper
from torch import Tensor

from mmflow_ext.registry import MODELS
from mmflow_ext.structures import DataSample

from .base_gan import BaseGAN, ForwardInputs, ModelType
from .gan_sampling import GANInputError, get_valid_num_classes, label_sample_fn

__all__ = ['BaseConditionalGAN']


@MODELS.register_module()
class BaseConditionalGAN(BaseGAN):
    """Base class of class-conditional GANs (MMagic's
    ``BaseConditionalGAN``).

    The generator is called as ``generator(noise, label=labels, ...)`` and
    the discriminator as ``discriminator(img, label=labels)``. Each output
    sample also holds its ``gt_label``.

    Args:
        generator (dict | nn.Module): Generator config or module.
        discriminator (dict | nn.Module, optional): Discriminator.
        data_preprocessor (dict, optional): Preprocessor config.
        generator_steps (int): See :class:`BaseGAN`. Defaults to 1.
        discriminator_steps (int): See :class:`BaseGAN`. Defaults to 1.
        noise_size (int, optional): Size of one noise vector.
        num_classes (int, optional): Number of classes (else the networks').
        ema_config (dict, optional): See :class:`BaseGAN`.
        loss_config (dict, optional): See :class:`BaseGAN`.
    """

    def __init__(
        self,
        generator: ModelType,
        discriminator: Optional[ModelType] = None,
        data_preprocessor: Optional[dict] = None,
        generator_steps: int = 1,
        discriminator_steps: int = 1,
        noise_size: Optional[int] = None,
        num_classes: Optional[int] = None,
        ema_config: Optional[Dict] = None,
        loss_config: Optional[Dict] = None,
    ) -> None:
        self.num_classes = get_valid_num_classes(
            num_classes, generator, discriminator
        )
        super().__init__(
            generator,
            discriminator,
            data_preprocessor,
            generator_steps,
            discriminator_steps,
            noise_size,
            ema_config,
            loss_config,
        )

    def label_fn(self, label=None, num_batches: int = 1) -> Tensor:
        """Labels for ``num_batches`` images (see
        :func:`~.gan_sampling.label_sample_fn`), on the model's device."""
        return label_sample_fn(
            label=label,
            num_batches=num_batches,
            num_classes=self.num_classes,
            device=self.device,
        )

    def data_sample_to_label(self, data_sample) -> Optional[Tensor]:
        """The ``gt_label`` labels of (stacked) data samples, as one 1-D
        tensor; None when they hold none."""
        if not data_sample:
            return None
        if isinstance(data_sample, list):
            if 'gt_label' not in data_sample[0].keys():
                return None
            return torch.cat(
                [s.gt_label.label.reshape(-1) for s in data_sample]
            )
        if 'gt_label' not in data_sample.keys():
            return None
        return data_sample.gt_label.label.reshape(-1)

    def forward(
        self,
        inputs: ForwardInputs,
        data_samples: Optional[list] = None,
        mode: Optional[str] = None,
    ) -> List[DataSample]:
        """Sample images, for the samples' ``gt_label`` or drawn labels.

        See :meth:`BaseGAN.forward`; each output also holds ``gt_label``.

        Raises:
            GANInputError: As :meth:`BaseGAN.forward`, and when the labels
                of the samples are not one per generated image.
        """
        noise, sample_kwargs = self._parse_inputs(inputs, data_samples)
        labels = self.data_sample_to_label(data_samples)
        if labels is None:
            labels = self.label_fn(num_batches=noise.shape[0])
        labels = self.label_fn(labels.long())
        if labels.shape[0] != noise.shape[0]:
            raise GANInputError(
                f'{labels.shape[0]} gt_label values for {noise.shape[0]} '
                'noise vectors'
            )
        return self._sample(
            inputs,
            data_samples,
            noise,
            sample_kwargs,
            dict(label=labels),
            labels,
        )

    def generate_fakes(
        self, num_batches: int, requires_grad: bool = True
    ) -> Tuple[Tensor, Tensor]:
        """Fake images of random classes for training (noise drawn before
        labels, as MMagic does).

        Returns:
            tuple[Tensor, Tensor]: The images and their labels.
        """
        noise = self.noise_fn(num_batches=num_batches)
        labels = self.label_fn(num_batches=num_batches)
        with torch.set_grad_enabled(requires_grad and torch.is_grad_enabled()):
            imgs = self.generator(
                noise=noise, label=labels, return_noise=False
            )
        return imgs, labels

    def train_generator(
        self, inputs: dict, data_samples, optimizer_wrapper: OptimWrapper
    ) -> Dict[str, Tensor]:
        """One generator update for random labels."""
        num_batches = inputs['img'].shape[0]
        fake_imgs, fake_labels = self.generate_fakes(num_batches)
        out_dict = dict(
            gen=self.generator,
            disc=self.discriminator,
            fake_imgs=fake_imgs,
            disc_pred_fake_g=self.discriminator(fake_imgs, label=fake_labels),
            batch_size=num_batches,
            fake_label=fake_labels,
            loss_scaler=getattr(optimizer_wrapper, 'loss_scaler', None),
        )
        loss, log_vars = self._get_gen_loss(out_dict)
        optimizer_wrapper.update_params(loss)
        return log_vars

    def _real_labels(self, data_samples) -> Tensor:
        labels = self.data_sample_to_label(data_samples)
        if labels is None:
            raise KeyError(
                f'{type(self).__name__} trains on labelled '
                'images: the data samples hold no gt_label'
            )
        return self.label_fn(labels.long())

    def train_discriminator(
        self, inputs: dict, data_samples, optimizer_wrapper: OptimWrapper
    ) -> Dict[str, Tensor]:
        """One discriminator update on labelled real ``inputs['img']`` and
        fakes of random labels."""
        real_imgs = inputs['img']
        real_labels = self._real_labels(data_samples)
        num_batches = real_imgs.shape[0]
        fake_imgs, fake_labels = self.generate_fakes(num_batches, False)
        out_dict = dict(
            gen=self.generator,
            disc=self.discriminator,
            disc_pred_fake=self.discriminator(fake_imgs, label=fake_labels),
            disc_pred_real=self.discriminator(real_imgs, label=real_labels),
            fake_imgs=fake_imgs,
            real_imgs=real_imgs,
            batch_size=num_batches,
            gt_label=real_labels,
            fake_label=fake_labels,
            loss_scaler=getattr(optimizer_wrapper, 'loss_scaler', None),
        )
        loss, log_vars = self._get_disc_loss(out_dict)
        optimizer_wrapper.update_params(loss)
        return log_vars
