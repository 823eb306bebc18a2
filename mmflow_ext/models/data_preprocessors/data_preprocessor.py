# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Editing ``DataPreprocessor``: batch, convert channels, normalize, pad,
and undo all of it (:meth:`DataPreprocessor.destruct`) for the outputs.

The steps are the shared ones of :mod:`mmflow_ext.models.utils`, the
padding follows :mod:`mmflow_ext.structures.padding` (recorded in MMagic's
form) and the channel orders are read by :mod:`.channel_order`. Nothing is
carried from :meth:`~DataPreprocessor.forward` to
:meth:`~DataPreprocessor.destruct` but the data samples' metainfo.
"""

from logging import WARNING
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.logging import print_log
from mmengine.model import ImgDataPreprocessor
from torch import Tensor

from mmflow_ext.registry import MODELS
from mmflow_ext.structures import DataSample
from mmflow_ext.structures.padding import (
    Padding,
    bottom_right_padding,
    crop_padding,
    edit_padding_size,
    padded_shape,
    read_padding,
    scale_padding,
)

from ..utils import (
    active_normalization,
    check_std,
    empty_batch,
    fill_padding,
    flip_channels,
    flipped_channels,
    write_normalized,
)
from .channel_order import (
    batch_channel_order,
    channel_dim,
    parse_channel_order,
)

__all__ = ['DataPreprocessor']

Number = Union[int, float]
Samples = Union[List[DataSample], DataSample, None]

_PAD_MODES = ('constant', 'reflect', 'replicate', 'circular')


def _as_list(value: Union[None, str, Sequence[str]]) -> List[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _as_floats(
    name: str, value: Union[None, Number, Sequence[Number]]
) -> Optional[List[float]]:
    if value is None:
        return None
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    if len(values) not in (1, 3):
        raise ValueError(f'{name} must have 1 or 3 values, got {value}')
    return [float(v) for v in values]


def _set_metainfo(sample, metainfo: dict) -> None:
    """``sample.set_metainfo(metainfo)`` for values the caller made for
    this sample alone (new tensors, numbers, strings, tuples).

    MMEngine's ``set_metainfo`` deep-copies every value first, about 10 µs
    per tensor, which adds up to a large share of a batch's preprocessing.

    Args:
        sample (BaseDataElement): The sample, changed in place.
        metainfo (dict): Metainfo name to value; no value may be shared
            with anything the caller keeps.
    """
    for name, value in metainfo.items():
        sample.set_field(value, name, field_type='metainfo')


def _as_samples(data_samples: Samples) -> Tuple[bool, list]:
    """Whether ``data_samples`` is one unstacked sample, and the metainfo
    values of each sample: ``[(padding_size, pad_shape), ...]``."""
    if isinstance(data_samples, list):
        return False, [
            (s.metainfo.get('padding_size'), s.metainfo.get('pad_shape'))
            for s in data_samples
        ]
    metainfo = data_samples.metainfo
    paddings = metainfo.get('padding_size')
    pad_shapes = metainfo.get('pad_shape')
    if not isinstance(paddings, list):
        return True, [(paddings, pad_shapes)]
    if not isinstance(pad_shapes, list):
        pad_shapes = [pad_shapes] * len(paddings)
    return False, list(zip(paddings, pad_shapes))


@MODELS.register_module()
class DataPreprocessor(ImgDataPreprocessor):
    """Data preprocessor of editing models.

    ``inputs`` may be a batch tensor, a list of tensors (padded to a common
    size), a dict or a list of dicts. In a dict, tensors (or lists of
    tensors) are processed as images unless their key is a *non-image key*
    (only stacked), lists under a *non-concatenate key* collapse to their
    first value, and any other value (``num_batches``, ``None`` noise...)
    passes untouched.

    Images are cast to float, converted to ``output_channel_order``, padded
    on the bottom and right to a multiple of ``pad_size_divisor`` and
    normalized; ``pad_value`` is a pixel value before normalization on
    every path. Each data sample records its padding as MMagic does
    (:mod:`mmflow_ext.structures.padding`): ``padding_size``, a float
    tensor ending in the padded height and width, with 3 values for a batch
    given as one tensor (also a 5-D video one) and one per dimension of a
    sample for a list; plus ``pad_shape`` (the padded ``(h, w)``) and
    ``{key}_output_channel_order``. In training, the ``data_keys`` fields
    of the samples are converted and normalized the same way; in testing
    they are only converted to BGR. ``{key}_enable_norm`` records whether
    they were normalized. :meth:`destruct` undoes normalization, channel
    order and padding of model outputs, reading only the samples.

    Args:
        mean (float | Sequence[float], optional): Pixel mean (1 or 3
            values), in the output channel order. None disables
            normalization. Defaults to 127.5.
        std (float | Sequence[float], optional): Pixel std. Defaults to
            127.5.
        pad_size_divisor (int): Padded sizes are multiples of it.
            Defaults to 1.
        pad_value (float | int): Pixel value of constant padding.
            Defaults to 0.
        pad_mode (str): ``'constant'``, ``'reflect'``, ``'replicate'`` or
            ``'circular'``. Defaults to ``'constant'``.
        non_image_keys (str | list[str], optional): Dict input keys that
            are stacked but not processed, on top of ``['noise']``.
        non_concentate_keys (str | list[str], optional): Dict input keys
            whose list collapses to its (common) first value, on top of
            ``['num_batches', 'mode', 'sample_kwargs', 'eq_cfg']``.
        output_channel_order (str, optional): ``'RGB'``, ``'BGR'`` or None
            (no conversion). Defaults to None.
        data_keys (str | list[str], optional): Data sample fields processed
            with the inputs. Defaults to ``'gt_img'``.
        input_view (tuple, optional): Shape that ``mean`` / ``std`` take to
            normalize inputs. Defaults to None (channel axis).
        output_view (tuple, optional): Same for :meth:`destruct`.
        stack_data_sample (bool): Stack the data samples into one
            :class:`DataSample`. Defaults to True.

    Examples:
        >>> import torch
        >>> pre = DataPreprocessor(pad_size_divisor=4, data_keys=None)
        >>> img = torch.full((3, 5, 6), 255, dtype=torch.uint8)
        >>> out = pre(dict(inputs=[img]))
        >>> out['inputs'].shape, out['inputs'][0, 0, 0, 0].item()
        (torch.Size([1, 3, 8, 8]), 1.0)
        >>> out['data_samples'].padding_size
        [tensor([0., 3., 2.])]
        >>> pre.destruct(out['inputs'], out['data_samples']).shape
        torch.Size([1, 3, 5, 6])
    """

    _NON_IMAGE_KEYS = ('noise',)
    _NON_CONCATENATE_KEYS = ('num_batches', 'mode', 'sample_kwargs', 'eq_cfg')

    def __init__(
        self,
        mean: Union[None, Number, Sequence[Number]] = 127.5,
        std: Union[None, Number, Sequence[Number]] = 127.5,
        pad_size_divisor: int = 1,
        pad_value: Number = 0,
        pad_mode: str = 'constant',
        non_image_keys: Union[None, str, List[str]] = None,
        non_concentate_keys: Union[None, str, List[str]] = None,
        output_channel_order: Optional[str] = None,
        data_keys: Union[None, str, List[str]] = 'gt_img',
        input_view: Optional[tuple] = None,
        output_view: Optional[tuple] = None,
        stack_data_sample: bool = True,
    ) -> None:
        check_std(std, 'DataPreprocessor')
        super().__init__(
            _as_floats('mean', mean),
            _as_floats('std', std),
            pad_size_divisor,
            pad_value,
        )
        if output_channel_order not in (None, 'RGB', 'BGR'):
            raise ValueError(
                "output_channel_order must be 'RGB', 'BGR' or "
                f"None, got {output_channel_order!r}"
            )
        if pad_mode not in _PAD_MODES:
            raise ValueError(
                f'pad_mode must be one of {_PAD_MODES}, got {pad_mode!r}'
            )
        self.output_channel_order = output_channel_order
        self.pad_mode = pad_mode
        # per-instance copies: extra keys never leak into other instances
        self._NON_IMAGE_KEYS = list(self._NON_IMAGE_KEYS) + _as_list(
            non_image_keys
        )
        self._NON_CONCATENATE_KEYS = list(
            self._NON_CONCATENATE_KEYS
        ) + _as_list(non_concentate_keys)
        self.data_keys = _as_list(data_keys)
        self.input_view = input_view
        self.output_view = output_view
        self.stack_data_sample = stack_data_sample
        self._warned: set = set()

    # ------------------------------------------------------------ helpers
    def _warn_once(self, message: str) -> None:
        if message not in self._warned:
            self._warned.add(message)
            print_log(message, 'current', WARNING)

    #: :func:`.channel_order.parse_channel_order` and
    #: :func:`.channel_order.batch_channel_order` under MMagic's names
    _parse_channel_order = staticmethod(parse_channel_order)
    _parse_batch_channel_order = staticmethod(batch_channel_order)

    def _plan_conversion(
        self, order: str, target: Optional[str]
    ) -> Tuple[bool, str]:
        """Whether converting ``order`` to ``target`` swaps channels, and
        the order the images have afterwards."""
        if target is None or order.upper() == target.upper():
            return False, order
        if order.upper() in ('BGR', 'RGB'):
            return True, target
        if order.lower() == 'single':
            self._warn_once(
                'Cannot convert single-channel images to '
                f'{target}; they are left as they are.'
            )
            return False, order
        raise ValueError(f'Unsupported channel order {order!r}')

    def _norm_shape(self, tensor: Tensor, view: Optional[tuple]) -> list:
        if view is not None:
            return list(view)
        if tensor.ndim == 2:
            return [1, -1]
        return [1] * (tensor.ndim - 3) + [-1, 1, 1]

    def _check_norm_channels(self, tensor: Tensor) -> None:
        if self.input_view is not None:
            return
        channels = tensor.shape[channel_dim(tensor)]
        if self.mean.numel() not in (1, channels):
            raise ValueError(
                f'mean/std have {self.mean.numel()} values but '
                f'the images have {channels} channels'
            )

    def _convert_and_norm(
        self,
        value: Tensor,
        order: str,
        target: Optional[str],
        norm: Optional[Tuple[Optional[Tensor], Optional[Tensor]]],
        out: Optional[Tensor] = None,
    ) -> Tuple[Tensor, str]:
        """Convert ``value`` from ``order`` to ``target`` and normalize it.

        Args:
            value (Tensor): A data sample field.
            order (str): Its channel order.
            target (str, optional): The order wanted; None keeps it.
            norm (tuple, optional): ``(mean, std)`` shaped ``(C, 1, 1)``
                from :func:`active_normalization`; None: no normalization.
            out (Tensor, optional): Where to write the normalized
                ``(C, H, W)`` / ``(T, C, H, W)`` result (a slot of the
                stacked batch); None: a new tensor.

        Returns:
            tuple: The result (float when normalized) and its channel
            order.
        """
        flip, order = self._plan_conversion(order, target)
        if norm is None or self.input_view is not None or value.ndim < 3:
            if flip:
                value = flip_channels(value, channel_dim(value))
            if norm is None:
                return value, order
            self._check_norm_channels(value)
            shape = self._norm_shape(value, self.input_view)
            mean, std = self.mean.view(shape), self.std.view(shape)
            if value.is_floating_point():
                return (value - mean) / std, order
            return value.float().sub_(mean).div_(std), order
        self._check_norm_channels(value)
        if out is None:
            out = torch.empty(
                value.shape,
                dtype=torch.promote_types(value.dtype, self.mean.dtype),
                device=value.device,
            )
        channels = flipped_channels(value.shape[-3]) if flip else None
        write_normalized(out, value, channels, *norm)
        return out, order

    def _record(
        self,
        data_samples: Optional[List[DataSample]],
        paddings: List[Padding],
        pad_shape: Tuple[int, int],
        ndim: int,
        key: str,
        order: str,
    ) -> List[DataSample]:
        """Write MMagic's ``padding_size`` (``ndim`` values), ``pad_shape``
        and ``{key}_output_channel_order`` into the samples."""
        if not data_samples:
            data_samples = [DataSample() for _ in paddings]
        for sample, padding in zip(data_samples, paddings):
            _set_metainfo(
                sample,
                {
                    'padding_size': edit_padding_size(padding, ndim),
                    'pad_shape': pad_shape,
                    f'{key}_output_channel_order': order,
                },
            )
        return data_samples

    @staticmethod
    def _check_count(
        data_samples: Optional[List[DataSample]], count: int
    ) -> None:
        if data_samples and len(data_samples) != count:
            raise ValueError(
                f'Got {count} images but {len(data_samples)} data samples'
            )

    # ------------------------------------------------------------ inputs
    def _preprocess_image_tensor(
        self,
        inputs: Tensor,
        data_samples: Optional[List[DataSample]] = None,
        key: str = 'img',
    ) -> Tuple[Tensor, List[DataSample]]:
        """Process a ``(N, C, H, W)`` or ``(N, T, C, H, W)`` batch; its
        ``padding_size`` has 3 values, as MMagic writes it."""
        if inputs.ndim not in (4, 5):
            raise ValueError(
                f'"{key}" must be a (N, C, H, W) or '
                '(N, T, C, H, W) tensor, got shape '
                f'{tuple(inputs.shape)}'
            )
        return self._preprocess_image_list(
            list(inputs), data_samples, key, padding_ndim=3
        )

    def _preprocess_image_list(
        self,
        tensors: List[Tensor],
        data_samples: Optional[List[DataSample]] = None,
        key: str = 'img',
        padding_ndim: Optional[int] = None,
    ) -> Tuple[Tensor, List[DataSample]]:
        """Pad, stack, convert and normalize a list of images.

        ``padding_size`` gets ``padding_ndim`` values, by default one per
        dimension of a sample (as MMagic writes it for lists).
        """
        self._check_count(data_samples, len(tensors))
        dims = {t.ndim for t in tensors}
        if len(dims) != 1 or dims.pop() not in (3, 4):
            raise ValueError(
                f'Images of "{key}" must all be (C, H, W) or '
                'all (T, C, H, W), got shapes '
                f'{[tuple(t.shape) for t in tensors]}'
            )
        samples = data_samples or [DataSample() for _ in tensors]
        order = self._parse_batch_channel_order(key, tensors, samples)
        lead = {tuple(t.shape[:-2]) for t in tensors}
        if len(lead) != 1:
            raise ValueError(
                f'Images of "{key}" differ in more than height '
                f'and width: {[tuple(t.shape) for t in tensors]}'
            )
        shapes = [tuple(t.shape[-2:]) for t in tensors]
        pad_shape = padded_shape(shapes, size_divisor=self.pad_size_divisor)
        flip, order = self._plan_conversion(order, self.output_channel_order)
        batch = self._pad_and_stack(tensors, pad_shape, flip)
        paddings = [bottom_right_padding(shape, pad_shape) for shape in shapes]
        return batch, self._record(
            data_samples,
            paddings,
            pad_shape,
            padding_ndim or tensors[0].ndim,
            key,
            order,
        )

    def _pad_and_stack(
        self, tensors: List[Tensor], pad_shape: Tuple[int, int], flip: bool
    ) -> Tensor:
        """A new float32 batch of ``tensors`` padded to ``pad_shape`` in
        pixel space, channels swapped when ``flip``, and normalized."""
        if self._enable_normalize:
            self._check_norm_channels(tensors[0])
        first = tensors[0]
        height, width = pad_shape
        if self.pad_mode != 'constant':
            tensors = [self._pad_border(t, pad_shape) for t in tensors]
        order = flipped_channels(first.shape[-3]) if flip else None
        # per-sample normalization where mean/std broadcast against one
        # sample; a custom input_view normalizes the whole batch after
        per_sample = self._enable_normalize and self.input_view is None
        mean, std = (
            active_normalization(self.mean, self.std)
            if per_sample
            else (None, None)
        )
        pad_value = float(self.pad_value)
        if per_sample and any(
            tuple(t.shape[-2:]) != tuple(pad_shape) for t in tensors
        ):
            # the pixel value, normalized as the pixels are
            pad_value = (
                torch.full_like(self.mean, pad_value) - self.mean
            ) / self.std
        batch = empty_batch(
            (len(tensors),) + tuple(first.shape[:-2]) + (height, width),
            torch.float32,
            first.device,
        )
        for slot, t in zip(batch, tensors):
            write_normalized(slot, t, order, mean, std)
            fill_padding(slot, t.shape[-2], t.shape[-1], pad_value)
        if self._enable_normalize and not per_sample:
            shape = self._norm_shape(batch, self.input_view)
            batch.sub_(self.mean.view(shape)).div_(self.std.view(shape))
        return batch

    def _pad_border(
        self, tensor: Tensor, pad_shape: Tuple[int, int]
    ) -> Tensor:
        """``tensor`` as float, padded to ``pad_shape`` by ``pad_mode``."""
        if tuple(tensor.shape[-2:]) == tuple(pad_shape):
            return tensor
        pad = (
            0,
            pad_shape[1] - tensor.shape[-1],
            0,
            pad_shape[0] - tensor.shape[-2],
        )
        flat = tensor.float().reshape((-1,) + tuple(tensor.shape[-3:]))
        return F.pad(flat, pad, self.pad_mode).reshape(
            tuple(tensor.shape[:-2]) + tuple(pad_shape)
        )

    def _preprocess_dict_inputs(
        self,
        batch_inputs: dict,
        data_samples: Optional[List[DataSample]] = None,
    ) -> Tuple[dict, Optional[List[DataSample]]]:
        """Process every image entry of a dict of inputs."""
        batch_inputs = dict(batch_inputs)
        paddings: Dict[str, List[Tensor]] = {}
        for key, value in batch_inputs.items():
            if isinstance(value, list):
                if key in self._NON_CONCATENATE_KEYS:
                    if any(v != value[0] for v in value):
                        raise ValueError(
                            f'Non-concatenate key "{key}" must '
                            'hold one value for the whole '
                            f'batch, got {value}'
                        )
                    batch_inputs[key] = value[0]
                    continue
                if not all(isinstance(v, Tensor) for v in value):
                    if key in self._NON_IMAGE_KEYS:
                        continue
                    raise TypeError(
                        f'Input "{key}" is a list of '
                        f'{type(value[0]).__name__}; only lists '
                        'of tensors can be batched'
                    )
                if key in self._NON_IMAGE_KEYS:
                    batch_inputs[key] = torch.stack(value)
                    continue
                batch_inputs[key], data_samples = self._preprocess_image_list(
                    value, data_samples, key
                )
            elif isinstance(value, Tensor) and key not in self._NON_IMAGE_KEYS:
                batch_inputs[key], data_samples = (
                    self._preprocess_image_tensor(value, data_samples, key)
                )
            else:
                continue
            paddings[key] = [s.metainfo['padding_size'] for s in data_samples]
        self._check_same_padding(paddings)
        return batch_inputs, data_samples

    @staticmethod
    def _check_same_padding(paddings: Dict[str, List[Tensor]]) -> None:
        if len(paddings) < 2:
            return
        (first_key, first), *others = paddings.items()
        for key, sizes in others:
            for idx, (a, b) in enumerate(zip(first, sizes)):
                if read_padding(a) != read_padding(b):
                    raise ValueError(
                        f'Inputs "{first_key}" and "{key}" of sample {idx} '
                        f'are padded differently ({a.tolist()} vs '
                        f'{b.tolist()}); all inputs of a sample must share '
                        'one padding'
                    )

    # ------------------------------------------------------------ samples
    def _preprocess_data_sample(
        self, data_samples: List[DataSample], training: bool
    ) -> Union[List[DataSample], DataSample]:
        """Convert (and in training normalize) the ``data_keys`` fields.

        When the samples are stacked, each normalized field is written
        straight into its slot of the stacked batch (the samples hold
        views of it), instead of into a tensor per sample copied again by
        the stacking.
        """
        if self.stack_data_sample and not all(
            isinstance(s, DataSample) for s in data_samples
        ):
            raise TypeError(
                'stack_data_sample=True needs DataSample '
                'instances, got '
                f'{sorted({type(s).__name__ for s in data_samples})}'
            )
        if training:
            target, do_norm = self.output_channel_order, self._enable_normalize
        else:
            target, do_norm = 'BGR', False
        # the buffers are (C, 1, 1) already (ImgDataPreprocessor)
        norm = active_normalization(self.mean, self.std) if do_norm else None
        batches: Dict[str, Tensor] = {}
        for key in self.data_keys:
            holders = [s for s in data_samples if key in s]
            if len(holders) < len(data_samples):
                self._warn_once(
                    f'Data key "{key}" is not in the data '
                    'sample; it is skipped.'
                )
            values = [s.get(key) for s in holders]
            batch = (
                self._field_batch(values)
                if do_norm
                and self.stack_data_sample
                and len(holders) == len(data_samples)
                else None
            )
            for idx, (sample, value) in enumerate(zip(holders, values)):
                order = self._parse_channel_order(key, value, sample)
                value, order = self._convert_and_norm(
                    value,
                    order,
                    target,
                    norm,
                    None if batch is None else batch[idx],
                )
                sample.set_data({key: value})
                _set_metainfo(
                    sample,
                    {
                        f'{key}_enable_norm': do_norm,
                        f'{key}_output_channel_order': order,
                        f'{key}_mean': self.mean.clone() if do_norm else None,
                        f'{key}_std': self.std.clone() if do_norm else None,
                    },
                )
            if batch is not None:
                batches[key] = batch
        if not self.stack_data_sample:
            return data_samples
        return DataSample.stack(data_samples, batches)

    def _field_batch(self, values: List[object]) -> Optional[Tensor]:
        """A new float batch for the normalized ``values`` of one field, or
        None when they cannot share one (not all tensors of one shape,
        dtype and device, not ``(C, H, W)`` / ``(T, C, H, W)``, or a custom
        ``input_view``)."""
        first = values[0]
        if (
            self.input_view is not None
            or not isinstance(first, Tensor)
            or first.ndim not in (3, 4)
        ):
            return None
        if not all(
            isinstance(v, Tensor)
            and v.shape == first.shape
            and v.dtype == first.dtype
            and v.device == first.device
            for v in values
        ):
            return None
        return empty_batch(
            (len(values),) + tuple(first.shape),
            torch.promote_types(first.dtype, self.mean.dtype),
            first.device,
        )

    def forward(self, data: dict, training: bool = False) -> dict:
        """Preprocess one batch from the dataloader.

        Args:
            data (dict): ``inputs`` and optional ``data_samples``.
            training (bool): Whether in training. Defaults to False.

        Returns:
            dict: Processed ``inputs`` and ``data_samples`` (one stacked
            :class:`DataSample` when ``stack_data_sample``).
        """
        data = self.cast_data(data)
        inputs = data['inputs']
        data_samples = data.get('data_samples', None)
        if isinstance(inputs, Tensor):
            inputs, data_samples = self._preprocess_image_tensor(
                inputs, data_samples
            )
        elif (
            isinstance(inputs, (list, tuple))
            and inputs
            and all(isinstance(t, Tensor) for t in inputs)
        ):
            inputs, data_samples = self._preprocess_image_list(
                list(inputs), data_samples
            )
        elif isinstance(inputs, dict):
            inputs, data_samples = self._preprocess_dict_inputs(
                inputs, data_samples
            )
        elif (
            isinstance(inputs, (list, tuple))
            and inputs
            and all(isinstance(d, dict) for d in inputs)
        ):
            merged = {k: [d[k] for d in inputs] for k in inputs[0]}
            inputs, data_samples = self._preprocess_dict_inputs(
                merged, data_samples
            )
        else:
            raise TypeError(
                'inputs must be a Tensor, a list of Tensors, a '
                f'dict or a list of dicts, got {type(inputs)}'
            )
        if data_samples:
            data_samples = self._preprocess_data_sample(data_samples, training)
        return {**data, 'inputs': inputs, 'data_samples': data_samples}

    # ------------------------------------------------------------ destruct
    def destruct(
        self, outputs: Tensor, data_samples: Samples = None, key: str = 'img'
    ) -> Union[Tensor, List[Tensor]]:
        """Undo normalization, channel conversion (back to BGR) and padding
        of ``outputs``, and clamp them to ``[0, 255]``.

        Args:
            outputs (Tensor): A batch ``(N, C, H, W)`` / ``(N, T, C, H, W)``
                with a list or a stacked sample, or one image with one
                unstacked sample.
            data_samples (list[DataSample] | DataSample, optional): The
                samples :meth:`forward` returned for these outputs.
            key (str): Input key whose processing is undone. Defaults to
                ``'img'``.

        Returns:
            Tensor | list[Tensor]: Float images in ``[0, 255]``; a list
            when the samples of a batch were padded differently.
        """
        order = self._output_order(outputs, data_samples, key)
        single, paddings = self._paddings(outputs, data_samples)
        batch = outputs[None] if single else outputs
        if paddings is not None and len(set(paddings)) > 1:
            return [
                self._restore(crop_padding(img, padding), order)
                for img, padding in zip(batch, paddings)
            ]
        if paddings is not None:
            batch = crop_padding(batch, paddings[0])
        restored = self._restore(batch, order)
        return restored[0] if single else restored

    def _output_order(
        self, outputs: Tensor, data_samples: Samples, key: str
    ) -> str:
        meta_key = f'{key}_output'
        if isinstance(data_samples, list):
            return self._parse_batch_channel_order(
                meta_key, list(outputs), data_samples
            )
        return self._parse_channel_order(meta_key, outputs, data_samples)

    def _paddings(
        self, outputs: Tensor, data_samples: Samples
    ) -> Tuple[bool, Optional[List[Padding]]]:
        """Whether ``outputs`` is one unbatched image, and each sample's
        padding scaled to the outputs' size (None: unknown)."""
        if data_samples is None:
            return False, None
        single, recorded = _as_samples(data_samples)
        if any(padding is None for padding, _ in recorded):
            self._warn_once(
                'No "padding_size" in the data samples; '
                'outputs are returned uncropped.'
            )
            return single, None
        size = tuple(outputs.shape[-2:])
        return single, [
            scale_padding(read_padding(padding), size, pad_shape)
            for padding, pad_shape in recorded
        ]

    def _restore(self, batch: Tensor, order: str) -> Tensor:
        """A new tensor: ``batch`` de-normalized, in BGR, clamped."""
        flip = order.upper() == 'RGB'
        if not self._enable_normalize:
            restored = (
                flip_channels(batch, channel_dim(batch))
                if flip
                else batch.clone()
            )
            return restored.float().clamp_(0, 255)
        shape = self._norm_shape(batch, self.output_view)
        mean, std = self.mean.view(shape), self.std.view(shape)
        if flip:
            batch = flip_channels(batch, channel_dim(batch))
            if self.mean.numel() > 1:
                mean = flip_channels(mean, channel_dim(mean))
                std = flip_channels(std, channel_dim(std))
            return batch.mul_(std).add_(mean).clamp_(0, 255)
        return batch.mul(std).add_(mean).clamp_(0, 255)
