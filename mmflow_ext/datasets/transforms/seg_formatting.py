# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``PackSegInputs``: the last transform of a segmentation pipeline."""
import warnings
from typing import Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.structures import PixelData

from mmflow_ext.registry import TRANSFORMS
from mmflow_ext.structures.seg_data_sample import SegDataSample

__all__ = ['PackSegInputs', 'narrowest_label_dtype', 'array_to_tensor']

_LABEL_DTYPES = (np.uint8, np.int16, np.int32, np.int64)


def narrowest_label_dtype(labels: np.ndarray) -> np.dtype:
    """The narrowest of uint8, int16, int32 and int64 holding ``labels``.

    Args:
        labels (np.ndarray): Integer labels.

    Returns:
        np.dtype: ``labels.dtype`` when it is uint8, else the narrowest
        dtype that holds the value range.

    Examples:
        >>> narrowest_label_dtype(np.array([0, 255], dtype=np.int64))
        dtype('uint8')
        >>> narrowest_label_dtype(np.array([-1, 300]))
        dtype('int16')
    """
    if labels.dtype == np.uint8 or labels.size == 0:
        return np.dtype(np.uint8)
    low, high = labels.min(), labels.max()
    for dtype in _LABEL_DTYPES:
        info = np.iinfo(dtype)
        if info.min <= low and high <= info.max:
            return np.dtype(dtype)
    return np.dtype(np.int64)


def array_to_tensor(array: np.ndarray) -> torch.Tensor:
    """A tensor over ``array``'s memory when that is safe, else a copy.

    Sharing is safe when the array owns its buffer: the array is then
    marked read-only, so a later in-place write through it raises instead
    of silently changing the tensor. A view of another array (whose owner
    could still write into it) or an array with negative strides (which
    torch cannot wrap) is copied.

    Args:
        array (np.ndarray): Any array.

    Returns:
        torch.Tensor: The tensor, same shape and dtype.

    Examples:
        >>> a = np.array([[0, 1, 2], [3, 4, 5]], dtype=np.uint8)
        >>> t = array_to_tensor(a)
        >>> t.data_ptr() == a.ctypes.data, a.flags.writeable
        (True, False)
        >>> array_to_tensor(a[:, ::-1]).tolist()
        [[2, 1, 0], [5, 4, 3]]
    """
    if array.base is not None or any(s < 0 for s in array.strides):
        return _contiguous_copy(array)
    tensor = _wrap(array)
    array.flags.writeable = False
    return tensor


def _wrap(array: np.ndarray) -> torch.Tensor:
    """``torch.from_numpy`` that accepts read-only arrays silently."""
    with warnings.catch_warnings():
        # wrapping an array that is already read-only is fine: nothing
        # writes into the tensor, and nothing can write into the array
        warnings.filterwarnings('ignore', message='The given NumPy array')
        return torch.from_numpy(array)


def _contiguous_copy(array: np.ndarray) -> torch.Tensor:
    """A C-contiguous tensor copy of a view, flipped axes included.

    A flipped image (negative strides, e.g. after ``RandomFlip``) is copied
    by ``torch.flip`` of its positively strided view: NumPy copies an
    ``H×W×3`` array with a reversed ``W`` axis pixel by pixel, many times
    slower.
    """
    flipped = tuple(axis for axis, step in enumerate(array.strides)
                    if step < 0)
    if not flipped:
        return torch.from_numpy(np.array(array, order='C'))
    return _wrap(np.flip(array, flipped)).flip(flipped).contiguous()


def _label_tensor(labels: np.ndarray, key: str, results: dict) -> torch.Tensor:
    """``(H, W)`` integer labels as a ``1×H×W`` tensor, narrowest dtype."""
    if labels.ndim != 2:
        raise ValueError(
            f'{key} of {results.get("seg_map_path", "<array>")} has shape '
            f'{labels.shape}; expected (H, W) class indices (decode a '
            'colour-coded mask with LoadAnnotations(decode_color=True))')
    if labels.dtype.kind == 'f':
        labels = labels.astype(np.int64)  # truncates, like MMSegmentation
    elif labels.dtype.kind not in 'iub':
        raise TypeError(f'{key} must hold integer labels, got dtype '
                        f'{labels.dtype}')
    dtype = narrowest_label_dtype(labels)
    if labels.dtype != dtype:
        labels = labels.astype(dtype)
    return array_to_tensor(labels)[None]


