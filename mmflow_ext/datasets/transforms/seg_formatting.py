# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``PackSegInputs``: the last transform of a segmentation pipeline."""

from typing import Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.structures import PixelData

from mmflow_ext.registry import TRANSFORMS
from mmflow_ext.structures.image_layout import hwc_to_chw_view, owned_tensor
from mmflow_ext.structures.seg_data_sample import SegDataSample

__all__ = ['PackSegInputs', 'narrowest_label_dtype']

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


def _label_tensor(labels: np.ndarray, key: str, results: dict) -> torch.Tensor:
    """``(H, W)`` or ``(1, H, W)`` integer labels as a ``1×H×W`` tensor of
    the narrowest dtype, in memory of its own."""
    if labels.ndim == 3 and labels.shape[0] == 1:
        labels = labels[0]  # upstream packs (1, H, W) unchanged
    if labels.ndim != 2:
        raise ValueError(
            f'{key} of {results.get("seg_map_path", "<array>")} has shape '
            f'{labels.shape}; expected (H, W) class indices (decode a '
            'colour-coded mask with LoadAnnotations(decode_color=True))'
        )
    if labels.dtype.kind == 'f':
        labels = labels.astype(np.int64)  # truncates, like MMSegmentation
    elif labels.dtype.kind not in 'iub':
        raise TypeError(
            f'{key} must hold integer labels, got dtype {labels.dtype}'
        )
    dtype = narrowest_label_dtype(labels)
    if labels.dtype != dtype:
        labels = labels.astype(dtype)  # a fresh array
        return torch.from_numpy(labels)[None]
    return owned_tensor(labels)[None]


@TRANSFORMS.register_module()
class PackSegInputs(BaseTransform):
    """Pack a segmentation sample for the data preprocessor.

    Output: ``{'inputs': Tensor, 'data_samples': SegDataSample}``.

    - ``inputs`` (only when ``img`` is present): ``C×H×W`` in the image's
      dtype (``1×H×W`` for a grayscale image). It is a permuted view of a
      private ``H×W×C`` copy (:func:`~mmflow_ext.structures.image_layout.
      hwc_to_chw_view`): one memory copy instead of MMSegmentation's
      transposing copy; the transposing pass happens once, in the
      preprocessor's float conversion. The caller's arrays are never
      shared or changed, so they stay writeable and a later in-place edit
      of them cannot reach the packed sample; the same holds for labels.
    - ``gt_seg_map`` (``(H, W)``, or ``(1, H, W)`` as MMSegmentation
      accepts it) becomes ``gt_sem_seg`` (``1×H×W``),
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
        ValueError: When a label map is neither ``(H, W)`` nor
            ``(1, H, W)``, e.g. an ``(H, W, 3)`` colour mask.

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
        meta_keys: Sequence[str] = (
            'img_path',
            'seg_map_path',
            'ori_shape',
            'img_shape',
            'pad_shape',
            'scale_factor',
            'flip',
            'flip_direction',
            'reduce_zero_label',
        ),
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
            packed['inputs'] = hwc_to_chw_view(results['img'])

        data_sample = SegDataSample()
        if 'gt_seg_map' in results:
            data_sample.gt_sem_seg = PixelData(
                data=_label_tensor(
                    results['gt_seg_map'], 'gt_seg_map', results
                )
            )
        if 'gt_edge_map' in results:
            data_sample.gt_edge_map = PixelData(
                data=_label_tensor(
                    results['gt_edge_map'], 'gt_edge_map', results
                )
            )
        if 'gt_depth_map' in results:
            depth = results['gt_depth_map']
            if depth.ndim != 2:
                raise ValueError(
                    f'gt_depth_map has shape {depth.shape}; expected (H, W)'
                )
            data_sample.gt_depth_map = PixelData(
                data=owned_tensor(depth)[None]
            )

        data_sample.set_metainfo(
            {key: results[key] for key in self.meta_keys if key in results}
        )
        packed['data_samples'] = data_sample
        return packed

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(meta_keys={self.meta_keys})'
