# Copyright (c) mmflow_ext contributors. All rights reserved.
"""The ``dataset_meta`` of a model for inference: class names and palette.

A checkpoint written by MMEngine's Runner carries the training dataset's
metainfo in ``meta['dataset_meta']``; without it, the metainfo comes from
the dataset type named in the config, without building the dataset (no file
is read or generated).
"""

import copy
from typing import Any, Optional

from mmflow_ext.registry import DATASETS
from mmflow_ext.visualization.palette import fit_palette

from .pipeline import find_test_dataset

__all__ = ['dataset_meta_from_config', 'fit_palette']


def dataset_meta_from_config(cfg: Any) -> Optional[dict]:
    """The metainfo of the config's test dataset, without building it.

    The dataset type's ``METAINFO`` updated by the config's ``metainfo``;
    when there are ``classes``, ``palette`` has one colour per class,
    fitted as the dataset fits it (:func:`~mmflow_ext.visualization.palette.
    fit_palette`, with the dataset type's ``get_label_map`` for a class
    subset).

    Args:
        cfg (Config | dict): A model config. Types resolve in the
            ``mmflow_ext`` registry.

    Returns:
        dict | None: The metainfo, or None when the config has no
        ``test_dataloader.dataset``.

    Raises:
        KeyError: When the dataset type is not registered.
        ValueError: When the palette fits neither the classes nor a subset
            of the dataset type's classes (building the dataset would fail
            the same way).

    Examples:
        >>> cfg = dict(test_dataloader=dict(dataset=dict(
        ...     type='CityscapesDataset', pipeline=[],
        ...     metainfo=dict(classes=('car', 'road')))))
        >>> meta = dataset_meta_from_config(cfg)
        >>> meta['classes'], meta['palette']
        (('car', 'road'), [[0, 0, 142], [128, 64, 128]])
    """
    dataset = find_test_dataset(cfg)
    if dataset is None:
        return None
    dataset_type = dataset.get('type')
    dataset_cls = (
        dataset_type
        if isinstance(dataset_type, type)
        else DATASETS.get(dataset_type)
    )
    base = getattr(dataset_cls, 'METAINFO', {})
    metainfo = copy.deepcopy(dict(base))
    metainfo.update(copy.deepcopy(dict(dataset.get('metainfo') or {})))
    classes = metainfo.get('classes')
    if classes is not None:
        get_label_map = getattr(dataset_cls, 'get_label_map', None)
        label_map = get_label_map(classes) if get_label_map else None
        metainfo['palette'] = fit_palette(
            classes, metainfo.get('palette'), label_map
        )
    return metainfo