@TRANSFORMS.register_module()
class PackSegInputs(BaseTransform):
    """Pack a segmentation sample for the data preprocessor.

    Output: ``{'inputs': Tensor, 'data_samples': SegDataSample}``.

    - ``inputs`` (only when ``img`` is present): ``C×H×W`` in the image's
      dtype (``1×H×W`` for a grayscale image). It is a permuted view, not
      a contiguous copy: the preprocessor's normalization makes the one
      copy. When the image array owns its buffer, the tensor shares it and
      the array becomes read-only, so no later in-place change can reach
      the packed tensor; other arrays are copied.
    - ``gt_seg_map`` (``(H, W)``) becomes ``gt_sem_seg`` (``1×H×W``),
      ``gt_edge_map`` becomes ``gt_edge_map`` (``1×H×W``): labels keep the
      narrowest integer dtype that holds them (uint8 when they fit, so
      ``ignore_index=255`` survives); the preprocessor widens them to
      int64 on the model's device.
    - ``gt_depth_map`` becomes ``gt_depth_map`` (``1×H×W``, its dtype).
    - Each of ``meta_keys`` present in the sample goes into the metainfo.

    Args:
        meta_keys (Sequence[str]): Keys copied into the metainfo. Defaults
            to ``('img_path', 'seg_map_path', 'ori_shape', 'img_shape',
            'pad_shape', 'scale_factor', 'flip', 'flip_direction',
            'reduce_zero_label')``.

    Raises:
        ValueError: When a label map is not 2-D, e.g. an ``(H, W, 3)``
            colour mask.

    Examples:
        >>> results = dict(img=np.zeros((4, 6, 3), np.uint8),
        ...                gt_seg_map=np.ones((4, 6), np.uint8),
        ...                img_shape=(4, 6))
        >>> packed = PackSegInputs()(results)
        >>> packed['inputs'].shape, packed['inputs'].dtype
        (torch.Size([3, 4, 6]), torch.uint8)
        >>> packed['data_samples'].gt_sem_seg.data.shape
        torch.Size([1, 4, 6])
        >>> packed['data_samples'].img_shape
        (4, 6)
    """

    def __init__(
        self,
        meta_keys: Sequence[str] = ('img_path', 'seg_map_path', 'ori_shape',
                                    'img_shape', 'pad_shape', 'scale_factor',
                                    'flip', 'flip_direction',
                                    'reduce_zero_label')
    ) -> None:
        self.meta_keys = meta_keys

    def transform(self, results: dict) -> dict:
        """Pack ``results`` into inputs and a data sample.

        Args:
            results (dict): The sample after the other transforms.

        Returns:
            dict: ``inputs`` (when there is an image) and ``data_samples``.
        """
        packed = {}
        if 'img' in results:
            img = results['img']
            if img.ndim == 2:
                packed['inputs'] = array_to_tensor(img)[None]
            else:
                packed['inputs'] = array_to_tensor(img).permute(2, 0, 1)

        data_sample = SegDataSample()
        if 'gt_seg_map' in results:
            data_sample.gt_sem_seg = PixelData(
                data=_label_tensor(results['gt_seg_map'], 'gt_seg_map',
                                   results))
        if 'gt_edge_map' in results:
            data_sample.gt_edge_map = PixelData(
                data=_label_tensor(results['gt_edge_map'], 'gt_edge_map',
                                   results))
        if 'gt_depth_map' in results:
            depth = results['gt_depth_map']
            if depth.ndim != 2:
                raise ValueError(f'gt_depth_map has shape {depth.shape}; '
                                 'expected (H, W)')
            data_sample.gt_depth_map = PixelData(
                data=array_to_tensor(depth)[None])

        data_sample.set_metainfo(
            {key: results[key]
             for key in self.meta_keys if key in results})
        packed['data_samples'] = data_sample
        return packed

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(meta_keys={self.meta_keys})'
