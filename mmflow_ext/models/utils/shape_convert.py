# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Conversions between ``N×C×H×W`` maps and ``N×L×C`` token sequences."""

from typing import Sequence

import torch

__all__ = ['nchw_to_nlc', 'nlc_to_nchw']


def nlc_to_nchw(x: torch.Tensor, hw_shape: Sequence[int]) -> torch.Tensor:
    """Tokens ``N×(H·W)×C`` to a map ``N×C×H×W``.

    Args:
        x (Tensor): Tokens, row-major over the map.
        hw_shape (Sequence[int]): ``(H, W)``.

    Returns:
        Tensor: The map.

    Examples:
        >>> x = torch.arange(6.).view(1, 3, 2)
        >>> nlc_to_nchw(x, (1, 3))[0, 1]
        tensor([[1., 3., 5.]])
    """
    height, width = hw_shape
    if x.dim() != 3 or x.shape[1] != height * width:
        raise ValueError(
            f'tokens of shape {tuple(x.shape)} do not fill a {height}×'
            f'{width} map'
        )
    return x.transpose(1, 2).reshape(x.shape[0], x.shape[2], height, width)


def nchw_to_nlc(x: torch.Tensor) -> torch.Tensor:
    """A map ``N×C×H×W`` to tokens ``N×(H·W)×C`` (inverse of
    :func:`nlc_to_nchw`)."""
    if x.dim() != 4:
        raise ValueError(f'expected an N×C×H×W map, got {tuple(x.shape)}')
    return x.flatten(2).transpose(1, 2).contiguous()
