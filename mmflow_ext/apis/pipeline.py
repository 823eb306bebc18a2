# Copyright (c) mmflow_ext contributors. All rights reserved.
"""The inference pipeline: a model config's test pipeline without the steps
that need ground truth, fed by file paths or by image arrays."""

import copy
from typing import Any, Callable, List, Optional, Sequence, Union

from mmflow_ext.datasets.transforms.image_loading import (
    INPUT_KEY,
    LoadImageFromArray,
)

__all__ = [
    'GT_KEYS',
    'LoadImageFromArray',
    'find_test_pipeline',
    'inference_pipeline',
    'find_test_dataset',
    'transform_name',
]

#: results keys of the ground truth of the editing flow
GT_KEYS = ('gt', 'gt_path')

StepCfg = Union[dict, Callable]


def transform_name(step: StepCfg) -> str:
    """The type name of a pipeline step, without its scope.

    Args:
        step (dict | callable): A transform config or a transform.

    Returns:
        str: ``'LoadImageFromFile'`` for ``dict(type='mmflow_ext.
        LoadImageFromFile')``, a class or an instance of that class.

    Examples:
        >>> transform_name(dict(type='mmcv.LoadImageFromFile'))
        'LoadImageFromFile'
    """
    if isinstance(step, dict):
        step_type = step.get('type', '')
        if isinstance(step_type, str):
            return step_type.split('.')[-1]
        return getattr(step_type, '__name__', '')
    return type(step).__name__


def _loads_ground_truth(step: StepCfg) -> bool:
    name = transform_name(step)
    if name.startswith('Load') and 'Annotation' in name:
        return True
    return isinstance(step, dict) and step.get('key') in GT_KEYS


def _is_input_loader(step: StepCfg) -> bool:
    return (
        isinstance(step, dict)
        and transform_name(step).startswith('LoadImageFrom')
        and step.get('key', INPUT_KEY) in (None, INPUT_KEY)
    )


def _without_gt_keys(step: dict) -> Optional[dict]:
    """``step`` with the ground-truth keys removed from its key lists;
    None when nothing is left for it to act on."""
    step = dict(step)
    for name in ('keys', 'meta_keys'):
        keys = step.get(name)
        if isinstance(keys, (list, tuple)) and any(k in GT_KEYS for k in keys):
            kept = [k for k in keys if k not in GT_KEYS]
            if name == 'keys' and not kept:
                return None
            step[name] = kept
    return step


def find_test_dataset(cfg: Any) -> Optional[dict]:
    """The dataset config of ``test_dataloader`` that holds the pipeline,
    looking through dataset wrappers (``dataset=dict(dataset=...)``).

    Args:
        cfg (Config | dict): A model config.

    Returns:
        dict | None: The dataset config, or None when there is none.

    Examples:
        >>> cfg = dict(test_dataloader=dict(dataset=dict(
        ...     type='RepeatDataset', times=2,
        ...     dataset=dict(type='ShapesDataset', pipeline=[]))))
        >>> find_test_dataset(cfg)
        {'type': 'ShapesDataset', 'pipeline': []}
    """
    dataset = (cfg.get('test_dataloader') or {}).get('dataset')
    while isinstance(dataset, dict) and 'pipeline' not in dataset:
        dataset = dataset.get('dataset')
    return dataset if isinstance(dataset, dict) else None


def find_test_pipeline(cfg: Any) -> List[StepCfg]:
    """The test pipeline of a config (see :func:`find_test_dataset`).

    Args:
        cfg (Config | dict): A model config.

    Returns:
        list: A deep copy of the pipeline.

    Raises:
        KeyError: When the config has no such pipeline.
    """
    dataset = find_test_dataset(cfg)
    if dataset is None:
        raise KeyError(
            'the config has no test_dataloader.dataset.pipeline to build the '
            'inference pipeline from'
        )
    return copy.deepcopy(list(dataset['pipeline']))


def inference_pipeline(
    test_pipeline: Sequence[StepCfg], from_arrays: bool = False
) -> List[StepCfg]:
    """Turn a test pipeline into an inference pipeline.

    Ground-truth steps are dropped: annotation loaders
    (``LoadAnnotations``...), steps whose ``key`` is ``'gt'`` or
    ``'gt_path'``, and those keys in ``keys`` / ``meta_keys`` lists (a step
    left with no ``keys`` is dropped). For arrays, the loader of the input
    image is replaced by a :class:`~mmflow_ext.datasets.transforms.
    LoadImageFromArray` with its settings.

    Args:
        test_pipeline (Sequence[dict | callable]): Steps of a test pipeline.
        from_arrays (bool): Whether the images come as arrays in
            ``results['img']`` instead of paths in ``results['img_path']``.
            Defaults to False.

    Returns:
        list[dict | callable]: The steps, for :class:`mmengine.dataset.
        Compose`.

    Raises:
        ValueError: When no step loads the input image.

    Examples:
        >>> steps = inference_pipeline([
        ...     dict(type='LoadImageFromFile'),
        ...     dict(type='LoadAnnotations'),
        ...     dict(type='PackSegInputs')], from_arrays=True)
        >>> steps
        [LoadImageFromArray(key=None, color_type='color',
          channel_order='bgr', to_float32=False, to_y_channel=False),
         {'type': 'PackSegInputs'}]
    """
    steps: List[StepCfg] = []
    has_loader = False
    for step in test_pipeline:
        if _loads_ground_truth(step):
            continue
        if _is_input_loader(step) and not has_loader:
            has_loader = True
            steps.append(
                LoadImageFromArray.from_loader(step) if from_arrays else step
            )
            continue
        if isinstance(step, dict):
            step = _without_gt_keys(step)
            if step is None:
                continue
        steps.append(step)
    if not has_loader:
        names = [transform_name(s) for s in test_pipeline]
        raise ValueError(
            'the test pipeline has no LoadImageFromFile step loading the '
            f'input image "{INPUT_KEY}" (steps: {names})'
        )
    return steps
