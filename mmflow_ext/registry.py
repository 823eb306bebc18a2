# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Registries of mmflow_ext: one child of every MMEngine root registry.

Every registry has the scope ``mmflow_ext`` and ``locations`` naming the
modules that fill it, so a config with ``default_scope='mmflow_ext'`` (or a
``type='mmflow_ext.X'`` from another scope) finds our types without any
``custom_imports``. Lookups fall back to the parent, so mmcv's transforms and
MMEngine's own types resolve under our scope too.

A type that is not found raises a :class:`KeyError` that names the registry,
the scope and the closest registered names.
"""

import difflib
from typing import Any, List, Optional

from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import INFERENCERS as MMENGINE_INFERENCERS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import (
    OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS,
)
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import (
    RUNNER_CONSTRUCTORS as MMENGINE_RUNNER_CONSTRUCTORS,
)
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import STRATEGIES as MMENGINE_STRATEGIES
from mmengine.registry import TASK_UTILS as MMENGINE_TASK_UTILS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import (
    WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS,
)
from mmengine.registry import Registry

SCOPE = 'mmflow_ext'


class SuggestingRegistry(Registry):
    """A :class:`~mmengine.registry.Registry` whose failed lookups say what
    was meant.

    MMEngine's builders call :meth:`get` on the registry of the default
    scope and raise a bare "not in the registry" error when it returns None.
    This registry raises instead, naming itself, its scope and the closest
    names registered here or in its ancestors.
    """

    def available_names(self) -> List[str]:
        """Names this registry resolves: its own and its ancestors'.

        Returns:
            list[str]: Sorted registered names.
        """
        names = set()
        registry: Optional[Registry] = self
        while registry is not None:
            names.update(registry.module_dict)
            registry = registry.parent
        return sorted(names)

    def get(self, key: str) -> Any:
        """Look ``key`` up like MMEngine does, raising when it is absent.

        Args:
            key (str): A type name, optionally prefixed with a scope
                (``'mmflow_ext.IoUMetric'``).

        Returns:
            type | callable: The registered object.

        Raises:
            KeyError: When ``key`` is registered nowhere this registry looks.
        """
        obj = super().get(key)
        if obj is None and isinstance(key, str):
            _, name = self.split_scope_key(key)
            close = difflib.get_close_matches(
                name, self.available_names(), n=5, cutoff=0.6
            )
            hint = (
                f'Did you mean: {", ".join(close)}?'
                if close
                else 'No registered name is close to it.'
            )
            raise KeyError(
                f'"{key}" is not registered in the "{self.name}" registry '
                f'of scope "{self.scope}" (nor in its parents). {hint}'
            )
        return obj


def _child(parent: Registry, locations: List[str]) -> SuggestingRegistry:
    return SuggestingRegistry(
        parent.name, parent=parent, scope=SCOPE, locations=locations
    )


RUNNERS = _child(MMENGINE_RUNNERS, ['mmflow_ext.engine'])
RUNNER_CONSTRUCTORS = _child(
    MMENGINE_RUNNER_CONSTRUCTORS, ['mmflow_ext.engine']
)
LOOPS = _child(MMENGINE_LOOPS, ['mmflow_ext.engine'])
HOOKS = _child(MMENGINE_HOOKS, ['mmflow_ext.engine'])
STRATEGIES = _child(MMENGINE_STRATEGIES, ['mmflow_ext.engine'])
DATASETS = _child(MMENGINE_DATASETS, ['mmflow_ext.datasets'])
DATA_SAMPLERS = _child(MMENGINE_DATA_SAMPLERS, ['mmflow_ext.datasets'])
TRANSFORMS = _child(MMENGINE_TRANSFORMS, ['mmflow_ext.datasets.transforms'])
MODELS = _child(MMENGINE_MODELS, ['mmflow_ext.models'])
MODEL_WRAPPERS = _child(MMENGINE_MODEL_WRAPPERS, ['mmflow_ext.models'])
WEIGHT_INITIALIZERS = _child(
    MMENGINE_WEIGHT_INITIALIZERS, ['mmflow_ext.models']
)
OPTIMIZERS = _child(MMENGINE_OPTIMIZERS, ['mmflow_ext.engine'])
OPTIM_WRAPPERS = _child(MMENGINE_OPTIM_WRAPPERS, ['mmflow_ext.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = _child(
    MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS, ['mmflow_ext.engine']
)
PARAM_SCHEDULERS = _child(MMENGINE_PARAM_SCHEDULERS, ['mmflow_ext.engine'])
METRICS = _child(MMENGINE_METRICS, ['mmflow_ext.evaluation'])
EVALUATOR = _child(MMENGINE_EVALUATOR, ['mmflow_ext.evaluation'])
TASK_UTILS = _child(MMENGINE_TASK_UTILS, ['mmflow_ext.models'])
VISUALIZERS = _child(MMENGINE_VISUALIZERS, ['mmflow_ext.visualization'])
VISBACKENDS = _child(MMENGINE_VISBACKENDS, ['mmflow_ext.visualization'])
LOG_PROCESSORS = _child(MMENGINE_LOG_PROCESSORS, ['mmflow_ext.engine'])
INFERENCERS = _child(MMENGINE_INFERENCERS, ['mmflow_ext.apis'])
FUNCTIONS = _child(MMENGINE_FUNCTIONS, ['mmflow_ext.datasets'])
