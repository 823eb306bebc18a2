# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``init_cfg=dict(type='Pretrained', ...)`` through the safe loader.

MMEngine's ``PretrainedInit`` downloads URLs and ``open-mmlab://`` names
and unpickles whatever it gets. Our networks load their ``Pretrained``
weights with :func:`mmflow_ext.compat.checkpoint.load_checkpoint_file`
instead: local files only, data only, and a remote checkpoint raises an
error that says which file to fetch and where to put it.
"""

import os.path as osp
import re
from typing import List, Optional, Union

import torch.nn as nn
from mmengine.runner.checkpoint import (
    get_external_models,
    get_mmcls_models,
    load_state_dict,
)

from mmflow_ext.compat.checkpoint import load_checkpoint_file

__all__ = ['PretrainedInitMixin', 'load_pretrained', 'pretrained_init_cfg']

_SCHEMES = {'open-mmlab': get_external_models, 'mmcls': get_mmcls_models}


def _remote_url(checkpoint: str) -> Optional[str]:
    """The URL behind a remote checkpoint name, '' for an unknown name,
    None for a local path."""
    scheme, sep, name = checkpoint.partition('://')
    if not sep:
        return None
    if scheme in _SCHEMES:
        return _SCHEMES[scheme]().get(name, '')
    return checkpoint


def _refuse_remote(owner: str, checkpoint: str, url: str) -> None:
    if not url:
        raise ValueError(
            f'{owner}: init_cfg checkpoint {checkpoint!r} is a remote name '
            'that mmflow_ext does not know; it never downloads weights. '
            'Put the checkpoint file on disk and set '
            'init_cfg=dict(type="Pretrained", checkpoint=<local path>).'
        )
    local = osp.join('checkpoints', url.rstrip('/').rsplit('/', 1)[-1])
    raise ValueError(
        f'{owner}: init_cfg checkpoint {checkpoint!r} would be downloaded '
        f'from {url}; mmflow_ext never downloads weights. Download that '
        f'file yourself, put it at "{local}" and set '
        f'init_cfg=dict(type="Pretrained", checkpoint="{local}") (or '
        f'pretrained="{local}").'
    )


def load_pretrained(module: nn.Module, cfg: dict) -> None:
    """Load a ``Pretrained`` init config's checkpoint into ``module``.

    Like MMEngine's ``PretrainedInit``: the ``state_dict`` entry of the file
    (or the whole file), ``module.`` prefixes removed, only the keys under
    ``prefix.`` when ``prefix`` is set, loaded non-strictly with the
    mismatched keys logged.

    Args:
        module (nn.Module): The network.
        cfg (dict): ``dict(type='Pretrained', checkpoint=..., prefix=None,
            map_location='cpu')``.

    Raises:
        ValueError: When the checkpoint is a URL or a remote name, or has
            no key under ``prefix``.
        FileNotFoundError: When the local file does not exist.
    """
    owner = type(module).__name__
    checkpoint = cfg.get('checkpoint')
    if not isinstance(checkpoint, str):
        raise TypeError(
            f'{owner}: init_cfg of type "Pretrained" needs a '
            f'checkpoint path, got {checkpoint!r}'
        )
    url = _remote_url(checkpoint)
    if url is not None:
        _refuse_remote(owner, checkpoint, url)
    loaded = load_checkpoint_file(
        checkpoint, map_location=cfg.get('map_location', 'cpu')
    )
    state_dict = loaded
    if isinstance(loaded, dict) and 'state_dict' in loaded:
        state_dict = loaded['state_dict']
    if not isinstance(state_dict, dict):
        raise TypeError(
            f'{owner}: checkpoint "{checkpoint}" holds no state '
            f'dict (got {type(state_dict).__name__})'
        )
    state_dict = {
        re.sub(r'^module\.', '', key): value
        for key, value in state_dict.items()
    }
    prefix = cfg.get('prefix')
    if prefix is not None:
        head = prefix if prefix.endswith('.') else prefix + '.'
        state_dict = {
            key[len(head) :]: value
            for key, value in state_dict.items()
            if key.startswith(head)
        }
        if not state_dict:
            raise ValueError(
                f'{owner}: checkpoint "{checkpoint}" has no key '
                f'under the prefix {prefix!r}'
            )
    load_state_dict(module, state_dict, strict=False, logger='current')


def pretrained_init_cfg(
    pretrained: Optional[str],
    init_cfg: Optional[Union[dict, List[dict]]],
    default: Optional[Union[dict, List[dict]]] = None,
) -> Optional[Union[dict, List[dict]]]:
    """The init config of a network that also takes MMSegmentation's
    deprecated ``pretrained`` argument.

    Args:
        pretrained (str, optional): Checkpoint path.
        init_cfg (dict | list[dict], optional): Init config.
        default (dict | list[dict], optional): Used when neither is set.

    Returns:
        dict | list[dict] | None: ``Pretrained`` for ``pretrained``, else
        ``init_cfg``, else ``default``.

    Examples:
        >>> pretrained_init_cfg('r50.pth', None)
        {'type': 'Pretrained', 'checkpoint': 'r50.pth'}
    """
    if pretrained is None:
        return default if init_cfg is None else init_cfg
    if init_cfg:
        raise ValueError(
            'init_cfg and pretrained cannot be set at the same time'
        )
    if not isinstance(pretrained, str):
        raise TypeError(
            'pretrained must be a str or None, got '
            f'{type(pretrained).__name__}'
        )
    return dict(type='Pretrained', checkpoint=pretrained)


def _split_pretrained(init_cfg) -> tuple:
    cfgs: List[dict] = (
        list(init_cfg)
        if isinstance(init_cfg, (list, tuple))
        else [init_cfg]
        if init_cfg is not None
        else []
    )
    pretrained = [cfg for cfg in cfgs if cfg.get('type') == 'Pretrained']
    others = [cfg for cfg in cfgs if cfg.get('type') != 'Pretrained']
    return pretrained, others


class PretrainedInitMixin:
    """Makes a ``BaseModule`` load ``Pretrained`` init configs with
    :func:`load_pretrained`; the other init configs run as usual, first.

    Put it before ``BaseModule`` in the bases.
    """

    def init_weights(self) -> None:
        """Initialize, then load the ``Pretrained`` checkpoints."""
        pretrained, others = _split_pretrained(self.init_cfg)
        if not pretrained:
            super().init_weights()
            return
        saved = self.init_cfg
        self.init_cfg = others or None
        try:
            super().init_weights()
        finally:
            self.init_cfg = saved
        for cfg in pretrained:
            load_pretrained(self, cfg)
