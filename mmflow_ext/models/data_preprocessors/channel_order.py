# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Channel order of editing images, read from the metainfo the loaders
write (MMagic's ``{key}_channel_order`` / ``{key}_color_type`` rules)."""

from typing import Any, List, Optional, Sequence

from torch import Tensor

__all__ = ['channel_dim', 'parse_channel_order', 'batch_channel_order']


def channel_dim(tensor: Tensor) -> int:
    """Channel axis of a ``(H*W, C)``, ``(C, H, W)``, ``(N, C, H, W)`` or
    ``(N, T, C, H, W)`` tensor.

    Examples:
        >>> import torch
        >>> channel_dim(torch.zeros(2, 5, 3, 4, 4))
        2
    """
    if tensor.ndim == 2:
        return 1
    if tensor.ndim in (3, 4, 5):
        return tensor.ndim - 3
    raise ValueError(
        'Expected a (H*W, C), (C, H, W), (N, C, H, W) or '
        f'(N, T, C, H, W) tensor, got shape {tuple(tensor.shape)}'
    )


def _common(values: Any, what: str) -> Any:
    """The one value all entries share (stacked metainfo is a list)."""
    if not isinstance(values, list):
        return values
    if any(v != values[0] for v in values):
        raise ValueError(f'{what} differs between samples: {values}')
    return values[0] if values else None


def parse_channel_order(
    key: str, tensor: Tensor, data_sample: Optional[Any] = None
) -> str:
    """Channel order (``'BGR'``, ``'RGB'`` or ``'single'``, or the order
    the metainfo names, as it spells it) of the ``key`` images.

    ``gt_img`` reads ``gt_color_type`` / ``gt_channel_order``, any other
    key ``{key}_color_type`` / ``{key}_channel_order``. Grayscale images
    are ``'single'``; without metainfo (or ``'unchanged'`` colour) one
    channel is ``'single'`` and more are ``'BGR'``.

    Args:
        key (str): The images' key.
        tensor (Tensor): The images.
        data_sample (DataSample, optional): Its sample (or stacked ones).

    Returns:
        str: The channel order.
    """
    num_channels = tensor.shape[channel_dim(tensor)]
    guess = 'single' if num_channels == 1 else 'BGR'
    if data_sample is None:
        return guess
    prefix = 'gt' if key == 'gt_img' else key
    color_type = _common(
        data_sample.metainfo.get(f'{prefix}_color_type'),
        f'{prefix}_color_type',
    )
    order = _common(
        data_sample.metainfo.get(f'{prefix}_channel_order'),
        f'{prefix}_channel_order',
    )
    if color_type == 'grayscale':
        if num_channels != 1:
            raise ValueError(
                f'"{key}" is grayscale but has {num_channels} channels'
            )
        return 'single'
    if color_type == 'unchanged' or not order:
        return guess
    return order


def batch_channel_order(
    key: str, tensors: Sequence[Tensor], data_samples: Sequence[Any]
) -> str:
    """The one channel order of a batch's ``key`` images.

    Raises:
        ValueError: The samples disagree.
    """
    orders: List[str] = sorted(
        {
            parse_channel_order(key, tensor, sample)
            for tensor, sample in zip(tensors, data_samples)
        }
    )
    if len(orders) != 1:
        raise ValueError(
            f'Channel orders of "{key}" differ within the batch: {orders}'
        )
    return orders[0]
