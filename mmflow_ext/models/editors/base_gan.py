# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``BaseGAN``: noise in, ``DataSample``s holding ``fake_img`` out, and the
alternating discriminator / generator training of MMagic 1.x."""

from copy import deepcopy
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
from mmengine import MessageHub
from mmengine.model import BaseModel, is_model_wrapper
from mmengine.optim import OptimWrapper, OptimWrapperDict
from torch import Tensor

from mmflow_ext.registry import MODELS
from mmflow_ext.structures import DataSample

from .gan_sampling import (
    GANInputError,
    get_valid_noise_size,
    get_valid_num_batches,
    noise_sample_fn,
    set_requires_grad,
)

__all__ = ['BaseGAN']

ModelType = Union[Dict, nn.Module]
ForwardInputs = Union[Tensor, Dict, None]
SAMPLE_MODELS = ('ema', 'ema/orig', 'orig')


def _unwrap(module: nn.Module) -> nn.Module:
    return module.module if is_model_wrapper(module) else module


@MODELS.register_module()
class BaseGAN(BaseModel):
    """Base class of GANs (MMagic's ``BaseGAN``).

    ``forward`` takes a noise tensor, or a dict with optional ``noise``
    (tensor or sampler), ``num_batches``, ``sample_model`` (``'ema'``,
    ``'orig'`` or ``'ema/orig'``; default ``'ema'`` with an EMA generator)
    and ``sample_kwargs``; it returns one :class:`DataSample` per image with
    ``fake_img`` in ``[0, 255]`` (under ``ema`` and ``orig`` for
    ``'ema/orig'``), ``noise``, ``sample_model`` and ``sample_kwargs``.

    Args:
        generator (dict | nn.Module): Generator config or module.
        discriminator (dict | nn.Module, optional): Discriminator.
        data_preprocessor (dict | nn.Module, optional): Preprocessor,
            built with our registry. Defaults to ``DataPreprocessor``.
        generator_steps (int): Generator updates per full discriminator
            update. Defaults to 1.
        discriminator_steps (int): Discriminator updates before each
            generator update. Defaults to 1.
        noise_size (int, optional): Size of one noise vector (else the
            generator's).
        ema_config (dict, optional): Config of the generator EMA (MMEngine
            ``ExponentialMovingAverage`` by default; ``start_iter`` delays
            it). Defaults to None (no EMA).
        loss_config (dict, optional): ``gan_loss`` (a loss config) and
            other loss settings. Defaults to None.
    """

    def __init__(
        self,
        generator: ModelType,
        discriminator: Optional[ModelType] = None,
        data_preprocessor: Optional[dict] = None,
        generator_steps: int = 1,
        discriminator_steps: int = 1,
        noise_size: Optional[int] = None,
        ema_config: Optional[Dict] = None,
        loss_config: Optional[Dict] = None,
    ) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='DataPreprocessor')
        if isinstance(data_preprocessor, dict):  # no default scope needed
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(data_preprocessor=data_preprocessor)
        noise_size = get_valid_noise_size(noise_size, generator)
        if isinstance(generator, dict):
            self._gen_cfg = deepcopy(generator)
            gen_args = dict()
            if noise_size:
                gen_args['noise_size'] = noise_size
            if getattr(self, 'num_classes', None) is not None:
                gen_args['num_classes'] = self.num_classes
            generator = MODELS.build(generator, default_args=gen_args)
        self.generator = generator
        self.noise_size = getattr(self.generator, 'noise_size', noise_size)

        if isinstance(discriminator, dict):
            self._disc_cfg = deepcopy(discriminator)
            disc_args = dict()
            if hasattr(self, 'num_classes'):
                disc_args['num_classes'] = self.num_classes
            discriminator = MODELS.build(discriminator, default_args=disc_args)
        self.discriminator = discriminator or None

        self._gen_steps = generator_steps
        self._disc_steps = discriminator_steps
        self._ema_config = deepcopy(ema_config)
        self._with_ema_gen = ema_config is not None
        if self._with_ema_gen:
            self._init_ema_model(self._ema_config)
        self._init_loss(loss_config)

    # ------------------------------------------------------------ setup
    def _init_ema_model(self, ema_config: dict) -> None:
        """Build ``generator_ema`` (an averaged copy of the generator)."""
        ema_config.setdefault('type', 'ExponentialMovingAverage')
        self.ema_start = ema_config.pop('start_iter', 0)
        self.generator_ema = MODELS.build(
            ema_config, default_args=dict(model=_unwrap(self.generator))
        )

    def _init_loss(self, loss_config: Optional[Dict]) -> None:
        """Build ``gan_loss`` and the auxiliary losses of ``loss_config``."""
        self.loss_config = deepcopy(loss_config) or dict()
        config = loss_config or dict()
        self.gan_loss = (
            MODELS.build(config['gan_loss'])
            if config.get('gan_loss') is not None
            else None
        )
        for name in ('disc_auxiliary_loss', 'gen_auxiliary_loss'):
            losses = config.get(name)
            if losses and not isinstance(losses, list):
                losses = [losses]
            setattr(
                self,
                f'{name}es',
                nn.ModuleList([MODELS.build(loss) for loss in losses])
                if losses
                else None,
            )

    # ------------------------------------------------------------ props
    @property
    def generator_steps(self) -> int:
        """int: Generator updates per full discriminator update."""
        return self._gen_steps

    @property
    def discriminator_steps(self) -> int:
        """int: Discriminator updates before each generator update."""
        return self._disc_steps

    @property
    def device(self) -> torch.device:
        """torch.device: Device of the parameters."""
        return next(self.parameters()).device

    @property
    def with_ema_gen(self) -> bool:
        """bool: Whether the generator has an EMA copy."""
        return self._with_ema_gen

    # ------------------------------------------------------------ sampling
    def noise_fn(self, noise=None, num_batches: int = 1) -> Tensor:
        """Noise for ``num_batches`` images (see
        :func:`~.gan_sampling.noise_sample_fn`), on the model's device."""
        return noise_sample_fn(
            noise=noise,
            num_batches=num_batches,
            noise_size=self.noise_size,
            device=self.device,
        )

    def _get_valid_model(self, batch_inputs: ForwardInputs) -> str:
        """The ``sample_model`` of the inputs, ``'ema'`` / ``'orig'`` by
        default.

        Raises:
            GANInputError: For an unknown value, or an EMA one without EMA.
        """
        sample_model = (
            batch_inputs.get('sample_model')
            if isinstance(batch_inputs, dict)
            else None
        )
        if sample_model is None:
            sample_model = 'ema' if self.with_ema_gen else 'orig'
        if sample_model not in SAMPLE_MODELS:
            raise GANInputError(
                f'sample_model must be one of {list(SAMPLE_MODELS)} in '
                f'{type(self).__name__}, got {sample_model!r}'
            )
        if sample_model != 'orig' and not self.with_ema_gen:
            raise GANInputError(
                f'sample_model {sample_model!r} needs an EMA generator, but '
                f'{type(self).__name__} has no ema_config'
            )
        return sample_model

    def _parse_inputs(self, inputs: ForwardInputs, data_samples):
        """``(noise, sample_kwargs)`` of ``forward``'s inputs."""
        if isinstance(inputs, Tensor):
            return self.noise_fn(inputs), {}
        inputs = inputs or {}
        num_batches = get_valid_num_batches(inputs, data_samples)
        noise = self.noise_fn(inputs.get('noise'), num_batches=num_batches)
        return noise, inputs.get('sample_kwargs') or dict()

    def _generate(
        self,
        generator: nn.Module,
        noise: Tensor,
        sample_kwargs: dict,
        extra: dict,
    ) -> dict:
        """Run one generator: ``{'fake_img': ..., latent / feats}``."""
        kwargs = dict(return_noise=False)
        kwargs.update(sample_kwargs)
        kwargs.update(extra)
        outputs = generator(noise, **kwargs)
        if isinstance(outputs, dict):
            return {
                k: outputs[k]
                for k in ('fake_img', 'latent', 'feats')
                if k in outputs
            }
        return dict(fake_img=outputs)

    @staticmethod
    def _per_image(data_samples, num: int) -> List[DataSample]:
        """One fresh sample per image, holding the data samples' fields."""
        if isinstance(data_samples, DataSample):
            data_samples = data_samples.split(allow_nonseq_value=True)
        if not data_samples:
            return [DataSample() for _ in range(num)]
        if len(data_samples) != num:
            raise GANInputError(
                f'{len(data_samples)} data samples for {num} generated images'
            )
        return [sample.clone() for sample in data_samples]

    def _sample(
        self,
        inputs: ForwardInputs,
        data_samples,
        noise: Tensor,
        sample_kwargs: dict,
        extra: dict,
        labels: Optional[Tensor] = None,
    ) -> List[DataSample]:
        """Generate with the chosen model(s) and pack one sample per
        image."""
        sample_model = self._get_valid_model(inputs)
        if sample_model == 'ema/orig':
            nested = {}
            for name, gen in (
                ('ema', self.generator_ema),
                ('orig', self.generator),
            ):
                out = self._generate(gen, noise, sample_kwargs, extra)
                nested[name] = self.data_preprocessor.destruct(
                    out['fake_img'], data_samples
                )
            fields = {}
        else:
            gen = (
                self.generator_ema if sample_model == 'ema' else self.generator
            )
            fields = self._generate(gen, noise, sample_kwargs, extra)
            fields['fake_img'] = self.data_preprocessor.destruct(
                fields['fake_img'], data_samples
            )
            nested = {}
        if isinstance(inputs, dict) and 'img' in inputs:
            fields['gt_img'] = inputs['img']
        fields['noise'] = noise
        samples = self._per_image(data_samples, noise.shape[0])
        for i, sample in enumerate(samples):
            for key, value in fields.items():
                sample.set_field(value[i], key)
            for key, value in nested.items():
                sample.set_field(DataSample(fake_img=value[i]), key)
            if labels is not None:
                sample.set_gt_label(int(labels[i]))
            sample.sample_kwargs = deepcopy(sample_kwargs)
            sample.sample_model = sample_model
        return samples

    def forward(
        self,
        inputs: ForwardInputs,
        data_samples: Optional[list] = None,
        mode: Optional[str] = None,
    ) -> List[DataSample]:
        """Sample images for ``inputs`` (``mode`` is unused, as in MMagic).

        Args:
            inputs (Tensor | dict): Noise, or a dict of ``noise``,
                ``num_batches``, ``sample_model``, ``sample_kwargs``.
            data_samples (DataSample | list, optional): Data samples.
            mode (str, optional): Unused.

        Returns:
            list[DataSample]: One sample per generated image.

        Raises:
            GANInputError: For a ``num_batches`` that disagrees with the
                inputs or samples, an unknown ``sample_model`` or noise of
                the wrong shape.
        """
        noise, sample_kwargs = self._parse_inputs(inputs, data_samples)
        return self._sample(inputs, data_samples, noise, sample_kwargs, {})

    def val_step(self, data: dict) -> List[DataSample]:
        """Preprocess ``data`` and sample."""
        return self(**self.data_preprocessor(data))

    def test_step(self, data: dict) -> List[DataSample]:
        """Same as :meth:`val_step`."""
        return self(**self.data_preprocessor(data))

    # ------------------------------------------------------------ training
    @staticmethod
    def gather_log_vars(
        log_vars_list: List[Dict[str, Tensor]],
    ) -> Dict[str, Tensor]:
        """Average the log variables of several generator steps."""
        if len(log_vars_list) == 1:
            return log_vars_list[0]
        keys = log_vars_list[0].keys()
        for log_vars in log_vars_list:
            missing = set(keys) - set(log_vars)
            if missing:
                raise KeyError(
                    f'log_vars {sorted(missing)} missing in some '
                    'generator steps'
                )
        return {
            k: torch.mean(
                torch.stack([torch.as_tensor(lv[k]) for lv in log_vars_list])
            )
            for k in keys
        }

    def train_step(
        self, data: dict, optim_wrapper: OptimWrapperDict
    ) -> Dict[str, Tensor]:
        """One discriminator update; after every ``discriminator_steps``
        full ones (counting gradient accumulation), ``generator_steps``
        generator updates and the EMA update.

        Args:
            data (dict): A batch from the dataloader.
            optim_wrapper (OptimWrapperDict): ``generator`` and
                ``discriminator`` wrappers.

        Returns:
            dict[str, Tensor]: Log variables.
        """
        curr_iter = MessageHub.get_current_instance().get_info('iter')
        data = self.data_preprocessor(data, True)
        disc_wrapper: OptimWrapper = optim_wrapper['discriminator']
        disc_accu = disc_wrapper._accumulative_counts
        with disc_wrapper.optim_context(self.discriminator):
            log_vars = self.train_discriminator(
                **data, optimizer_wrapper=disc_wrapper
            )
        if (curr_iter + 1) % (self.discriminator_steps * disc_accu) != 0:
            return log_vars

        set_requires_grad(self.discriminator, False)
        gen_wrapper: OptimWrapper = optim_wrapper['generator']
        gen_updates = self.generator_steps * gen_wrapper._accumulative_counts
        gen_wrapper.initialize_count_status(self.generator, 0, gen_updates)
        gen_logs = []
        for _ in range(gen_updates):
            with gen_wrapper.optim_context(self.generator):
                gen_logs.append(
                    self.train_generator(**data, optimizer_wrapper=gen_wrapper)
                )
        log_vars_gen = self.gather_log_vars(gen_logs)
        log_vars_gen.pop('loss', None)
        set_requires_grad(self.discriminator, True)

        if self.with_ema_gen:
            source = _unwrap(self.generator)
            if (curr_iter + 1) >= (
                self.ema_start * self.discriminator_steps * disc_accu
            ):
                self.generator_ema.update_parameters(source)
                if not self.generator_ema.update_buffers:
                    self.generator_ema.sync_buffers(source)
            else:
                self.generator_ema.sync_parameters(source)
        log_vars.update(log_vars_gen)
        return log_vars

    def _auxiliary_losses(self, losses_dict: dict, modules, out_dict: dict):
        for loss_module in modules or []:
            value = loss_module(out_dict)
            if value is None:
                continue
            name = loss_module.loss_name()
            losses_dict[name] = losses_dict.get(name, 0) + value

    def _get_gen_loss(self, out_dict: dict):
        """``gan_loss`` of the generator plus its auxiliary losses."""
        losses_dict = dict(
            loss_disc_fake_g=self.gan_loss(
                out_dict['disc_pred_fake_g'],
                target_is_real=True,
                is_disc=False,
            )
        )
        self._auxiliary_losses(
            losses_dict, self.gen_auxiliary_losses, out_dict
        )
        return self.parse_losses(losses_dict)

    def _get_disc_loss(self, out_dict: dict):
        """``gan_loss`` of the discriminator plus its auxiliary losses."""
        losses_dict = dict(
            loss_disc_fake=self.gan_loss(
                out_dict['disc_pred_fake'], target_is_real=False, is_disc=True
            ),
            loss_disc_real=self.gan_loss(
                out_dict['disc_pred_real'], target_is_real=True, is_disc=True
            ),
        )
        self._auxiliary_losses(
            losses_dict, self.disc_auxiliary_losses, out_dict
        )
        return self.parse_losses(losses_dict)

    def train_generator(
        self, inputs: dict, data_samples, optimizer_wrapper: OptimWrapper
    ) -> Dict[str, Tensor]:
        """One generator update against the discriminator."""
        num_batches = inputs['img'].shape[0]
        fake_imgs = self.generator(
            noise=self.noise_fn(num_batches=num_batches)
        )
        out_dict = dict(
            gen=self.generator,
            disc=self.discriminator,
            fake_imgs=fake_imgs,
            disc_pred_fake_g=self.discriminator(fake_imgs),
            batch_size=num_batches,
            loss_scaler=getattr(optimizer_wrapper, 'loss_scaler', None),
        )
        loss, log_vars = self._get_gen_loss(out_dict)
        optimizer_wrapper.update_params(loss)
        return log_vars

    def train_discriminator(
        self, inputs: dict, data_samples, optimizer_wrapper: OptimWrapper
    ) -> Dict[str, Tensor]:
        """One discriminator update on real ``inputs['img']`` and fakes."""
        real_imgs = inputs['img']
        num_batches = real_imgs.shape[0]
        fake_imgs = self.generator(
            noise=self.noise_fn(num_batches=num_batches)
        )
        out_dict = dict(
            gen=self.generator,
            disc=self.discriminator,
            disc_pred_fake=self.discriminator(fake_imgs),
            disc_pred_real=self.discriminator(real_imgs),
            fake_imgs=fake_imgs,
            real_imgs=real_imgs,
            batch_size=num_batches,
            loss_scaler=getattr(optimizer_wrapper, 'loss_scaler', None),
        )
        loss, log_vars = self._get_disc_loss(out_dict)
        optimizer_wrapper.update_params(loss)
        return log_vars
