# Copyright (c) mmflow_ext contributors. All rights reserved.
"""A compact class-conditional GAN: ``SAGAN`` / ``SNGAN`` (MMagic's hinge
training over ``data_samples.gt_img``), a small conditional-BN generator
and a spectral-norm projection discriminator."""

from typing import Dict, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.optim import OptimWrapper
from torch import Tensor
from torch.nn.utils import spectral_norm

from mmflow_ext.registry import MODELS

from .base_conditional_gan import BaseConditionalGAN

__all__ = ['SAGAN', 'CompactCondGenerator', 'CompactProjDiscriminator']


@MODELS.register_module('SNGAN')
@MODELS.register_module()
class SAGAN(BaseConditionalGAN):
    """SAGAN / SNGAN / projection GAN training (MMagic's ``SAGAN``): hinge
    losses, real images from ``data_samples.gt_img``.

    Args: as :class:`BaseConditionalGAN` (``noise_size`` defaults to 128,
    there is no ``loss_config``).
    """

    def __init__(
        self,
        generator,
        discriminator=None,
        data_preprocessor: Optional[dict] = None,
        generator_steps: int = 1,
        discriminator_steps: int = 1,
        noise_size: Optional[int] = 128,
        num_classes: Optional[int] = None,
        ema_config: Optional[Dict] = None,
    ) -> None:
        super().__init__(
            generator,
            discriminator,
            data_preprocessor,
            generator_steps,
            discriminator_steps,
            noise_size,
            num_classes,
            ema_config,
        )

    def disc_loss(
        self, disc_pred_fake: Tensor, disc_pred_real: Tensor
    ) -> Tuple[Tensor, dict]:
        """Hinge loss of the discriminator."""
        return self.parse_losses(
            dict(
                loss_disc_fake=F.relu(1 + disc_pred_fake).mean(),
                loss_disc_real=F.relu(1 - disc_pred_real).mean(),
            )
        )

    def gen_loss(self, disc_pred_fake: Tensor) -> Tuple[Tensor, dict]:
        """Hinge loss of the generator."""
        return self.parse_losses(dict(loss_gen=-disc_pred_fake.mean()))

    def train_discriminator(
        self, inputs: dict, data_samples, optimizer_wrapper: OptimWrapper
    ) -> Dict[str, Tensor]:
        """One discriminator update on ``gt_img`` and fakes."""
        real_imgs = data_samples.gt_img
        real_labels = self._real_labels(data_samples)
        fake_imgs, fake_labels = self.generate_fakes(real_imgs.shape[0], False)
        loss, log_vars = self.disc_loss(
            self.discriminator(fake_imgs, label=fake_labels),
            self.discriminator(real_imgs, label=real_labels),
        )
        optimizer_wrapper.update_params(loss)
        return log_vars

    def train_generator(
        self, inputs: dict, data_samples, optimizer_wrapper: OptimWrapper
    ) -> Dict[str, Tensor]:
        """One generator update for random labels."""
        fake_imgs, fake_labels = self.generate_fakes(len(data_samples))
        loss, log_vars = self.gen_loss(
            self.discriminator(fake_imgs, label=fake_labels)
        )
        optimizer_wrapper.update_params(loss)
        return log_vars


class _CondBatchNorm(nn.Module):
    """Batch norm whose scale and shift are looked up per class."""

    def __init__(self, channels: int, num_classes: int) -> None:
        super().__init__()
        self.norm = nn.BatchNorm2d(channels, affine=False)
        self.gain = nn.Embedding(num_classes, channels)
        self.bias = nn.Embedding(num_classes, channels)
        nn.init.ones_(self.gain.weight)
        nn.init.zeros_(self.bias.weight)

    def forward(self, x: Tensor, label: Tensor) -> Tensor:
        gain = self.gain(label)[:, :, None, None]
        bias = self.bias(label)[:, :, None, None]
        return self.norm(x) * gain + bias


class _UpBlock(nn.Module):
    def __init__(
        self, in_channels: int, out_channels: int, num_classes: int
    ) -> None:
        super().__init__()
        self.norm = _CondBatchNorm(in_channels, num_classes)
        self.conv = nn.Conv2d(in_channels, out_channels, 3, padding=1)

    def forward(self, x: Tensor, label: Tensor) -> Tensor:
        x = F.relu(self.norm(x, label))
        return self.conv(F.interpolate(x, scale_factor=2))


