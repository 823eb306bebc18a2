# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Geometric transforms of editing pipelines (MMagic 1.x names):
``Flip``, ``RandomTransposeHW`` and the two-family ``Resize``.

Every transform takes a key or a list of keys; a key may hold one image or a
list of frames, which all get the same draw.
"""

from copy import deepcopy
from typing import Any, Dict, List, Optional, Sequence, Union

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms import Resize as MMCVResize
from mmengine.utils import is_tuple_of

from mmflow_ext.registry import TRANSFORMS

__all__ = ['Flip', 'RandomTransposeHW', 'Resize', 'EditResize', 'as_keys']

Keys = Union[str, Sequence[str]]


def as_keys(keys: Keys) -> List[str]:
    """A key or a list of keys as a list (MMagic's ``keys`` argument).

    Args:
        keys (str | list[str]): One key or several.

    Returns:
        list[str]: The keys.

    Examples:
        >>> as_keys('gt'), as_keys(['img', 'gt'])
        (['gt'], ['img', 'gt'])
    """
    return [keys] if isinstance(keys, str) else list(keys)


def _per_frame(value: Any, func) -> Any:
    """Apply ``func`` to an image or to every frame of a list."""
    if isinstance(value, list):
        return [func(v) for v in value]
    return func(value)


@TRANSFORMS.register_module()
class Flip(BaseTransform):
    """Flip images (or frame lists) with a probability, in place.

    One ``np.random.random()`` draw per call decides for all ``keys``, as in
    MMagic; ``flip_infos`` records it.

    Args:
        keys (str | list[str]): Results keys to flip.
        flip_ratio (float): Probability to flip. Defaults to 0.5.
        direction (str): ``'horizontal'`` or ``'vertical'``.

    Examples:
        >>> flip = Flip(keys='img', flip_ratio=1.)
        >>> img = np.arange(3, dtype=np.uint8).reshape(1, 3, 1)
        >>> out = flip(dict(img=img))
        >>> out['img'].ravel().tolist(), out['flip_infos'][0]['flip']
        ([2, 1, 0], True)
        >>> out['img'] is img  # flipped in place, as MMagic does
        True
    """

    _directions = ('horizontal', 'vertical')

    def __init__(
        self,
        keys: Keys,
        flip_ratio: float = 0.5,
        direction: str = 'horizontal',
    ) -> None:
        if direction not in self._directions:
            raise ValueError(
                f'Direction {direction} is not supported.'
                f'Currently support ones are '
                f'{list(self._directions)}'
            )
        self.keys = keys if isinstance(keys, list) else [keys]
        self.flip_ratio = flip_ratio
        self.direction = direction

    def transform(self, results: Dict) -> Dict:
        """Flip ``keys`` or not, and record the draw.

        Args:
            results (dict): Pipeline results holding ``keys``.

        Returns:
            dict: ``results``, flipped in place, with ``flip_infos``.
        """
        flip = np.random.random() < self.flip_ratio
        if flip:
            for key in self.keys:
                _per_frame(
                    results[key], lambda v: mmcv.imflip_(v, self.direction)
                )
        results.setdefault('flip_infos', []).append(
            dict(
                keys=self.keys,
                direction=self.direction,
                ratio=self.flip_ratio,
                flip=flip,
            )
        )
        return results

    def __repr__(self) -> str:
        return (
            f'{self.__class__.__name__}(keys={self.keys}, '
            f'flip_ratio={self.flip_ratio}, direction={self.direction})'
        )


@TRANSFORMS.register_module()
class RandomTransposeHW(BaseTransform):
    """Swap height and width of images (or frame lists) with a probability.

    Args:
        keys (str | list[str]): Results keys to transpose.
        transpose_ratio (float): Probability to transpose. Defaults to 0.5.

    Examples:
        >>> out = RandomTransposeHW('img', 1.)(dict(img=np.zeros((2, 5, 3))))
        >>> out['img'].shape, out['transpose']
        ((5, 2, 3), True)
    """

    def __init__(self, keys: Keys, transpose_ratio: float = 0.5) -> None:
        self.keys = keys if isinstance(keys, list) else [keys]
        self.transpose_ratio = transpose_ratio

    def transform(self, results: Dict) -> Dict:
        """Transpose ``keys`` or not, and record the draw in
        ``transpose``."""
        transpose = np.random.random() < self.transpose_ratio
        if transpose:
            for key in self.keys:
                results[key] = _per_frame(
                    results[key], lambda v: v.transpose(1, 0, 2)
                )
        results['transpose'] = transpose
        return results

    def __repr__(self) -> str:
        return (
            f'{self.__class__.__name__}(keys={self.keys}, '
            f'transpose_ratio={self.transpose_ratio})'
        )


class EditResize(BaseTransform):
    """MMagic's ``Resize``: resize the images of ``keys`` (reached through
    the registered :class:`Resize` with ``keys=...``).

    Args:
        keys (str | list[str]): Images (or frame lists) to resize.
            Defaults to ``'img'``.
        scale (float | tuple[int], optional): A factor, or the target size
            ``(w, h)`` (``-1`` as one side: that side is free with
            ``keep_ratio``).
        keep_ratio (bool): Rescale within ``scale`` keeping the aspect
            ratio. Defaults to False.
        size_factor (int, optional): Crop the size down to a multiple of it
            (``scale`` must then be None).
        max_size (int, optional): Largest side with ``size_factor``.
        interpolation (str): Interpolation of :func:`mmcv.imresize`.
        backend (str, optional): Resize backend of mmcv.
        output_keys (list[str], optional): Where to write the results;
            defaults to ``keys``.
    """

    def __init__(
        self,
        keys: Keys = 'img',
        scale: Optional[Union[float, tuple]] = None,
        keep_ratio: bool = False,
        size_factor: Optional[int] = None,
        max_size: Optional[int] = None,
        interpolation: str = 'bilinear',
        backend: Optional[str] = None,
        output_keys: Optional[Keys] = None,
    ) -> None:
        if not keys:
            raise ValueError('Resize: keys must not be empty')
        keys = as_keys(keys)
        output_keys = as_keys(output_keys) if output_keys else keys
        if len(output_keys) != len(keys):
            raise ValueError(
                f'Resize: output_keys {output_keys} and keys '
                f'{keys} differ in length'
            )
        if size_factor and (scale is not None or keep_ratio):
            raise ValueError(
                'Resize: size_factor needs scale=None and '
                f'keep_ratio=False, got scale={scale}, '
                f'keep_ratio={keep_ratio}'
            )
        if max_size and size_factor is None:
            raise ValueError('Resize: max_size needs size_factor')
        if isinstance(scale, float):
            if scale <= 0:
                raise ValueError(f'Invalid scale {scale}, must be positive.')
        elif is_tuple_of(scale, int):
            if min(scale) == -1:
                scale = (np.inf, max(scale))
        elif scale is not None:
            raise TypeError(
                'Scale must be None, float or tuple of int, but '
                f'got {type(scale)}.'
            )
        self.keys = keys
        self.output_keys = output_keys
        self.scale = scale
        self.size_factor = size_factor
        self.max_size = max_size
        self.keep_ratio = keep_ratio
        self.interpolation = interpolation
        self.backend = backend

    def _resize_one(self, img: np.ndarray) -> np.ndarray:
        if self.keep_ratio:
            img, self.scale_factor = mmcv.imrescale(
                img,
                self.scale,
                return_scale=True,
                interpolation=self.interpolation,
                backend=self.backend,
            )
        else:
            img, w_scale, h_scale = mmcv.imresize(
                img,
                self.scale,
                return_scale=True,
                interpolation=self.interpolation,
                backend=self.backend,
            )
            self.scale_factor = np.array((w_scale, h_scale), dtype=np.float32)
        return img[..., None] if img.ndim == 2 else img

    def transform(self, results: Dict) -> Dict:
        """Resize every present key of ``keys`` into its output key.

        Args:
            results (dict): Pipeline results.

        Returns:
            dict: ``results`` with the resized images, ``{out}_shape`` and
            the meta keys MMagic adds.
        """
        if self.size_factor:
            first = results[self.keys[0]]
            h, w = (first[0] if isinstance(first, list) else first).shape[:2]
            new_h, new_w = h - h % self.size_factor, w - w % self.size_factor
            if self.max_size:
                limit = self.max_size - self.max_size % self.size_factor
                new_h, new_w = min(limit, new_h), min(limit, new_w)
            self.scale = (new_w, new_h)
        for key, out_key in zip(self.keys, self.output_keys):
            if key not in results:
                continue
            out = _per_frame(results[key], self._resize_one)
            results[out_key] = out
            last = out[-1] if isinstance(out, list) else out
            results[f'{out_key}_shape'] = last.shape
            for meta in ('ori_{}_shape', '{}_channel_order', '{}_color_type'):
                if meta.format(key) in results:
                    results[meta.format(out_key)] = deepcopy(
                        results[meta.format(key)]
                    )
        results['scale_factor'] = self.scale_factor
        results['keep_ratio'] = self.keep_ratio
        results['interpolation'] = self.interpolation
        results['backend'] = self.backend
        return results

    def __repr__(self) -> str:
        return (
            f'Resize(keys={self.keys}, output_keys={self.output_keys}, '
            f'scale={self.scale}, keep_ratio={self.keep_ratio}, '
            f'size_factor={self.size_factor}, max_size={self.max_size}, '
            f'interpolation={self.interpolation})'
        )


#: arguments only MMagic's ``Resize`` takes, and only mmcv's
_EDIT_RESIZE_ARGS = ('keys', 'output_keys', 'size_factor', 'max_size')
_MMCV_RESIZE_ARGS = ('scale_factor', 'clip_object_border')


def pick_form(
    type_name: str,
    kwargs: Dict[str, Any],
    edit_args: Sequence,
    mmcv_args: Sequence,
) -> str:
    """Tell MMagic's form of a transform from mmcv's by its arguments.

    Args:
        type_name (str): Transform name, for the error.
        kwargs (dict): The keyword arguments given.
        edit_args (Sequence[str]): Arguments only MMagic's form takes.
        mmcv_args (Sequence[str]): Arguments only mmcv's form takes.

    Returns:
        str: ``'mmagic'`` or ``'mmcv'`` (the default).

    Raises:
        TypeError: Arguments of both forms are given.
    """
    edit = [k for k in edit_args if k in kwargs]
    plain = [k for k in mmcv_args if k in kwargs]
    if edit and plain:
        raise TypeError(
            f'{type_name} got arguments of two forms: {edit} belong to '
            f"MMagic's {type_name} (editing) and {plain} to mmcv's "
            f'(segmentation); use one form'
        )
    return 'mmagic' if edit else 'mmcv'


@TRANSFORMS.register_module()
class Resize(MMCVResize):
    """``Resize`` of both task families under one name.

    With any of ``keys``, ``output_keys``, ``size_factor`` or ``max_size``
    (or a key list as first positional argument) it is MMagic's editing
    ``Resize`` (:class:`EditResize`); otherwise it is exactly mmcv's
    :class:`mmcv.transforms.Resize` (segmentation configs). Arguments of
    both forms (``keys`` with ``scale_factor``) raise a :class:`TypeError`.

    Examples:
        >>> seg = Resize(scale=(4, 2))
        >>> seg(dict(img=np.zeros((4, 8, 3), np.uint8)))['img'].shape
        (2, 4, 3)
        >>> edit = Resize(keys='gt', scale=(4, 2))
        >>> edit(dict(gt=np.zeros((4, 8), np.uint8)))['gt_shape']
        (2, 4, 1)
    """

    def __init__(self, *args, **kwargs) -> None:
        if args and (
            isinstance(args[0], str)
            or (
                isinstance(args[0], list)
                and args[0]
                and isinstance(args[0][0], str)
            )
        ):
            args, kwargs = args[1:], dict(kwargs, keys=args[0])
        self._edit: Optional[EditResize] = None
        if (
            pick_form('Resize', kwargs, _EDIT_RESIZE_ARGS, _MMCV_RESIZE_ARGS)
            == 'mmagic'
        ):
            self._edit = EditResize(*args, **kwargs)
        else:
            super().__init__(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        edit = self.__dict__.get('_edit')
        if edit is None:
            raise AttributeError(
                f"'{type(self).__name__}' object has no attribute '{name}'"
            )
        return getattr(edit, name)

    def transform(self, results: dict) -> dict:
        """Resize as the chosen form does."""
        if self._edit is not None:
            return self._edit.transform(results)
        return super().transform(results)

    def _resize_seg(self, results: dict) -> None:
        """mmcv's nearest resize of ``gt_seg_map``, applied to every map
        of ``seg_fields`` too (e.g. ``gt_depth_map``), as MMSegmentation's
        ``Resize`` does."""
        keys = ['gt_seg_map'] + list(results.get('seg_fields', []))
        for key in dict.fromkeys(keys):
            if results.get(key) is None:
                continue
            if self.keep_ratio:
                results[key] = mmcv.imrescale(
                    results[key],
                    results['scale'],
                    interpolation='nearest',
                    backend=self.backend,
                )
            else:
                results[key] = mmcv.imresize(
                    results[key],
                    results['scale'],
                    interpolation='nearest',
                    backend=self.backend,
                )

    def __repr__(self) -> str:
        if self._edit is not None:
            return repr(self._edit)
        return super().__repr__()
