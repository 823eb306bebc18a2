# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Checks of a config before a Runner is built from it."""

import importlib
from typing import Any, List

from mmengine.config import Config

from mmflow_ext.registry import SCOPE

__all__ = ['unprefixed_types', 'check_default_scope']


def unprefixed_types(cfg: Any) -> List[str]:
    """The ``type`` names of a config that carry no scope prefix.

    Args:
        cfg (Any): A config, dict, list or value.

    Returns:
        list[str]: Names like ``'EncoderDecoder'`` (not
        ``'mmflow_ext.EncoderDecoder'``), each once, in the order found.

    Examples:
        >>> unprefixed_types(dict(model=dict(type='EncoderDecoder',
        ...     backbone=dict(type='mmflow_ext.CompactCNN')),
        ...     pipeline=[dict(type='PackSegInputs')]))
        ['EncoderDecoder', 'PackSegInputs']
    """
    found: List[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            value = node.get('type')
            if (
                isinstance(value, str)
                and '.' not in value
                and value not in found
            ):
                found.append(value)
            for child in node.values():
                walk(child)
        elif isinstance(node, (list, tuple)):
            for child in node:
                walk(child)

    walk(cfg._cfg_dict if isinstance(cfg, Config) else cfg)
    return found


def check_default_scope(cfg: Config) -> None:
    """Refuse a ``default_scope`` whose package is not installed.

    MMEngine looks unprefixed types up in the registries of
    ``default_scope``. When that package cannot be imported it falls back to
    its own registries with a warning and later fails with a "not in the
    registry" error that does not mention the scope. This check says what
    is wrong up front.

    Args:
        cfg (Config): The config.

    Raises:
        ValueError: When ``default_scope`` names a package without an
            importable ``<scope>.registry`` and the config has unprefixed
            types; the message names the config file, the scope and the
            types (the model's type as the example to prefix).

    Examples:
        >>> check_default_scope(Config(dict(default_scope='mmflow_ext')))
        >>> cfg = Config(dict(default_scope='nopkg',
        ...                   model=dict(type='EncoderDecoder')))
        >>> check_default_scope(cfg)
        Traceback (most recent call last):
        ...
        ValueError: config <no file> sets default_scope='nopkg', but no \
package "nopkg" with a registry is installed, so its unprefixed types \
(EncoderDecoder) cannot be found. Set default_scope='mmflow_ext' to build \
them from mmflow_ext, or prefix each type with its package, e.g. \
'mmflow_ext.EncoderDecoder'.
    """
    scope = cfg.get('default_scope')
    if scope is None or scope == SCOPE:
        return
    try:
        importlib.import_module(f'{scope}.registry')
    except ImportError:
        pass
    else:
        return
    types = unprefixed_types(cfg)
    if not types:
        return
    shown = ', '.join(types[:5]) + (', ...' if len(types) > 5 else '')
    model_type = (cfg.get('model') or {}).get('type')
    example = model_type if model_type in types else types[0]
    raise ValueError(
        f'config {cfg.filename or "<no file>"} sets default_scope={scope!r}, '
        f'but no package "{scope}" with a registry is installed, so its '
        f'unprefixed types ({shown}) cannot be found. Set '
        f"default_scope='{SCOPE}' to build them from {SCOPE}, or prefix "
        f"each type with its package, e.g. '{SCOPE}.{example}'."
    )
