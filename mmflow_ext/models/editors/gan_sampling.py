# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Noise, labels and batch sizes of GAN sampling, as MMagic reads them.

A bad input raises :class:`GANInputError`, a ``ValueError`` that is also an
``AssertionError`` (what MMagic raises), so code catching either works.
"""

import logging
from typing import Callable, Dict, List, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn as nn
from mmengine.logging import print_log
from torch import Tensor

__all__ = [
    'GANInputError',
    'noise_sample_fn',
    'label_sample_fn',
    'get_valid_noise_size',
    'get_valid_num_batches',
    'set_requires_grad',
]

NoiseVar = Union[Tensor, Callable, None]
LabelVar = Union[Tensor, Callable, List[int], None]


class GANInputError(ValueError, AssertionError):
    """A noise, label, batch size or sampling model that does not fit."""


def noise_sample_fn(
    noise: NoiseVar = None,
    *,
    num_batches: int = 1,
    noise_size: Union[int, Sequence[int], None] = None,
    device: Optional[Union[str, torch.device]] = None,
) -> Tensor:
    """A batch of noise: ``noise`` itself when it is a tensor (a 1-D one
    gains a batch axis), ``noise((num_batches, *noise_size))`` when it is
    callable, standard normal otherwise.

    Args:
        noise (Tensor | callable | None): Given noise or a sampler.
        num_batches (int): Batch size of sampled noise. Defaults to 1.
        noise_size (int | Sequence[int], optional): Shape of one noise.
        device (str | torch.device, optional): Target device.

    Returns:
        Tensor: ``(N, *noise_size)`` noise.

    Raises:
        GANInputError: When the noise shape disagrees with ``noise_size``,
            or noise must be sampled without ``noise_size`` or with
            ``num_batches < 1``.

    Examples:
        >>> noise_sample_fn(num_batches=2, noise_size=3).shape
        torch.Size([2, 3])
        >>> noise_sample_fn(torch.zeros(4), noise_size=4).shape
        torch.Size([1, 4])
    """
    size = [noise_size] if isinstance(noise_size, int) else noise_size
    if isinstance(noise, Tensor):
        batch = noise[None] if noise.ndim == 1 else noise
    else:
        if num_batches <= 0:
            raise GANInputError(
                f'num_batches must be > 0 to sample noise, got {num_batches}'
            )
        if size is None:
            raise GANInputError(
                'noise_size must be set to sample noise (neither the model '
                'nor its generator gives one)'
            )
        shape = (num_batches, *size)
        batch = noise(shape) if callable(noise) else torch.randn(shape)
    if size is not None and list(batch.shape[1:]) != list(size):
        expected = ', '.join(map(str, size))
        raise GANInputError(
            f'noise of shape {tuple(batch.shape)} does not fit noise_size '
            f'{list(size)}: expected (num_batches, {expected})'
        )
    return batch if device is None else batch.to(device)


def label_sample_fn(
    label: LabelVar = None,
    *,
    num_batches: int = 1,
    num_classes: Optional[int] = None,
    device: Optional[Union[str, torch.device]] = None,
) -> Optional[Tensor]:
    """A batch of class labels: ``label`` itself (a tensor, an array, a list
    of ints or of tensors), ``label(num_batches)`` when callable, uniform in
    ``[0, num_classes)`` otherwise; None for an unconditional model.

    Args:
        label (Tensor | np.ndarray | list | callable | None): Given labels or
            a sampler.
        num_batches (int): Batch size of sampled labels. Defaults to 1.
        num_classes (int, optional): Number of classes.
        device (str | torch.device, optional): Target device.

    Returns:
        Tensor | None: ``(N, )`` int64 labels.

    Raises:
        GANInputError: For labels that are not 1-D int64 or lie outside
            ``[0, num_classes)``.

    Examples:
        >>> label_sample_fn([1, 2], num_classes=3)
        tensor([1, 2])
    """
    if (num_classes is None or num_classes <= 0) and label is None:
        return None
    if isinstance(label, Tensor):
        batch = label
    elif isinstance(label, np.ndarray):
        batch = torch.from_numpy(label).long()
    elif isinstance(label, list):
        batch = torch.stack(
            [
                torch.as_tensor(lab).long().squeeze()
                if not isinstance(lab, Tensor)
                else lab.squeeze()
                for lab in label
            ]
        )
    else:
        if num_batches <= 0:
            raise GANInputError(
                f'num_batches must be > 0 to sample labels, got {num_batches}'
            )
        batch = (
            label(num_batches)
            if callable(label)
            else torch.randint(0, num_classes, (num_batches,))
        )
    if batch.dtype != torch.int64 or batch.ndim != 1:
        raise GANInputError(
            f'labels must be a 1-D int64 tensor (num_batches, ), got shape '
            f'{tuple(batch.shape)} and dtype {batch.dtype}'
        )
    if num_classes is not None:
        bad = (batch < 0) | (batch >= num_classes)
        if bad.any():
            raise GANInputError(
                f'labels {batch[bad].tolist()} are outside [0, num_classes='
                f'{num_classes})'
            )
    return batch if device is None else batch.to(device)


def _model_attr(model: Union[dict, nn.Module, None], name: str):
    if model is None:
        return None
    if isinstance(model, dict):
        return model.get(name)
    return getattr(model, name, None)


def get_valid_noise_size(
    noise_size: Optional[int], generator: Union[dict, nn.Module]
) -> Optional[int]:
    """``noise_size`` or the generator's, checked to agree.

    Args:
        noise_size (int, optional): The model argument.
        generator (dict | nn.Module): Generator config or module.

    Returns:
        int | None: The noise size.

    Raises:
        GANInputError: When both are given and differ.
    """
    model_size = _model_attr(generator, 'noise_size')
    if noise_size is not None and model_size is not None:
        if noise_size != model_size:
            raise GANInputError(
                f'noise_size {noise_size} disagrees with the generator\'s '
                f'noise_size {model_size}'
            )
        return noise_size
    return noise_size or model_size


def get_valid_num_classes(
    num_classes: Optional[int],
    generator: Union[dict, nn.Module],
    discriminator: Union[dict, nn.Module, None],
) -> Optional[int]:
    """``num_classes`` of the model, the generator and the discriminator,
    checked to agree.

    Raises:
        GANInputError: When two of them are given and differ.
    """
    gen = _model_attr(generator, 'num_classes')
    disc = _model_attr(discriminator, 'num_classes')
    if gen is not None and disc is not None and gen != disc:
        raise GANInputError(
            f'num_classes disagrees between generator ({gen}) and '
            f'discriminator ({disc})'
        )
    model_classes = gen or disc
    if (
        num_classes is not None
        and model_classes is not None
        and num_classes != model_classes
    ):
        raise GANInputError(
            f'num_classes {num_classes} disagrees with the '
            f'networks\' num_classes {model_classes}'
        )
    return num_classes or model_classes


def get_valid_num_batches(
    batch_inputs: Union[Tensor, Dict, None] = None, data_samples=None
) -> int:
    """The batch size that ``inputs`` and ``data_samples`` agree on.

    A tensor input gives its first dimension. In a dict, ``num_batches``
    and the first dimension of every tensor must agree, and so must the
    number of data samples. With nothing to go by, 1 (with a warning).

    Args:
        batch_inputs (Tensor | dict, optional): Inputs of ``forward``.
        data_samples (DataSample | list, optional): Their data samples.

    Returns:
        int: The batch size.

    Raises:
        GANInputError: When the sources disagree (the message lists each).

    Examples:
        >>> get_valid_num_batches(dict(num_batches=3, noise=torch.zeros(3, 2)))
        3
    """
    found = {}
    if isinstance(batch_inputs, Tensor):
        return batch_inputs.shape[0]
    if batch_inputs is not None:
        found = {
            k: v.shape[0]
            for k, v in batch_inputs.items()
            if isinstance(v, Tensor)
        }
        if 'num_batches' in batch_inputs:
            found['num_batches'] = batch_inputs['num_batches']
    if len(set(found.values())) > 1:
        raise GANInputError(f'num_batches disagrees among the inputs: {found}')
    from_inputs = next(iter(found.values())) if found else None
    from_samples = len(data_samples) if data_samples is not None else None
    if not (from_inputs or from_samples):
        print_log(
            'num_batches is given neither by the inputs nor by the data '
            'samples; generating 1 sample',
            'current',
            logging.WARNING,
        )
        return 1
    if from_inputs and from_samples and from_inputs != from_samples:
        raise GANInputError(
            f'num_batches {from_inputs} from the inputs ({found}) disagrees '
            f'with the {from_samples} data samples'
        )
    return from_inputs or from_samples


def set_requires_grad(
    nets: Union[nn.Module, List[nn.Module]], requires_grad: bool = False
) -> None:
    """Switch ``requires_grad`` of every parameter of ``nets``.

    Args:
        nets (nn.Module | list[nn.Module]): Networks (None entries skipped).
        requires_grad (bool): The value. Defaults to False.
    """
    for net in nets if isinstance(nets, list) else [nets]:
        if net is not None:
            for param in net.parameters():
                param.requires_grad = requires_grad
