# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``MultiImageMixDataset``: a dataset wrapper for mixing augmentations."""

import collections.abc
import copy
from typing import Any, List, Optional, Sequence, Union

from mmengine.dataset import force_full_init

from mmflow_ext.registry import DATASETS, TRANSFORMS

__all__ = ['MultiImageMixDataset']


@DATASETS.register_module()
class MultiImageMixDataset:
    """Run a mixing pipeline (``RandomMosaic``, ...) over a dataset.

    Each item is the wrapped dataset's item, then passed through
    ``pipeline``. Before a transform that has ``get_indices(dataset)``, the
    items at those indices are fetched and handed to it as
    ``results['mix_results']`` (removed again after it). Transforms whose
    type name is in ``skip_type_keys`` are skipped.

    Args:
        dataset (dict | Dataset): The dataset (config or instance). Upstream
            accepts only a ``ConcatDataset`` instance; any dataset works
            here.
        pipeline (Sequence[dict | callable]): Transform configs (or
            transforms).
        skip_type_keys (Sequence[str], optional): Transform types to skip.
            Defaults to None.
        lazy_init (bool): Defer :meth:`full_init`. Defaults to False.

    Examples:
        >>> class Numbers:
        ...     metainfo = dict(classes=('a', ))
        ...     def full_init(self): ...
        ...     def __len__(self): return 3
        ...     def __getitem__(self, i): return dict(value=i)
        >>> wrapped = MultiImageMixDataset(Numbers(), pipeline=[])
        >>> len(wrapped), wrapped[2], wrapped.metainfo
        (3, {'value': 2}, {'classes': ('a',)})
    """

    def __init__(
        self,
        dataset: Union[dict, Any],
        pipeline: Sequence[Union[dict, Any]],
        skip_type_keys: Optional[Sequence[str]] = None,
        lazy_init: bool = False,
    ) -> None:
        if not isinstance(pipeline, collections.abc.Sequence):
            raise TypeError(
                'pipeline must be a list of transforms, got '
                f'{type(pipeline).__name__}'
            )
        self.dataset = (
            DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        )
        self._skip_type_keys = self._checked_keys(skip_type_keys)
        self.pipeline: List[Any] = []
        self.pipeline_types: List[str] = []
        for transform in pipeline:
            if isinstance(transform, dict):
                self.pipeline_types.append(
                    str(transform['type']).split('.')[-1]
                )
                self.pipeline.append(TRANSFORMS.build(transform))
            elif callable(transform):
                self.pipeline_types.append(type(transform).__name__)
                self.pipeline.append(transform)
            else:
                raise TypeError(
                    'pipeline entries must be transform configs '
                    f'or transforms, got {transform!r}'
                )
        self._metainfo = self.dataset.metainfo
        self.num_samples = len(self.dataset)
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @staticmethod
    def _checked_keys(
        skip_type_keys: Optional[Sequence[str]],
    ) -> Optional[List[str]]:
        if skip_type_keys is None:
            return None
        if not all(isinstance(key, str) for key in skip_type_keys):
            raise TypeError(
                'skip_type_keys must be transform type names, '
                f'got {skip_type_keys!r}'
            )
        return list(skip_type_keys)

    @property
    def metainfo(self) -> dict:
        """dict: A copy of the wrapped dataset's meta information."""
        return copy.deepcopy(self._metainfo)

    def full_init(self) -> None:
        """Fully initialize the wrapped dataset."""
        if self._fully_initialized:
            return
        if hasattr(self.dataset, 'full_init'):
            self.dataset.full_init()
        self._ori_len = len(self.dataset)
        self._fully_initialized = True

    @force_full_init
    def get_data_info(self, idx: int) -> dict:
        """The wrapped dataset's annotation of ``idx``."""
        return self.dataset.get_data_info(idx)

    @force_full_init
    def __len__(self) -> int:
        return self.num_samples

    def __getitem__(self, idx: int) -> Any:
        results = copy.deepcopy(self.dataset[idx])
        for transform, type_name in zip(self.pipeline, self.pipeline_types):
            if self._skip_type_keys and type_name in self._skip_type_keys:
                continue
            if hasattr(transform, 'get_indices'):
                indices = transform.get_indices(self.dataset)
                if not isinstance(indices, collections.abc.Sequence):
                    indices = [indices]
                results['mix_results'] = [
                    copy.deepcopy(self.dataset[index]) for index in indices
                ]
            results = transform(results)
            if results is not None:
                results.pop('mix_results', None)
        return results

    def update_skip_type_keys(self, skip_type_keys: Sequence[str]) -> None:
        """Change the skipped transform types (called by hooks).

        Args:
            skip_type_keys (Sequence[str]): Transform type names.
        """
        self._skip_type_keys = self._checked_keys(skip_type_keys)
