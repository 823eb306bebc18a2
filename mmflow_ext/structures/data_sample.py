# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``DataSample``: what one editing sample (or a stacked batch) carries."""

from copy import deepcopy
from numbers import Number
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.structures import BaseDataElement, LabelData

from .image_layout import all_to_tensor
from .typed_fields import TypedFieldsMixin

__all__ = ['DataSample', 'format_label']

LabelLike = Union[torch.Tensor, np.ndarray, Sequence[Number], Number]


def format_label(
    value: LabelLike, num_classes: Optional[int] = None
) -> LabelData:
    """Turn a label of any usual Python type into a :class:`LabelData`.

    Args:
        value (Tensor | np.ndarray | Sequence[int] | int): The label(s).
        num_classes (int, optional): When given, it is stored in the
            metainfo and every label must lie in ``[0, num_classes)``.

    Returns:
        LabelData: ``label`` is a 1-D tensor.

    Raises:
        TypeError: For an unsupported label type.
        ValueError: For a label outside ``[0, num_classes)``.
    """
    if isinstance(value, (torch.Tensor, np.ndarray)) and value.ndim == 0:
        value = value.item()
    if isinstance(value, np.ndarray):
        label = torch.from_numpy(value)
    elif isinstance(value, torch.Tensor):
        label = value
    elif isinstance(value, (list, tuple)):
        label = torch.tensor(value)
    elif isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        label = torch.tensor([int(value)])
    else:
        raise TypeError(
            f'gt_label must be an int, a sequence of ints, an '
            f'array or a tensor, got {type(value).__name__}'
        )
    metainfo = {}
    if num_classes is not None:
        metainfo['num_classes'] = num_classes
        if label.numel() and (label.max() >= num_classes or label.min() < 0):
            raise ValueError(
                f'gt_label {label.tolist()} is outside '
                f'[0, num_classes={num_classes})'
            )
    return LabelData(label=label, metainfo=metainfo)


def _is_splittable(value: Any) -> bool:
    return isinstance(
        value, (DataSample, torch.Tensor, np.ndarray, list, tuple)
    ) and not isinstance(value, str)


def _own_copy(value: Any) -> Any:
    """A copy of a metainfo value that shares nothing mutable with it (what
    ``set_metainfo``'s deep copy gives, without its cost for tensors and
    immutable values).

    Args:
        value (Any): The value.

    Returns:
        Any: ``value`` itself when immutable, a clone of a tensor, a deep
        copy otherwise.
    """
    if value is None or isinstance(value, (Number, str, bytes)):
        return value
    if isinstance(value, torch.Tensor) and not value.requires_grad:
        return value.clone()
    return deepcopy(value)


def _check_slots(
    key: str, values: List[Any], batch: torch.Tensor
) -> torch.Tensor:
    """``batch`` when ``values[i]`` is its slot ``batch[i]`` for every
    sample (the same memory, shape and strides).

    Args:
        key (str): The field, for the error message.
        values (list): Each sample's value of the field.
        batch (Tensor): The stacked field.

    Returns:
        Tensor: ``batch``.

    Raises:
        ValueError: When a value is not its slot.
    """
    if len(batch) != len(values):
        raise ValueError(
            f'Cannot stack field "{key}": the given batch has {len(batch)} '
            f'slots for {len(values)} samples'
        )
    for idx, (value, slot) in enumerate(zip(values, batch)):
        if not (
            isinstance(value, torch.Tensor)
            and value.data_ptr() == slot.data_ptr()
            and value.shape == slot.shape
            and value.stride() == slot.stride()
            and value.dtype == slot.dtype
        ):
            raise ValueError(
                f'Cannot stack field "{key}": the value of sample {idx} is '
                'not its slot of the given batch'
            )
    return batch


