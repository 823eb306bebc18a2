# Copyright (c) mmflow_ext contributors. All rights reserved.
"""The inference pipeline: a model config's test pipeline without the steps
that need ground truth, fed by file paths or by image arrays."""
import copy
from typing import Any, Callable, List, Optional, Sequence, Union

import cv2
import mmcv
import numpy as np

__all__ = [
    'GT_KEYS', 'LoadImageFromArray', 'find_test_pipeline',
    'inference_pipeline', 'find_test_dataset', 'transform_name'
]

#: results keys of the ground truth of the editing flow
GT_KEYS = ('gt', 'gt_path')
#: results key the input image is loaded into
INPUT_KEY = 'img'

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
    return (isinstance(step, dict)
            and transform_name(step).startswith('LoadImageFrom')
            and step.get('key', INPUT_KEY) in (None, INPUT_KEY))


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
            'inference pipeline from')
    return copy.deepcopy(list(dataset['pipeline']))


class LoadImageFromArray:
    """Stand-in for a pipeline's ``LoadImageFromFile`` when the image is an
    array: it sets the same results keys, converted as the loader would
    convert a decoded file.

    The array in ``results['img']`` is an ``H×W×C`` BGR (``C`` = 3), BGRA
    (4) or gray (``H×W`` or ``H×W×1``) uint8 image, as
    :func:`cv2.imread` returns it. It is never modified: the results get a
    converted copy.

    Args:
        key (str, optional): The loader's ``key``: None for MMCV-style
            loading (sets ``img``, ``img_shape``, ``ori_shape``), else the
            editing style (sets ``img``, ``ori_img_shape``,
            ``img_channel_order``, ``img_color_type``).
        color_type (str): ``'color'``, ``'grayscale'`` or ``'unchanged'``
            (an ``_ignore_orientation`` suffix is ignored). Defaults to
            ``'color'``.
        channel_order (str): ``'bgr'`` or ``'rgb'``. Defaults to ``'bgr'``.
        to_float32 (bool): Convert to float32. Defaults to False.
        to_y_channel (bool): Keep only the Y channel (editing style).
            Defaults to False.

    Examples:
        >>> img = np.zeros((2, 3, 3), np.uint8)
        >>> img[..., 0] = 255  # blue in BGR
        >>> out = LoadImageFromArray(key='img', channel_order='rgb')(
        ...     dict(img=img))
        >>> out['img'][0, 0].tolist(), out['ori_img_shape']
        ([0, 0, 255], (2, 3, 3))
    """

    def __init__(self,
                 key: Optional[str] = None,
                 color_type: str = 'color',
                 channel_order: str = 'bgr',
                 to_float32: bool = False,
                 to_y_channel: bool = False) -> None:
        self.key = key
        self.color_type = color_type
        self.channel_order = channel_order
        self.to_float32 = to_float32
        self.to_y_channel = to_y_channel

    @classmethod
    def from_loader(cls, loader: dict) -> 'LoadImageFromArray':
        """The stand-in of a ``LoadImageFromFile`` config.

        Args:
            loader (dict): The loader's config.

        Returns:
            LoadImageFromArray: A step with the loader's conversions.
        """
        return cls(
            key=loader.get('key'),
            color_type=loader.get('color_type', 'color'),
            channel_order=loader.get('channel_order', 'bgr'),
            to_float32=loader.get('to_float32', False),
            to_y_channel=loader.get('to_y_channel', False))

    def _convert(self, img: np.ndarray) -> np.ndarray:
        channels = 1 if img.ndim == 2 else img.shape[2]
        if img.ndim == 3 and channels == 1:
            img = img[..., 0]
        if self.color_type.startswith('color'):
            code = {1: cv2.COLOR_GRAY2BGR, 4: cv2.COLOR_BGRA2BGR}.get(channels)
            img = img.copy() if code is None else cv2.cvtColor(img, code)
            if self.color_type == 'color' and self.channel_order == 'rgb':
                img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
        elif self.color_type.startswith('grayscale'):
            code = {
                3: cv2.COLOR_BGR2GRAY,
                4: cv2.COLOR_BGRA2GRAY
            }.get(channels)
            img = img.copy() if code is None else cv2.cvtColor(img, code)
        else:
            img = img.copy()
        if self.key is None:
            return img.astype(np.float32) if self.to_float32 else img
        if self.to_y_channel:
            to_y = (
                mmcv.rgb2ycbcr
                if self.channel_order == 'rgb' else mmcv.bgr2ycbcr)
            img = to_y(img, y_only=True)
        if img.ndim == 2:
            img = img[..., None]
        return img.astype(np.float32) if self.to_float32 else img

    def __call__(self, results: dict) -> dict:
        """Convert ``results['img']`` like the loader.

        Args:
            results (dict): Holds the array under ``'img'``.

        Returns:
            dict: ``results`` with the converted image and its metainfo.
        """
        img = self._convert(results[INPUT_KEY])
        results[INPUT_KEY] = img
        if self.key is None:
            results['img_shape'] = img.shape[:2]
            results['ori_shape'] = img.shape[:2]
        else:
            results[f'ori_{INPUT_KEY}_shape'] = img.shape
            results[f'{INPUT_KEY}_channel_order'] = self.channel_order
            results[f'{INPUT_KEY}_color_type'] = self.color_type
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(key={self.key!r}, '
                f'color_type={self.color_type!r}, '
                f'channel_order={self.channel_order!r}, '
                f'to_float32={self.to_float32}, '
                f'to_y_channel={self.to_y_channel})')


def inference_pipeline(test_pipeline: Sequence[StepCfg],
                       from_arrays: bool = False) -> List[StepCfg]:
    """Turn a test pipeline into an inference pipeline.

    Ground-truth steps are dropped: annotation loaders
    (``LoadAnnotations``...), steps whose ``key`` is ``'gt'`` or
    ``'gt_path'``, and those keys in ``keys`` / ``meta_keys`` lists (a step
    left with no ``keys`` is dropped). For arrays, the loader of the input
    image is replaced by a :class:`LoadImageFromArray` with its settings.

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
                LoadImageFromArray.from_loader(step) if from_arrays else step)
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
            f'input image "{INPUT_KEY}" (steps: {names})')
    return steps
