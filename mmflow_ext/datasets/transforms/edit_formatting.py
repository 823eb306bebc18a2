# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``PackInputs``: pack editing pipeline results for the model."""

from typing import List, Sequence, Union

from mmcv.transforms import BaseTransform

from mmflow_ext.registry import TRANSFORMS
from mmflow_ext.structures.data_sample import DataSample
from mmflow_ext.structures.image_layout import all_to_tensor

__all__ = ['PackInputs']

KeyArg = Union[str, Sequence[str]]


def _as_key_list(name: str, keys: KeyArg) -> List[str]:
    if keys is None:
        raise TypeError(
            f'PackInputs: {name} must be a key or a list of keys, got None'
        )
    return [keys] if isinstance(keys, str) else list(keys)


@TRANSFORMS.register_module()
class PackInputs(BaseTransform):
    """Pack pipeline results into model ``inputs`` and a
    :class:`~mmflow_ext.structures.DataSample`.

    ``inputs`` gathers the present (not None) ``keys`` as tensors: one key
    gives that tensor, several give a dict, none gives ``{}``. The data
    sample receives every other result through the ``DataSample`` key
    mapping (``gt`` → ``gt_img``, ``img_path`` → metainfo, ...), then
    ``meta_keys`` as metainfo and ``data_keys`` as tensor data under their
    own names.

    Args:
        keys (str | list[str]): Results keys that feed the model.
            Defaults to ``['merged', 'img']``.
        meta_keys (str | list[str]): Extra results keys stored as metainfo.
            Defaults to ``[]``.
        data_keys (str | list[str]): Extra results keys stored as data.
            Defaults to ``[]``.

    Examples:
        >>> import numpy as np
        >>> pack = PackInputs(meta_keys='scale')
        >>> out = pack(dict(img=np.zeros((2, 3, 3), np.uint8),
        ...                 gt=np.ones((4, 6, 3), np.uint8),
        ...                 gt_path='a.png', scale=2))
        >>> out['inputs'].shape, out['inputs'].dtype
        (torch.Size([3, 2, 3]), torch.uint8)
        >>> sample = out['data_samples']
        >>> sample.gt_img.shape, sample.gt_path, sample.scale
        (torch.Size([3, 4, 6]), 'a.png', 2)
    """

    def __init__(
        self,
        keys: KeyArg = ('merged', 'img'),
        meta_keys: KeyArg = (),
        data_keys: KeyArg = (),
    ) -> None:
        self.keys = _as_key_list('keys', keys)
        self.meta_keys = _as_key_list('meta_keys', meta_keys)
        self.data_keys = _as_key_list('data_keys', data_keys)

    def transform(self, results: dict) -> dict:
        """Pack one sample.

        Args:
            results (dict): Pipeline results.

        Returns:
            dict: ``inputs`` (tensor or dict) and ``data_samples``
            (DataSample).
        """
        inputs = {
            key: all_to_tensor(results[key])
            for key in self.keys
            if results.get(key) is not None
        }
        if len(inputs) == 1:
            inputs = next(iter(inputs.values()))

        explicit = set(self.meta_keys) | set(self.data_keys)
        sample = DataSample()
        sample.set_predefined_data(
            {k: v for k, v in results.items() if k not in explicit}
        )
        sample.set_metainfo(
            {k: results[k] for k in self.meta_keys if k in results}
        )
        sample.set_tensor_data(
            {k: results[k] for k in self.data_keys if k in results}
        )
        return {'inputs': inputs, 'data_samples': sample}

    def __repr__(self) -> str:
        """The class name alone, as MMagic's ``PackInputs`` prints."""
        return self.__class__.__name__