class DataSample(TypedFieldsMixin, BaseDataElement):
    """Data sample of image editing: the interface between the dataset, the
    model, the evaluator and the visualizer.

    Pipeline results are mapped onto fields by :attr:`DATA_KEYS` (``gt`` →
    ``gt_img``, ``ref`` → ``ref_img``, ``merged`` → ``gt_merged``, ``fg`` /
    ``bg`` / ``alpha`` → ``gt_fg`` / ``gt_bg`` / ``gt_alpha``, others keep
    their name) and onto metainfo by :attr:`META_KEYS`. The low-quality
    ``img`` is the model input and never enters the sample.

    :meth:`stack` builds a batch (``len`` is the number of samples
    stacked) that :meth:`split` takes apart again. A sample built directly
    is a batch when one of its tensors has four or more dimensions (e.g.
    ``pred_img`` of shape ``N×C×H×W``, as a model builds its outputs): its
    ``len`` is then the first dimension its splittable values share, as in
    MMagic. Otherwise it holds one sample and ``len`` is 1, also for a
    ``C×H×W`` image (MMagic would say ``C``).

    Examples:
        >>> import torch
        >>> a = DataSample(gt_img=torch.zeros(3, 4, 4),
        ...                metainfo=dict(gt_path='a.png'))
        >>> b = DataSample(gt_img=torch.ones(3, 4, 4),
        ...                metainfo=dict(gt_path='b.png'))
        >>> len(a)
        1
        >>> batch = DataSample.stack([a, b])
        >>> len(batch), batch.gt_img.shape, batch.gt_path
        (2, torch.Size([2, 3, 4, 4]), ['a.png', 'b.png'])
        >>> [s.gt_path for s in batch.split()]
        ['a.png', 'b.png']
        >>> outputs = DataSample(pred_img=torch.zeros(2, 3, 4, 4))
        >>> len(outputs), outputs.split()[1].pred_img.shape
        (2, torch.Size([3, 4, 4]))
    """

    #: pipeline result key -> metainfo key
    META_KEYS: Dict[str, str] = {
        name: name
        for name in (
            'img_path',
            'gt_path',
            'merged_path',
            'trimap_path',
            'ori_shape',
            'img_shape',
            'ori_merged_shape',
            'ori_trimap_shape',
            'trimap_channel_order',
            'empty_box',
            'ori_img_shape',
            'ori_gt_shape',
            'img_channel_order',
            'gt_channel_order',
            'gt_color_type',
            'img_color_type',
            'sample_idx',
            'num_input_frames',
            'num_output_frames',
            'mask_bbox',
            'coord',
            'cell',
        )
    }

    #: pipeline result key -> data field (other data keys keep their name)
    DATA_KEYS: Dict[str, str] = dict(
        gt='gt_img',
        merged='gt_merged',
        fg='gt_fg',
        bg='gt_bg',
        alpha='gt_alpha',
        ref='ref_img',
        gt_label='gt_label',
        gt_heatmap='gt_heatmap',
        gt_unsharp='gt_unsharp',
        ori_alpha='ori_alpha',
        gt_rgb='gt_rgb',
        img_lq='img_lq',
        ref_lq='ref_lq',
        mask='mask',
        trimap='trimap',
        gray='gray',
        cropped_img='cropped_img',
        pred_img='pred_img',
        ori_trimap='ori_trimap',
        prompt='prompt',
        latent='latent',
        feats='feats',
    )

    #: data fields whose values must have a given type
    typed_fields = {'gt_label': LabelData}

    def __init__(self, *, metainfo: Optional[dict] = None, **kwargs) -> None:
        object.__setattr__(self, '_batch_size', None)
        super().__init__(metainfo=metainfo, **kwargs)

    # ------------------------------------------------------------ fields
    def set_predefined_data(self, data: dict) -> None:
        """Set the metainfo and data fields that ``data`` has under the
        known pipeline keys (:attr:`META_KEYS`, :attr:`DATA_KEYS`).

        Args:
            data (dict): Pipeline results; unknown keys are ignored.
        """
        self.set_metainfo(
            {
                self.META_KEYS[k]: v
                for k, v in data.items()
                if k in self.META_KEYS
            }
        )
        self.set_tensor_data(
            {
                self.DATA_KEYS[k]: v
                for k, v in data.items()
                if k in self.DATA_KEYS
            }
        )

    def set_tensor_data(self, data: dict) -> None:
        """Set data fields, turning images into tensors.

        ``H×W(×C)`` arrays become ``C×H×W`` tensors of the same dtype, lists
        of frames ``T×C×H×W``; numbers and 1-D arrays become tensors;
        ``gt_label`` goes through :meth:`set_gt_label`; ``prompt`` stays a
        string (or list of strings).

        Args:
            data (dict): Field name -> value.

        Raises:
            TypeError: When ``data`` is not a dict or a value cannot become
                a tensor (the error names the key).
        """
        if not isinstance(data, dict):
            raise TypeError(f'data must be a dict, got {type(data).__name__}')
        for key, value in data.items():
            if key == 'gt_label':
                self.set_gt_label(value)
            elif key == 'prompt':
                self.set_field(value, key, dtype=(str, list))
            else:
                self.set_field(self._to_tensor(key, value), key)

    @staticmethod
    def _to_tensor(key: str, value: Any) -> torch.Tensor:
        value = all_to_tensor(value)
        if isinstance(value, torch.Tensor):
            return value
        if isinstance(value, np.ndarray) or (
            isinstance(value, Number) and not isinstance(value, bool)
        ):
            return torch.as_tensor(value)
        raise TypeError(
            f'DataSample field "{key}" must be an image, a list '
            f'of frames, an array or a number, got '
            f'{type(value).__name__}'
        )

    def set_gt_label(self, value: LabelLike) -> 'DataSample':
        """Set ``gt_label``, checked against metainfo ``num_classes``.

        Args:
            value (Tensor | np.ndarray | Sequence[int] | int): The label.

        Returns:
            DataSample: This sample.
        """
        label = format_label(value, self.get('num_classes'))
        if 'gt_label' in self:
            self.gt_label.label = label.label
        else:
            self.gt_label = label
        return self

    def set_gt_prompt(self, value: Union[str, List[str]]) -> 'DataSample':
        """Set the ``prompt`` field.

        Args:
            value (str | list[str]): The prompt(s).

        Returns:
            DataSample: This sample.
        """
        self.set_field(value, 'prompt', dtype=(str, list))
        return self

    # ------------------------------------------------------------ copies
    def new(
        self, *, metainfo: Optional[dict] = None, **kwargs
    ) -> 'DataSample':
        """A new sample of the same kind (stacked or not), see
        :meth:`mmengine.structures.BaseDataElement.new`."""
        new_data = super().new(metainfo=metainfo, **kwargs)
        object.__setattr__(new_data, '_batch_size', self._batch_size)
        return new_data

    def clone(self) -> 'DataSample':
        """A copy of this sample that keeps it stacked or not."""
        cloned = super().clone()
        object.__setattr__(cloned, '_batch_size', self._batch_size)
        return cloned

    # ------------------------------------------------------------ batches
    @property
    def is_stacked(self) -> bool:
        """bool: Whether this sample was made by :meth:`stack`."""
        return self._batch_size is not None

    def _holds_batch(self) -> bool:
        """Whether this sample is a batch: stacked, or holding a tensor of
        four or more dimensions."""
        return self.is_stacked or any(
            isinstance(v, torch.Tensor) and v.ndim >= 4 for v in self.values()
        )

    def __len__(self) -> int:
        """Number of samples.

        Stacked: the number stacked. Holding a tensor of four or more
        dimensions: the length all splittable values share (1 when they
        differ), as in MMagic. Otherwise 1.
        """
        if self._batch_size is not None:
            return self._batch_size
        if not self._holds_batch():
            return 1
        lengths = set()
        for value in list(self.values()) + list(self.metainfo_values()):
            if isinstance(value, LabelData):
                lengths.add(value.label.shape[0])
            elif isinstance(value, torch.Tensor) and value.ndim == 0:
                continue
            elif _is_splittable(value):
                lengths.add(len(value))
        return lengths.pop() if len(lengths) == 1 else 1

    @classmethod
    def stack(
        cls,
        data_samples: Sequence['DataSample'],
        batches: Optional[Dict[str, torch.Tensor]] = None,
    ) -> 'DataSample':
        """Stack samples into one: tensors along a new first dimension,
        labels into one ``LabelData``, other values and metainfo as lists.

        Args:
            data_samples (Sequence[DataSample]): Samples with the same data
                and metainfo keys (order does not matter).
            batches (dict[str, Tensor], optional): Fields stacked already:
                each sample's value of such a key is its slot
                ``batch[i]`` (a view), and the batch is taken as it is
                instead of a copy. Defaults to None.

        Returns:
            DataSample: A stacked sample whose ``len`` is the number of
            samples.

        Raises:
            ValueError: When the sequence is empty, keys differ, or a
                sample's value is not its slot of the given batch.
            TypeError: When one field has different types across samples.
        """
        batches = batches or {}
        if len(data_samples) == 0:
            raise ValueError('DataSample.stack needs at least one sample')
        first = data_samples[0]
        keys, meta_keys = set(first.keys()), set(first.metainfo_keys())
        for idx, sample in enumerate(data_samples[1:], start=1):
            for kind, own, other in (
                ('data', keys, set(sample.keys())),
                ('metainfo', meta_keys, set(sample.metainfo_keys())),
            ):
                if own != other:
                    raise ValueError(
                        f'Cannot stack: sample {idx} has {kind} keys '
                        f'{sorted(other)} but sample 0 has {sorted(own)}'
                    )
        stacked = cls()
        for key in sorted(keys):
            values = [sample.get(key) for sample in data_samples]
            kinds = {type(v) for v in values}
            if len(kinds) != 1:
                raise TypeError(
                    f'Cannot stack field "{key}": mixed types '
                    f'{sorted(k.__name__ for k in kinds)}'
                )
            if key in batches:
                value = _check_slots(key, values, batches[key])
            elif isinstance(values[0], torch.Tensor):
                value = torch.stack(values)
            elif isinstance(values[0], LabelData):
                value = LabelData(
                    label=torch.stack([v.label for v in values]),
                    metainfo=values[0].metainfo,
                )
            elif isinstance(values[0], DataSample):
                value = cls.stack(values)
            else:
                value = values
            stacked.set_field(value, key)
        metas = [sample.metainfo for sample in data_samples]
        for key in sorted(meta_keys):
            stacked.set_field(
                [_own_copy(meta[key]) for meta in metas],
                key,
                field_type='metainfo',
            )
        object.__setattr__(stacked, '_batch_size', len(data_samples))
        return stacked

    def split(self, allow_nonseq_value: bool = False) -> List['DataSample']:
        """Split a stacked sample along its first dimension.

        A sample that holds one sample (see :meth:`__len__`) splits into a
        list holding one copy.

        Args:
            allow_nonseq_value (bool): Copy values that cannot be split (a
                number, a string) into every sample instead of raising.
                Defaults to False.

        Returns:
            list[DataSample]: ``len(self)`` samples.

        Raises:
            TypeError: For a value that cannot be split when
                ``allow_nonseq_value`` is False.
            ValueError: For a value whose length is not ``len(self)``.
        """
        if not self._holds_batch():
            return [self.clone()]
        size = len(self)
        samples = [DataSample() for _ in range(size)]
        meta_keys = set(self.metainfo_keys())
        for key in self.all_keys():
            value = self.get(key)
            if isinstance(value, LabelData):
                parts = [
                    LabelData(label=label, metainfo=value.metainfo)
                    for label in value.label
                ]
            elif isinstance(value, DataSample):
                parts = value.split(allow_nonseq_value)
            elif _is_splittable(value):
                parts = list(value)
            elif allow_nonseq_value:
                parts = [deepcopy(value) for _ in range(size)]
            else:
                raise TypeError(
                    f'Cannot split field "{key}": a {type(value).__name__} '
                    'is not a sequence; pass allow_nonseq_value=True to copy '
                    'it into every sample'
                )
            if len(parts) != size:
                raise ValueError(
                    f'Cannot split field "{key}": it holds '
                    f'{len(parts)} values for {size} samples'
                )
            field_type = 'metainfo' if key in meta_keys else 'data'
            for sample, part in zip(samples, parts):
                sample.set_field(part, key, field_type=field_type)
        return samples
