# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Helpers of the translation models: the CycleGAN image history buffer and
a context that runs a module in training mode."""

from contextlib import contextmanager
from typing import Iterator, List

import numpy as np
import torch
import torch.nn as nn
from torch import Tensor

__all__ = ['GANImageBuffer', 'train_mode']


@contextmanager
def train_mode(module: nn.Module) -> Iterator[nn.Module]:
    """Run the body with ``module`` in training mode, then restore the
    training flag of every submodule.

    Examples:
        >>> net = nn.Dropout().eval()
        >>> with train_mode(net):
        ...     net.training
        True
        >>> net.training
        False
    """
    flags = [(m, m.training) for m in module.modules()]
    module.train()
    try:
        yield module
    finally:
        for m, flag in flags:
            m.training = flag


class GANImageBuffer:
    """A history of generated images (Shrivastava et al.): until the buffer
    holds ``buffer_size`` images, each queried image is stored and returned;
    afterwards, with probability ``buffer_ratio`` (NumPy's global
    generator, as MMagic), a random stored image is returned and replaced
    by the queried one.

    Args:
        buffer_size (int): Stored images; 0 disables the buffer.
        buffer_ratio (float): Chance to return a stored image. Defaults to
            0.5.

    Raises:
        ValueError: For a negative ``buffer_size`` or a ratio outside
            ``[0, 1]``.
    """

    def __init__(self, buffer_size: int, buffer_ratio: float = 0.5) -> None:
        if buffer_size < 0:
            raise ValueError(f'buffer_size must be >= 0, got {buffer_size}')
        if not 0 <= buffer_ratio <= 1:
            raise ValueError(
                f'buffer_ratio must be in [0, 1], got {buffer_ratio}'
            )
        self.buffer_size = buffer_size
        self.buffer_ratio = buffer_ratio
        self.img_num = 0
        self.image_buffer: List[Tensor] = []

    def query(self, images: Tensor) -> Tensor:
        """A batch like ``images`` mixing them with stored ones (detached).

        Args:
            images (Tensor): ``(N, C, H, W)`` generated images.

        Returns:
            Tensor: ``(N, C, H, W)`` images.
        """
        if self.buffer_size == 0:
            return images
        returned = []
        for image in images:
            image = image.data[None]
            if self.img_num < self.buffer_size:
                self.img_num += 1
                self.image_buffer.append(image)
                returned.append(image)
            elif np.random.random() < self.buffer_ratio:
                idx = np.random.randint(0, self.buffer_size)
                returned.append(self.image_buffer[idx].clone())
                self.image_buffer[idx] = image
            else:
                returned.append(image)
        return torch.cat(returned, 0)
