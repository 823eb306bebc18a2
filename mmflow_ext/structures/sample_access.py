# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Read a field of a data sample, or of its ``to_dict()`` form, by name.

Metrics receive ``to_dict()`` dicts, visualizers and hooks receive data
samples; both are read the same way here. A key is a field name
(``'gt_img'``, ``'img_path'``: data fields and metainfo both count) or a
dotted path into nested samples (``'output.pred_img'``). A missing key is a
:class:`KeyError` naming the key and the keys that are present, never a
silent fallback to another field.

:func:`field_data` then takes the ``data`` out of a
:class:`~mmengine.structures.PixelData` (or its dict form) and leaves any
other value as it is.

Examples:
    >>> import torch
    >>> from mmengine.structures import BaseDataElement, PixelData
    >>> sample = BaseDataElement(
    ...     metainfo=dict(img_path='a/b.png'),
    ...     gt_sem_seg=PixelData(data=torch.zeros(1, 2, 2)),
    ...     output=BaseDataElement(pred_img=torch.ones(3, 2, 2)))
    >>> get_field(sample, 'img_path')
    'a/b.png'
    >>> get_field(sample.to_dict(), 'output.pred_img').shape
    torch.Size([3, 2, 2])
    >>> field_data(get_field(sample.to_dict(), 'gt_sem_seg')).shape
    torch.Size([1, 2, 2])
    >>> has_field(sample, 'output.gt_img')
    False
    >>> get_field(sample, 'output.gt_img', default=None) is None
    True
    >>> get_field(sample.to_dict(), 'output.gt_img')
    Traceback (most recent call last):
    ...
    KeyError: '"output.gt_img" is not in the data sample: "output" has keys \
[pred_img]'
"""

from typing import Any, List, Mapping, Sequence, Tuple

from mmengine.structures import BaseDataElement

__all__ = [
    'get_field',
    'has_field',
    'field_keys',
    'field_data',
    'sample_source',
]

_MISSING = object()


def field_keys(container: Any) -> List[str]:
    """The sorted field names of a data sample or a mapping.

    Args:
        container (Any): A :class:`~mmengine.structures.BaseDataElement`
            (data fields and metainfo), a mapping, or anything else.

    Returns:
        list[str]: Its keys; empty for a value that has none.

    Examples:
        >>> field_keys(dict(b=1, a=2)), field_keys(3)
        (['a', 'b'], [])
    """
    if isinstance(container, BaseDataElement):
        return sorted(container.all_keys())
    if isinstance(container, Mapping):
        return sorted(str(key) for key in container.keys())
    return []


def _walk(sample: Any, parts: List[str]) -> Tuple[Any, int]:
    """Follow ``parts`` from ``sample``.

    Returns ``(value, -1)`` when every part is found, else ``(container,
    depth)``: the container where ``parts[depth]`` is missing.
    """
    value = sample
    for depth, name in enumerate(parts):
        if not (
            isinstance(value, (BaseDataElement, Mapping)) and name in value
        ):
            return value, depth
        value = value.get(name)
    return value, -1


def get_field(
    sample: Any,
    key: str,
    default: Any = _MISSING,
    where: str = 'the data sample',
) -> Any:
    """The value of ``key`` in a data sample or its ``to_dict()`` form.

    Args:
        sample (BaseDataElement | Mapping): The sample.
        key (str): A field name, or a dotted path such as
            ``'output.pred_img'``.
        default (Any, optional): Returned when the key is missing. Without
            it a missing key raises.
        where (str): What ``sample`` is, for the error message.
            Defaults to ``'the data sample'``.

    Returns:
        Any: The value (a data sample's nested sample stays a sample, a
        dict's stays a dict).

    Raises:
        KeyError: When a part of ``key`` is missing and no ``default`` is
            given; the message names ``key`` and the keys present where the
            lookup stopped.
    """
    parts = key.split('.')
    value, depth = _walk(sample, parts)
    if depth < 0:
        return value
    if default is not _MISSING:
        return default
    keys = ', '.join(field_keys(value))
    if depth == 0:
        raise KeyError(f'"{key}" is not in {where}; keys present: [{keys}]')
    parent = '.'.join(parts[:depth])
    raise KeyError(f'"{key}" is not in {where}: "{parent}" has keys [{keys}]')


def has_field(sample: Any, key: str) -> bool:
    """Whether :func:`get_field` finds ``key`` in ``sample``.

    Args:
        sample (BaseDataElement | Mapping): The sample.
        key (str): A field name or a dotted path.

    Returns:
        bool: True when every part of the path is present.
    """
    return _walk(sample, key.split('.'))[1] < 0


def field_data(value: Any) -> Any:
    """The ``data`` of a PixelData-like value, or the value itself.

    Args:
        value (Any): A :class:`~mmengine.structures.BaseDataElement` with a
            ``data`` field, a mapping with a ``'data'`` key (the
            ``to_dict()`` form of one), or any other value.

    Returns:
        Any: The wrapped tensor or array, else ``value`` unchanged.

    Examples:
        >>> field_data({'data': 3}), field_data(4)
        (3, 4)
    """
    if isinstance(value, (BaseDataElement, Mapping)) and 'data' in value:
        return value.get('data')
    return value


def sample_source(
    sample: Any, keys: Sequence[str] = ('seg_map_path', 'img_path')
) -> str:
    """The file a sample comes from, for error messages.

    Args:
        sample (BaseDataElement | Mapping): The sample.
        keys (Sequence[str]): Path fields to try, in order. Defaults to
            ``('seg_map_path', 'img_path')``: label errors name the label
            map.

    Returns:
        str: The first of ``keys`` the sample has, else ``'<array>'`` (a
        sample built from arrays in memory).

    Examples:
        >>> sample_source(dict(img_path='a.jpg', seg_map_path='a.png'))
        'a.png'
        >>> sample_source(dict(img_path='a.jpg'), keys=('gt_path', ))
        '<array>'
    """
    for key in keys:
        value = get_field(sample, key, default=None)
        if value:
            return str(value)
    return '<array>'
