# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Data fields whose values must have a given type, for data samples."""

from typing import Any, Dict, Optional, Tuple, Type, Union

from mmengine.structures import BaseDataElement

__all__ = ['TypedFieldsMixin']

TypeSpec = Union[Type, Tuple[Type, ...]]


def _type_name(spec: TypeSpec) -> str:
    if isinstance(spec, tuple):
        return ' or '.join(t.__name__ for t in spec)
    return spec.__name__


class TypedFieldsMixin:
    """Check the type of a value before a typed field is set.

    A subclass of :class:`~mmengine.structures.BaseDataElement` lists its
    typed fields in :attr:`typed_fields`. Assigning a value of the wrong type
    (by attribute, ``set_data`` or ``set_field``) raises a :class:`TypeError`
    that names the class and the field, and leaves the sample unchanged:
    MMEngine's own ``dtype`` check runs after it has listed the name as a
    key, so the failed field would still appear in ``keys()``.

    Examples:
        >>> from mmengine.structures import BaseDataElement, PixelData
        >>> class Sample(TypedFieldsMixin, BaseDataElement):
        ...     typed_fields = {'mask': PixelData}
        >>> sample = Sample()
        >>> sample.mask = 1
        Traceback (most recent call last):
        ...
        TypeError: Sample.mask must be a PixelData, got int
        >>> sample.keys()
        []
    """

    #: data field name -> type (or tuple of types) its value must have
    typed_fields: Dict[str, TypeSpec] = {}

    def set_field(
        self,
        value: Any,
        name: str,
        dtype: Optional[TypeSpec] = None,
        field_type: str = 'data',
    ) -> None:
        """Set a field after checking its type.

        Args:
            value (Any): The value.
            name (str): The field name.
            dtype (type | tuple, optional): Type required for this call;
                a typed field's own type takes precedence. Defaults to None.
            field_type (str): ``'data'`` or ``'metainfo'``.

        Raises:
            TypeError: When ``value`` does not have the required type.
        """
        expected = self.typed_fields.get(name, dtype)
        if expected is not None and not isinstance(value, expected):
            raise TypeError(
                f'{type(self).__name__}.{name} must be a '
                f'{_type_name(expected)}, got '
                f'{type(value).__name__}'
            )
        BaseDataElement.set_field(
            self, value, name, dtype=None, field_type=field_type
        )
