# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``MultiOptimWrapperConstructor``: one optimizer per sub-module (GANs), or
one optimizer over several (MMagic's constructor of the same name)."""

import re
from typing import List, Optional, Tuple, Union

import torch.nn as nn
from mmengine.logging import print_log
from mmengine.optim import (
    DefaultOptimWrapperConstructor,
    OptimWrapper,
    OptimWrapperDict,
)

from mmflow_ext.registry import (
    OPTIM_WRAPPER_CONSTRUCTORS,
    OPTIM_WRAPPERS,
    OPTIMIZERS,
)

__all__ = ['MultiOptimWrapperConstructor', 'get_params_by_names']


def get_params_by_names(
    module: nn.Module, names: Union[str, List[str]]
) -> Tuple[list, list]:
    """Parameters of the first-level sub-modules called ``names``, or of
    every sub-module whose full name matches one of them as a regex.

    Args:
        module (nn.Module): The model.
        names (str | list[str]): Sub-module names or patterns.

    Returns:
        tuple[list, list]: The parameters and the names found.

    Examples:
        >>> model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 3))
        >>> params, found = get_params_by_names(model, '1')
        >>> found, [tuple(p.shape) for p in params]
        (['1'], [(3, 2), (3,)])
    """
    params, found = [], []
    for name in [names] if isinstance(names, str) else names:
        if name in module._modules:
            params.extend(module._modules[name].parameters())
            found.append(name)
            continue
        for sub_name, sub in module.named_modules():
            if re.fullmatch(name, sub_name):
                params.extend(sub.parameters())
                found.append(sub_name)
    return params, found


def _build_wrapper(
    constructor: DefaultOptimWrapperConstructor, params: list
) -> OptimWrapper:
    optimizer_cfg = dict(constructor.optimizer_cfg, params=params)
    optimizer = OPTIMIZERS.build(optimizer_cfg)
    wrapper_cfg = constructor.optim_wrapper_cfg.copy()
    wrapper_cfg.setdefault('type', 'OptimWrapper')
    return OPTIM_WRAPPERS.build(
        wrapper_cfg, default_args=dict(optimizer=optimizer)
    )


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class MultiOptimWrapperConstructor:
    """Build an :class:`OptimWrapperDict` with one wrapper per key of
    ``optim_wrapper_cfg`` (the key names the sub-module, or ``modules``
    lists names / regexes), or one :class:`OptimWrapper` over the
    ``modules`` of a config that has that key at its top level.

    Args:
        optim_wrapper_cfg (dict): ``{name: wrapper config}`` or one wrapper
            config with ``modules``.
        paramwise_cfg (dict, optional): Must be None: give it inside each
            wrapper config.

    Raises:
        TypeError: When ``optim_wrapper_cfg`` is not a dict.
        ValueError: For a top-level ``paramwise_cfg``, one used with
            several modules, or a key / module name matching no
            parameters.

    Examples:
        >>> class GAN(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.generator = nn.Linear(2, 2)
        ...         self.discriminator = nn.Linear(2, 1)
        >>> wrappers = MultiOptimWrapperConstructor(dict(
        ...     generator=dict(optimizer=dict(type='Adam', lr=1e-4)),
        ...     discriminator=dict(optimizer=dict(type='SGD', lr=0.1))))(
        ...     GAN())
        >>> sorted(wrappers.keys())
        ['discriminator', 'generator']
    """

    def __init__(
        self, optim_wrapper_cfg: dict, paramwise_cfg: Optional[dict] = None
    ) -> None:
        if not isinstance(optim_wrapper_cfg, dict):
            raise TypeError(
                'optim_wrapper_cfg should be a dict, but got '
                f'{type(optim_wrapper_cfg).__name__}'
            )
        if paramwise_cfg is not None:
            raise ValueError(
                'paramwise_cfg should be set in each optimizer wrapper '
                f'config of MultiOptimWrapperConstructor, got {paramwise_cfg}'
            )
        self.optim_cfg = optim_wrapper_cfg
        if 'modules' in optim_wrapper_cfg:
            cfg = optim_wrapper_cfg.copy()
            self.modules = cfg.pop('modules')
            self.constructors = DefaultOptimWrapperConstructor(
                cfg, cfg.pop('paramwise_cfg', None)
            )
            return
        self.constructors, self.modules = {}, {}
        for key, cfg in optim_wrapper_cfg.items():
            cfg = cfg.copy()
            if 'modules' in cfg:
                self.modules[key] = cfg.pop('modules')
            self.constructors[key] = DefaultOptimWrapperConstructor(
                cfg, cfg.pop('paramwise_cfg', None)
            )

    def _params(self, module: nn.Module, key: str, names, constructor) -> list:
        if constructor.paramwise_cfg:
            raise ValueError(
                f'optimizer {key!r}: paramwise_cfg is not '
                'supported for several modules'
            )
        params, found = get_params_by_names(module, names)
        if not found:
            raise ValueError(
                f'optimizer {key!r}: no sub-module of '
                f'{type(module).__name__} matches {names!r}; its modules '
                f'are {list(module._modules)}'
            )
        for name in found:
            print_log(
                f'Add to optimizer {key!r} ({constructor.optimizer_cfg}): '
                f'{name!r}.',
                'current',
            )
        return params

    def __call__(
        self, module: nn.Module
    ) -> Union[OptimWrapperDict, OptimWrapper]:
        """Build the wrapper(s) for ``module`` (unwrapped from DDP)."""
        if hasattr(module, 'module'):
            module = module.module
        if not isinstance(self.constructors, dict):
            return _build_wrapper(
                self.constructors,
                self._params(
                    module, 'modules', self.modules, self.constructors
                ),
            )
        wrappers = {}
        for key, constructor in self.constructors.items():
            names = self.modules.get(key, key)
            if isinstance(names, str) and names in module._modules:
                wrappers[key] = constructor(module._modules[names])
                print_log(
                    f'Add to optimizer {key!r} ({constructor.optimizer_cfg})'
                    f': {names!r}.',
                    'current',
                )
            else:
                wrappers[key] = _build_wrapper(
                    constructor, self._params(module, key, names, constructor)
                )
        return OptimWrapperDict(**wrappers)
