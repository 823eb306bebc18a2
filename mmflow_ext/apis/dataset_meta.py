# Copyright (c) mmflow_ext contributors. All rights reserved.
"""The ``dataset_meta`` of a model for inference: class names and palette.

A checkpoint written by MMEngine's Runner carries the training dataset's
metainfo in ``meta['dataset_meta']``; without it, the metainfo comes from
the dataset type named in the config, without building the dataset (no file
is read or generated).
"""
import copy
from typing import Any, List, Optional, Sequence

from mmflow_ext.registry import DATASETS
from mmflow_ext.visualization.palette import random_palette
from .pipeline import find_test_dataset

__all__ = ['dataset_meta_from_config', 'fit_palette']


def fit_palette(
    classes: Sequence[str],
    palette: Optional[Sequence[Sequence[int]]],
    base_classes: Sequence[str] = (),
    base_palette: Sequence[Sequence[int]] = ()
) -> List[list]:
    """One colour per class.

    A palette with one colour per class is kept. Otherwise each class takes
    its colour in the dataset's own palette (``base_palette``, indexed like
    ``base_classes``), and a class found there neither gets the colour of a
    seeded random palette (the one :class:`BaseSegDataset` draws).

    Args:
        classes (Sequence[str]): Class names in label order.
        palette (Sequence[Sequence[int]], optional): The configured colours.
        base_classes (Sequence[str]): Classes of the dataset type.
        base_palette (Sequence[Sequence[int]]): Their colours.

    Returns:
        list[list[int]]: RGB colours, one per class.

    Examples:
        >>> fit_palette(['b'], None, ['a', 'b'], [[1, 1, 1], [2, 2, 2]])
        [[2, 2, 2]]
        >>> fit_palette(['a'], [[9, 9, 9]])
        [[9, 9, 9]]
    """
    if palette is not None and len(palette) == len(classes):
        return [list(color) for color in palette]
    fallback = random_palette(len(classes))
    known = dict(zip(base_classes, base_palette))
    return [
        list(known.get(name, fallback[i])) for i, name in enumerate(classes)
    ]


def dataset_meta_from_config(cfg: Any) -> Optional[dict]:
    """The metainfo of the config's test dataset, without building it.

    The dataset type's ``METAINFO`` updated by the config's ``metainfo``;
    when there are ``classes``, ``palette`` has one colour per class (see
    :func:`fit_palette`).

    Args:
        cfg (Config | dict): A model config. Types resolve in the
            ``mmflow_ext`` registry.

    Returns:
        dict | None: The metainfo, or None when the config has no
        ``test_dataloader.dataset``.

    Raises:
        KeyError: When the dataset type is not registered.

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
        if isinstance(dataset_type, type) else DATASETS.get(dataset_type))
    base = getattr(dataset_cls, 'METAINFO', {})
    metainfo = copy.deepcopy(dict(base))
    metainfo.update(copy.deepcopy(dict(dataset.get('metainfo') or {})))
    classes = metainfo.get('classes')
    if classes is not None:
        metainfo['palette'] = fit_palette(classes, metainfo.get('palette'),
                                          base.get('classes', ()),
                                          base.get('palette', ()))
    return metainfo
