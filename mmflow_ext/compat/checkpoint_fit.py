# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Whether a checkpoint's tensors fit a model.

MMEngine loads checkpoints with ``strict=False``: keys the model lacks,
keys the checkpoint lacks and tensors of another shape only give a
warning, and the model keeps randomly initialised weights there. For
evaluation and inference that silently gives wrong results, so our tools
and ``init_model`` check first and load a partial fit only when asked to.
"""

import re
from typing import Any, Dict, List, Sequence, Tuple

import torch

__all__ = ['checkpoint_state_dict', 'checkpoint_misfit', 'check_fits']

#: MMEngine's default key revision: drop the prefix of DDP-wrapped models
DEFAULT_REVISE_KEYS = ((r'^module\.', ''),)


def checkpoint_state_dict(
    checkpoint: Any,
    revise_keys: Sequence[Tuple[str, str]] = DEFAULT_REVISE_KEYS,
) -> Dict[str, Any]:
    """The state dict a checkpoint loads into a model, keys revised the way
    MMEngine revises them.

    Args:
        checkpoint (Any): A loaded checkpoint: a dict with ``state_dict``,
            or a state dict.
        revise_keys (Sequence[tuple]): ``(pattern, replacement)`` regular
            expressions applied to every key, in order.

    Returns:
        dict: Key to tensor.

    Examples:
        >>> sorted(checkpoint_state_dict(
        ...     {'state_dict': {'module.w': 1, 'b': 2}}))
        ['b', 'w']
    """
    state_dict = checkpoint
    if isinstance(checkpoint, dict) and 'state_dict' in checkpoint:
        state_dict = checkpoint['state_dict']
    revised = {}
    for key, value in state_dict.items():
        for pattern, replacement in revise_keys:
            key = re.sub(pattern, replacement, key)
        revised[key] = value
    return revised


def checkpoint_misfit(
    model: torch.nn.Module, state_dict: Dict[str, Any]
) -> Tuple[List[str], List[str], List[str]]:
    """What of ``state_dict`` does not fit ``model``.

    Args:
        model (torch.nn.Module): The model.
        state_dict (dict): From :func:`checkpoint_state_dict`.

    Returns:
        tuple[list[str]]: Keys of the model missing in the state dict,
        keys of the state dict the model does not have, and
        ``'key: checkpoint (shape) vs model (shape)'`` for each tensor of
        another shape. BatchNorm's ``num_batches_tracked`` may be missing
        (old checkpoints lack it; the layer fills it in).

    Examples:
        >>> import torch
        >>> model = torch.nn.Linear(2, 3)
        >>> checkpoint_misfit(model, {'weight': torch.zeros(3, 1),
        ...                           'extra': torch.zeros(1)})
        (['bias'], ['extra'], ['weight: checkpoint (3, 1) vs model (3, 2)'])
    """
    expected = model.state_dict()
    missing = [
        key
        for key in expected
        if key not in state_dict and not key.endswith('num_batches_tracked')
    ]
    unexpected = [key for key in state_dict if key not in expected]
    mismatched = []
    for key, value in state_dict.items():
        if (
            key in expected
            and hasattr(value, 'shape')
            and tuple(value.shape) != tuple(expected[key].shape)
        ):
            mismatched.append(
                f'{key}: checkpoint {tuple(value.shape)} vs '
                f'model {tuple(expected[key].shape)}'
            )
    return missing, unexpected, mismatched


def check_fits(
    model: torch.nn.Module,
    checkpoint: Any,
    filename: str,
    revise_keys: Sequence[Tuple[str, str]] = DEFAULT_REVISE_KEYS,
    shown: int = 10,
) -> None:
    """Raise unless every tensor of ``checkpoint`` fits ``model`` and the
    model gets all of its tensors.

    Args:
        model (torch.nn.Module): The (unwrapped) model.
        checkpoint (Any): The loaded checkpoint.
        filename (str): Its file, for the message.
        revise_keys (Sequence[tuple]): Key revisions, as MMEngine's.
        shown (int): How many keys of each kind the message lists.

    Raises:
        ValueError: Naming the file, the model type and the missing,
            unexpected and mismatched keys, and how to load it partially.
    """
    missing, unexpected, mismatched = checkpoint_misfit(
        model, checkpoint_state_dict(checkpoint, revise_keys)
    )
    if not (missing or unexpected or mismatched):
        return
    parts = []
    for what, keys in (
        ('missing in the checkpoint', missing),
        ('not in the model', unexpected),
        ('of another shape', mismatched),
    ):
        if keys:
            more = f', ... ({len(keys)} in all)' if len(keys) > shown else ''
            parts.append(f'{what}: {", ".join(keys[:shown])}{more}')
    raise ValueError(
        f'checkpoint "{filename}" does not fit the model '
        f'{type(model).__name__}; keys {"; ".join(parts)}. Pass '
        '--allow-partial-load (tools) or allow_partial_load=True '
        '(init_model) to load only the tensors that fit.'
    )
