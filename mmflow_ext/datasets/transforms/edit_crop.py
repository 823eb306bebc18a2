# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Crops of editing pipelines (MMagic 1.x names): ``Crop``, ``FixedCrop``,
``ModCrop``, ``PairedRandomCrop`` and ``CenterCropLongEdge``.

Random offsets are drawn from NumPy's global generator in MMagic's order, so
the same seed gives the same crops.
"""

from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.utils import is_tuple_of

from mmflow_ext.registry import TRANSFORMS

from .edit_geometric import as_keys

__all__ = [
    'Crop',
    'FixedCrop',
    'ModCrop',
    'PairedRandomCrop',
    'CenterCropLongEdge',
    'RandomCropLongEdge',
]


def _check_size(name: str, value, allow_none: bool = False) -> None:
    if allow_none and value is None:
        return
    if not is_tuple_of(value, int):
        raise TypeError(
            f'Elements of {name} must be int and {name} must be'
            f' tuple, but got {value!r}'
        )


def _path_hint(results: Dict, *keys: str) -> str:
    paths = [str(results[f'{k}_path']) for k in keys if f'{k}_path' in results]
    return f' (files: {", ".join(paths)})' if paths else ''


@TRANSFORMS.register_module()
class Crop(BaseTransform):
    """Crop every image of ``keys`` to ``crop_size`` (random or centred).

    Each image (and each frame of a list) gets its own offsets. A side
    smaller than the crop is kept whole; with ``is_pad_zeros`` it is first
    zero-padded as MMagic does.

    Args:
        keys (list[str]): Results keys to crop.
        crop_size (tuple[int]): ``(h, w)``.
        random_crop (bool): Random offsets, else centred. Defaults to True.
        is_pad_zeros (bool): Zero-pad sides smaller than the crop.

    Examples:
        >>> out = Crop(['gt'], (2, 2), random_crop=False)(
        ...     dict(gt=np.arange(16).reshape(4, 4)))
        >>> out['gt'].tolist(), out['gt_crop_bbox']
        ([[5, 6], [9, 10]], [1, 1, 2, 2])
    """

    def __init__(
        self,
        keys: Sequence[str],
        crop_size: Tuple[int, int],
        random_crop: bool = True,
        is_pad_zeros: bool = False,
    ) -> None:
        _check_size('crop_size', crop_size)
        self.keys = keys
        self.crop_size = crop_size
        self.random_crop = random_crop
        self.is_pad_zeros = is_pad_zeros

    def _pad(self, item: np.ndarray) -> np.ndarray:
        data_h, data_w = item.shape[:2]
        crop_h, crop_w = self.crop_size
        off_y = (crop_h - data_h) // 2 if crop_h > data_h else 0
        off_x = (crop_w - data_w) // 2 if crop_w > data_w else 0
        if off_y <= 0 and off_x <= 0:
            return item
        width = [(2 * off_y, 2 * off_y), (2 * off_x, 2 * off_x)]
        width += [(0, 0)] * (item.ndim - 2)
        return np.pad(item, width, mode='constant', constant_values=0)

    def _crop_one(self, item: np.ndarray) -> Tuple[np.ndarray, List[int]]:
        if self.is_pad_zeros:
            item = self._pad(item)
        data_h, data_w = item.shape[:2]
        crop_h = min(data_h, self.crop_size[0])
        crop_w = min(data_w, self.crop_size[1])
        if self.random_crop:
            x = np.random.randint(0, data_w - crop_w + 1)
            y = np.random.randint(0, data_h - crop_h + 1)
        else:
            x = max(0, data_w - crop_w) // 2
            y = max(0, data_h - crop_h) // 2
        return item[y : y + crop_h, x : x + crop_w, ...], [
            x,
            y,
            crop_w,
            crop_h,
        ]

    def transform(self, results: Dict) -> Dict:
        """Crop ``keys``; record ``{key}_crop_bbox`` (``[x, y, w, h]``, a
        list of them for frames) and ``crop_size``."""
        for key in self.keys:
            data = results[key]
            if isinstance(data, list):
                pairs = [self._crop_one(v) for v in data]
                results[key] = [p[0] for p in pairs]
                results[f'{key}_crop_bbox'] = [p[1] for p in pairs]
            else:
                results[key], results[f'{key}_crop_bbox'] = self._crop_one(
                    data
                )
        results['crop_size'] = self.crop_size
        return results

    def __repr__(self) -> str:
        # MMagic writes no parentheses here; kept for equal logs
        return (
            f'{self.__class__.__name__}keys={self.keys}, '
            f'crop_size={self.crop_size}, random_crop={self.random_crop}'
        )


@TRANSFORMS.register_module()
class FixedCrop(BaseTransform):
    """Crop all ``keys`` at one position (random when ``crop_pos`` is None).

    Args:
        keys (list[str]): Results keys; all must have the same size.
        crop_size (tuple[int]): ``(h, w)``.
        crop_pos (tuple[int], optional): ``(x, y)`` of the top-left corner.

    Raises:
        ValueError: The images differ in size (the message names the key
            and its file when known).
    """

    def __init__(
        self,
        keys: Sequence[str],
        crop_size: Tuple[int, int],
        crop_pos: Optional[Tuple[int, int]] = None,
    ) -> None:
        _check_size('crop_size', crop_size)
        _check_size('crop_pos', crop_pos, allow_none=True)
        self.keys = keys
        self.crop_size = crop_size
        self.crop_pos = crop_pos

    def transform(self, results: Dict) -> Dict:
        """Crop ``keys``; record ``{key}_crop_bbox``, ``crop_size`` and
        ``crop_pos``."""
        first = results[self.keys[0]]
        data_h, data_w = (
            first[0] if isinstance(first, list) else first
        ).shape[:2]
        crop_h = min(data_h, self.crop_size[0])
        crop_w = min(data_w, self.crop_size[1])
        if self.crop_pos is None:
            x = np.random.randint(0, data_w - crop_w + 1)
            y = np.random.randint(0, data_h - crop_h + 1)
        else:
            x, y = self.crop_pos
            crop_w, crop_h = min(data_w - x, crop_w), min(data_h - y, crop_h)
        for key in self.keys:
            images = results[key]
            frames = images if isinstance(images, list) else [images]
            for image in frames:
                if image.shape[:2] != (data_h, data_w):
                    raise ValueError(
                        'The sizes of paired images should be the same. '
                        f'Expected ({data_h}, {data_w}), but got '
                        f'({image.shape[0]}, {image.shape[1]}) in "{key}"'
                        + _path_hint(results, key)
                    )
            cropped = [v[y : y + crop_h, x : x + crop_w, ...] for v in frames]
            results[key] = cropped if isinstance(images, list) else cropped[0]
            results[f'{key}_crop_bbox'] = [x, y, crop_w, crop_h]
        results['crop_size'] = self.crop_size
        results['crop_pos'] = self.crop_pos
        return results

    def __repr__(self) -> str:
        return (
            f'{self.__class__.__name__}keys={self.keys}, '
            f'crop_size={self.crop_size}, crop_pos={self.crop_pos}'
        )


@TRANSFORMS.register_module()
class ModCrop(BaseTransform):
    """Crop the bottom/right rows so both sides divide by
    ``results['scale']``.

    Args:
        key (str): Results key. Defaults to ``'gt'``.

    Examples:
        >>> ModCrop()(dict(gt=np.zeros((9, 10, 3)), scale=4))['gt'].shape
        (8, 8, 3)
    """

    def __init__(self, key: str = 'gt') -> None:
        super().__init__()
        self.key = key

    def transform(self, results: Dict) -> Dict:
        """Crop ``results[key]`` to a multiple of ``results['scale']``."""
        img = results[self.key].copy()
        scale = results['scale']
        if img.ndim not in (2, 3):
            raise ValueError(f'Wrong img ndim: {img.ndim}.')
        h, w = img.shape[:2]
        results[self.key] = img[: h - h % scale, : w - w % scale, ...]
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(key={self.key})'


@TRANSFORMS.register_module()
class PairedRandomCrop(BaseTransform):
    """Crop an LQ/GT pair (or frame lists) at matching random positions.

    The GT patch is ``gt_patch_size`` square; the LQ patch is
    ``gt_patch_size // results['scale']`` square.

    Args:
        gt_patch_size (int): Side of the GT patch.
        lq_key (str): Key of the low-quality image. Defaults to ``'img'``.
        gt_key (str): Key of the ground truth. Defaults to ``'gt'``.

    Raises:
        ValueError: GT is not ``scale`` times LQ, or LQ is smaller than its
            patch; the message names the files.

    Examples:
        >>> crop = PairedRandomCrop(4)
        >>> out = crop(dict(img=np.zeros((3, 3, 1)), gt=np.zeros((6, 6, 1)),
        ...                 scale=2))
        >>> out['img'].shape, out['gt'].shape
        ((2, 2, 1), (4, 4, 1))
    """

    def __init__(
        self, gt_patch_size: int, lq_key: str = 'img', gt_key: str = 'gt'
    ) -> None:
        self.gt_patch_size = gt_patch_size
        self.lq_key = lq_key
        self.gt_key = gt_key

    def transform(self, results: Dict) -> Dict:
        """Crop the pair."""
        scale = results['scale']
        lq_size = self.gt_patch_size // scale
        lq, gt = results[self.lq_key], results[self.gt_key]
        lq_list = lq if isinstance(lq, list) else [lq]
        gt_list = gt if isinstance(gt, list) else [gt]
        h_lq, w_lq = lq_list[0].shape[:2]
        h_gt, w_gt = gt_list[0].shape[:2]
        if h_gt != h_lq * scale or w_gt != w_lq * scale:
            raise ValueError(
                f'Scale mismatches. GT ({h_gt}, {w_gt}) is not {scale}x '
                f'multiplication of LQ ({h_lq}, {w_lq})'
                + _path_hint(results, self.lq_key, self.gt_key)
                + '.'
            )
        if h_lq < lq_size or w_lq < lq_size:
            raise ValueError(
                f'LQ ({h_lq}, {w_lq}) is smaller than patch size '
                f'({lq_size}, {lq_size})'
                + _path_hint(results, self.lq_key, self.gt_key)
                + '.'
            )
        top = np.random.randint(h_lq - lq_size + 1)
        left = np.random.randint(w_lq - lq_size + 1)
        top_gt, left_gt = int(top * scale), int(left * scale)
        lq_out = [
            v[top : top + lq_size, left : left + lq_size, ...] for v in lq_list
        ]
        size = self.gt_patch_size
        gt_out = [
            v[top_gt : top_gt + size, left_gt : left_gt + size, ...]
            for v in gt_list
        ]
        results[self.lq_key] = lq_out if isinstance(lq, list) else lq_out[0]
        results[self.gt_key] = gt_out if isinstance(gt, list) else gt_out[0]
        return results

    def __repr__(self) -> str:
        return (
            f'{self.__class__.__name__}(gt_patch_size='
            f'{self.gt_patch_size}, lq_key={self.lq_key}, '
            f'gt_key={self.gt_key})'
        )


@TRANSFORMS.register_module()
class CenterCropLongEdge(BaseTransform):
    """Crop the centre square (side: the short edge) of ``keys``, as
    MMagic's ImageNet/CelebA configs do before resizing.

    Args:
        keys (str | list[str]): Results keys. Defaults to ``'gt'``.

    Examples:
        >>> img = np.arange(6).reshape(2, 3)
        >>> CenterCropLongEdge('gt')(dict(gt=img))['gt'].tolist()
        [[0, 1], [3, 4]]
    """

    def __init__(self, keys: Union[str, Sequence[str]] = 'gt') -> None:
        self.keys = as_keys(keys)

    def transform(self, results: Dict) -> Dict:
        """Crop ``keys`` to their centre squares."""
        for key in self.keys:
            img = results[key]
            h, w = img.shape[:2]
            side = min(h, w)
            y, x = (h - side) // 2, (w - side) // 2
            results[key] = img[y : y + side, x : x + side, ...]
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(keys={self.keys})'


@TRANSFORMS.register_module()
class RandomCropLongEdge(BaseTransform):
    """Crop a random square (side: the short edge) of ``keys``, as
    MMagic's generation configs do in training.

    The offset along the long edge is drawn with
    ``np.random.randint(0, long - short)`` as in MMagic (so the last
    position is never drawn).

    Args:
        keys (str | list[str]): Results keys. Defaults to ``'img'``.

    Examples:
        >>> out = RandomCropLongEdge('img')(dict(img=np.zeros((3, 5))))
        >>> out['img'].shape
        (3, 3)
    """

    def __init__(self, keys: Union[str, Sequence[str]] = 'img') -> None:
        if not keys:
            raise ValueError('RandomCropLongEdge: keys must not be empty')
        self.keys = as_keys(keys)

    def transform(self, results: Dict) -> Dict:
        """Crop ``keys`` to random squares (one draw per key)."""
        for key in self.keys:
            img = results[key]
            h, w = img.shape[:2]
            side = min(h, w)
            y = 0 if h == side else np.random.randint(0, h - side)
            x = 0 if w == side else np.random.randint(0, w - side)
            results[key] = img[y : y + side, x : x + side, ...]
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(keys={self.keys})'
