# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``init_model`` and ``inference_model`` for segmentors and editing
models."""

import contextlib
import copy
import os
from typing import Iterator, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.model import BaseModel
from mmengine.registry import DefaultScope
from mmengine.runner.checkpoint import _load_checkpoint_to_model
from mmengine.structures import BaseDataElement

from mmflow_ext.compat import (
    check_fits,
    load_checkpoint_file,
    trusted_checkpoints,
)
from mmflow_ext.registry import MODELS, SCOPE

from .dataset_meta import dataset_meta_from_config
from .pipeline import INPUT_KEY, find_test_pipeline, inference_pipeline

__all__ = ['init_model', 'inference_model', 'registry_scope']

ImageInput = Union[str, os.PathLike, np.ndarray]
ConfigInput = Union[str, os.PathLike, Config]


@contextlib.contextmanager
def registry_scope(cfg: Config) -> Iterator[None]:
    """Resolve type names in the config's ``default_scope`` (default
    ``mmflow_ext``) inside this block, leaving the global default scope as
    it was.

    Args:
        cfg (Config): A model config.
    """
    with DefaultScope.overwrite_default_scope(
        cfg.get('default_scope') or SCOPE
    ):
        yield


def _load_config(config: ConfigInput) -> Config:
    if isinstance(config, Config):
        return copy.deepcopy(config)
    if isinstance(config, (str, os.PathLike)):
        return Config.fromfile(os.fspath(config))
    raise TypeError(
        'config must be a file path or an mmengine Config, got '
        f'{type(config).__name__}'
    )


def init_model(
    config: ConfigInput,
    checkpoint: Optional[str] = None,
    device: Union[str, torch.device] = 'cpu',
    cfg_options: Optional[dict] = None,
    trust_checkpoint: bool = False,
    allow_partial_load: bool = False,
) -> BaseModel:
    """Build a model from its config for inference, optionally with
    weights.

    The checkpoint is read by the secure loader of :mod:`mmflow_ext.compat`
    (:func:`~mmflow_ext.compat.load_checkpoint_file`): a file that would
    need arbitrary Python objects to unpickle is refused unless
    ``trust_checkpoint`` is True, and no text from it is ever executed. Its
    tensors must fit the model exactly (same keys, same shapes) unless
    ``allow_partial_load`` is True. The model gets ``cfg`` (the config) and
    ``dataset_meta`` (from the checkpoint's ``meta['dataset_meta']``, else
    from the config's test dataset, see
    :func:`~mmflow_ext.apis.dataset_meta.dataset_meta_from_config`), and is
    put in eval mode on ``device``. No global default scope is needed or
    left behind.

    Args:
        config (str | PathLike | Config): Config file or object (which is
            copied, not changed).
        checkpoint (str, optional): Checkpoint file. Defaults to None
            (weights as initialized).
        device (str | torch.device): Device of the model. Defaults to
            ``'cpu'``.
        cfg_options (dict, optional): Overrides merged into the config,
            e.g. ``{'model.test_cfg.mode': 'whole'}``.
        trust_checkpoint (bool): Allow a checkpoint that carries arbitrary
            Python objects (only for files whose origin you trust).
            Defaults to False.
        allow_partial_load (bool): Load only the tensors that fit; the
            others keep their initial values (MMEngine's behaviour).
            Defaults to False.

    Returns:
        BaseModel: The model, in eval mode.

    Raises:
        KeyError: When the config has no ``model``.
        mmflow_ext.compat.UnsafeCheckpointError: When the checkpoint needs
            code to load and ``trust_checkpoint`` is False.
        ValueError: When the checkpoint does not fit the model and
            ``allow_partial_load`` is False; the message names the missing,
            unexpected and mismatched keys.
    """
    cfg = _load_config(config)
    if cfg_options is not None:
        cfg.merge_from_dict(cfg_options)
    if 'model' not in cfg:
        raise KeyError(
            f'the config {cfg.filename or "<Config>"} has no "model" to build'
        )
    with registry_scope(cfg):
        model = MODELS.build(cfg.model)
        dataset_meta = None
        if checkpoint is not None:
            trust = (
                trusted_checkpoints()
                if trust_checkpoint
                else contextlib.nullcontext()
            )
            with trust:
                loaded = load_checkpoint_file(checkpoint, map_location='cpu')
            if not allow_partial_load:
                check_fits(model, loaded, checkpoint)
            _load_checkpoint_to_model(model, loaded)
            meta = loaded.get('meta') if isinstance(loaded, dict) else None
            if isinstance(meta, dict):
                dataset_meta = meta.get('dataset_meta')
        if dataset_meta is None:
            dataset_meta = dataset_meta_from_config(cfg)
    model.cfg = cfg
    model.dataset_meta = dataset_meta
    model.to(device)
    model.eval()
    return model


def _check_image(image: ImageInput, index: int) -> None:
    if isinstance(image, (str, os.PathLike)):
        return
    if not isinstance(image, np.ndarray):
        raise TypeError(
            f'images[{index}] must be a file path or an H×W×C '
            f'BGR uint8 array, got {type(image).__name__}'
        )
    if (
        image.dtype != np.uint8
        or image.ndim not in (2, 3)
        or (image.ndim == 3 and image.shape[2] not in (1, 3, 4))
    ):
        raise ValueError(
            f'images[{index}] must be an H×W×C BGR uint8 array (C = 1, 3 or '
            f'4) or an H×W gray one, got {image.dtype} of shape '
            f'{image.shape}'
        )


def _prepare(model: BaseModel, images: Sequence[ImageInput]) -> List[dict]:
    """Run the inference pipeline on every image."""
    cfg = getattr(model, 'cfg', None)
    if cfg is None:
        raise AttributeError(
            'the model has no "cfg" to build the inference pipeline from; '
            'create it with mmflow_ext.apis.init_model or set model.cfg'
        )
    test_pipeline = find_test_pipeline(cfg)
    pipelines = {}
    packed = []
    with registry_scope(cfg):
        for index, image in enumerate(images):
            _check_image(image, index)
            from_array = isinstance(image, np.ndarray)
            if from_array not in pipelines:
                pipelines[from_array] = Compose(
                    inference_pipeline(test_pipeline, from_array)
                )
            results = (
                {INPUT_KEY: image}
                if from_array
                else {f'{INPUT_KEY}_path': os.fspath(image)}
            )
            sample = pipelines[from_array](results)
            if sample is None:
                raise ValueError(
                    f'images[{index}]: the inference pipeline dropped the '
                    'image (unreadable or filtered out)'
                )
            packed.append(sample)
    return packed


def inference_model(
    model: BaseModel,
    images: Union[ImageInput, Sequence[ImageInput]],
    batch_size: Optional[int] = None,
) -> Union[BaseDataElement, List[BaseDataElement]]:
    """Predict images with a segmentor or an editing model.

    Each image goes through the test pipeline of ``model.cfg`` without its
    ground-truth steps, then batches go through the model's
    ``data_preprocessor`` and ``test_step`` (as in a test loop), so images
    of different sizes can share a batch. Segmentation results are
    :class:`~mmflow_ext.structures.SegDataSample` with ``seg_logits`` and
    ``pred_sem_seg`` at each image's original size; editing results are
    :class:`~mmflow_ext.structures.DataSample` with ``output.pred_img``
    (float ``C×H×W``, BGR, in ``[0, 255]``).

    Args:
        model (BaseModel): A model with ``cfg``, e.g. from
            :func:`init_model`.
        images (str | PathLike | np.ndarray | Sequence): One image or a
            list: file paths or ``H×W×C`` BGR uint8 arrays (as
            :func:`cv2.imread` returns them).
        batch_size (int, optional): Images per forward pass. Defaults to
            None (all at once).

    Returns:
        BaseDataElement | list[BaseDataElement]: One result per image; a
        list when ``images`` is a list or tuple.

    Raises:
        FileNotFoundError: When an image file is missing (raised by the
            pipeline's loader, naming the file).
        TypeError, ValueError: When an image is neither a path nor a uint8
            image array (the message gives its index).
    """
    is_batch = isinstance(images, (list, tuple))
    items = list(images) if is_batch else [images]
    if not items:
        raise ValueError('images is empty: give at least one image')
    if batch_size is None:
        batch_size = len(items)
    if batch_size < 1:
        raise ValueError(f'batch_size must be >= 1, got {batch_size}')
    packed = _prepare(model, items)
    results = []
    with torch.no_grad():
        for start in range(0, len(packed), batch_size):
            batch = pseudo_collate(packed[start : start + batch_size])
            results.extend(model.test_step(batch))
    return results if is_batch else results[0]