@MODELS.register_module()
class CompactCondGenerator(nn.Module):
    """A small class-conditional generator: a linear map to ``4×4``, then
    upsampling blocks with class-conditional batch norm, to ``tanh``
    images.

    Args:
        output_scale (int): Output side, ``4 * 2**k``. Defaults to 32.
        num_classes (int): Number of classes.
        noise_size (int): Noise length. Defaults to 64.
        base_channels (int): Channels of the ``4×4`` map (halved per
            block, at least 16). Defaults to 64.
        out_channels (int): Image channels. Defaults to 3.

    Examples:
        >>> gen = CompactCondGenerator(16, num_classes=3, noise_size=8)
        >>> gen(torch.randn(2, 8), label=torch.tensor([0, 2])).shape
        torch.Size([2, 3, 16, 16])
    """

    def __init__(
        self,
        output_scale: int = 32,
        num_classes: int = 1,
        noise_size: int = 64,
        base_channels: int = 64,
        out_channels: int = 3,
    ) -> None:
        super().__init__()
        num_blocks = (output_scale // 4).bit_length() - 1
        if output_scale < 8 or 4 * 2**num_blocks != output_scale:
            raise ValueError(
                f'output_scale must be 4 * 2**k (>= 8), got {output_scale}'
            )
        self.noise_size = noise_size
        self.num_classes = num_classes
        self.base_channels = base_channels
        self.fc = nn.Linear(noise_size, 16 * base_channels)
        channels = [
            max(base_channels // 2**i, 16) for i in range(num_blocks + 1)
        ]
        self.blocks = nn.ModuleList(
            _UpBlock(c_in, c_out, num_classes)
            for c_in, c_out in zip(channels[:-1], channels[1:])
        )
        self.out_norm = nn.BatchNorm2d(channels[-1])
        self.to_rgb = nn.Conv2d(channels[-1], out_channels, 3, padding=1)

    def forward(
        self,
        noise: Tensor,
        label: Optional[Tensor] = None,
        return_noise: bool = False,
    ):
        """Images for ``noise`` and ``label`` (random labels when None).

        Returns:
            Tensor | dict: ``(N, C, H, W)`` in ``[-1, 1]``; with
            ``return_noise`` a dict of ``fake_img``, ``noise_batch`` and
            ``label``.
        """
        if label is None:
            label = torch.randint(
                0, self.num_classes, (noise.shape[0],), device=noise.device
            )
        x = self.fc(noise).view(noise.shape[0], self.base_channels, 4, 4)
        for block in self.blocks:
            x = block(x, label)
        img = torch.tanh(self.to_rgb(F.relu(self.out_norm(x))))
        if return_noise:
            return dict(fake_img=img, noise_batch=noise, label=label)
        return img


@MODELS.register_module()
class CompactProjDiscriminator(nn.Module):
    """A small spectral-norm discriminator with a class projection
    (Miyato & Koyama, 2018): ``linear(h) + <embed(y), h>``.

    Args:
        input_scale (int): Input side. Defaults to 32.
        num_classes (int): Number of classes.
        base_channels (int): Channels after the first conv (doubled per
            downsampling). Defaults to 32.
        in_channels (int): Image channels. Defaults to 3.

    Examples:
        >>> disc = CompactProjDiscriminator(16, num_classes=3)
        >>> disc(torch.randn(2, 3, 16, 16), label=torch.tensor([0, 1])).shape
        torch.Size([2, 1])
    """

    def __init__(
        self,
        input_scale: int = 32,
        num_classes: int = 1,
        base_channels: int = 32,
        in_channels: int = 3,
    ) -> None:
        super().__init__()
        self.input_scale = input_scale
        self.num_classes = num_classes
        layers, channels = [], in_channels
        out = base_channels
        for _ in range(max((input_scale // 4).bit_length() - 1, 1)):
            layers += [
                spectral_norm(nn.Conv2d(channels, out, 3, padding=1)),
                nn.LeakyReLU(0.1),
                spectral_norm(nn.Conv2d(out, out, 4, stride=2, padding=1)),
                nn.LeakyReLU(0.1),
            ]
            channels, out = out, out * 2
        self.features = nn.Sequential(*layers)
        self.linear = spectral_norm(nn.Linear(channels, 1))
        self.embed = spectral_norm(nn.Embedding(num_classes, channels))

    def forward(self, x: Tensor, label: Optional[Tensor] = None) -> Tensor:
        """``(N, 1)`` scores of images ``x`` for classes ``label``."""
        h = self.features(x).sum(dim=(2, 3))
        score = self.linear(h)
        if label is not None:
            score = score + (self.embed(label) * h).sum(1, keepdim=True)
        return score
