# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Inpainting transforms (MMagic 1.x names): ``LoadMask`` with its mask
modes and ``GetMaskedImage``.

The random masks make the same NumPy draws as MMagic's, so the same seed
gives the same masks.
"""

import math
import os.path as osp
from copy import deepcopy
from typing import Dict, Optional, Sequence, Tuple, Union

import cv2
import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.fileio import get_file_backend, list_from_file
from mmengine.utils import is_tuple_of
from PIL import Image, ImageDraw

from mmflow_ext.registry import TRANSFORMS

__all__ = [
    'LoadMask',
    'GetMaskedImage',
    'GetSpatialDiscountMask',
    'bbox2mask',
    'brush_stroke_mask',
    'get_irregular_mask',
    'random_bbox',
    'random_irregular_mask',
]

IntOrPair = Union[int, Tuple[int, int]]


def _pair(value: IntOrPair) -> Tuple[int, int]:
    return value if isinstance(value, tuple) else (value, value)


def _range(name: str, value: IntOrPair) -> Tuple[int, int]:
    """``(low, high)`` of an int (``value, value + 1``) or a tuple."""
    if isinstance(value, int):
        return value, value + 1
    if isinstance(value, tuple):
        return value
    raise TypeError(
        f'The type of {name} should be int or tuple[int], but '
        f'got type: {value}'
    )


def random_bbox(
    img_shape: Sequence[int],
    max_bbox_shape: IntOrPair,
    max_bbox_delta: IntOrPair = 40,
    min_margin: IntOrPair = 20,
) -> Tuple[int, int, int, int]:
    """Draw a box ``(top, left, h, w)`` inside an image.

    Args:
        img_shape (tuple[int]): ``(h, w, ...)`` of the image.
        max_bbox_shape (int | tuple[int]): Largest box ``(h, w)``.
        max_bbox_delta (int | tuple[int]): Largest shrink of the box.
        min_margin (int | tuple[int]): Smallest margin to the borders.

    Returns:
        tuple[int]: ``(top, left, h, w)``.
    """
    max_h, max_w = _pair(max_bbox_shape)
    delta_h, delta_w = _pair(max_bbox_delta)
    margin_h, margin_w = _pair(min_margin)
    for name, value in (
        ('max_bbox_shape', (max_h, max_w)),
        ('max_bbox_delta', (delta_h, delta_w)),
        ('min_margin', (margin_h, margin_w)),
    ):
        if not is_tuple_of(value, int):
            raise TypeError(f'{name} must be int or tuple of int, got {value}')
    img_h, img_w = img_shape[:2]
    if max_h > img_h or max_w > img_w:
        raise ValueError(
            f'mask shape {max_bbox_shape} should be smaller than '
            f'image shape {img_shape}'
        )
    if delta_h // 2 * 2 >= max_h or delta_w // 2 * 2 >= max_w:
        raise ValueError(
            f'mask delta {max_bbox_delta} should be smaller than'
            f' mask shape {max_bbox_shape}'
        )
    if img_h - max_h < 2 * margin_h or img_w - max_w < 2 * margin_w:
        raise ValueError(
            f'Margin {min_margin} cannot be satisfied for img'
            f' shape {img_shape} and mask shape '
            f'{max_bbox_shape}'
        )
    top = np.random.randint(margin_h, img_h - margin_h - max_h)
    left = np.random.randint(margin_w, img_w - margin_w - max_w)
    d_top = np.random.randint(0, delta_h // 2 + 1)
    d_left = np.random.randint(0, delta_w // 2 + 1)
    return top + d_top, left + d_left, max_h - d_top, max_w - d_left


def bbox2mask(
    img_shape: Sequence[int], bbox: Sequence[int], dtype: str = 'uint8'
) -> np.ndarray:
    """A ``H×W×1`` mask that is 1 inside ``bbox`` (``top, left, h, w``).

    Examples:
        >>> bbox2mask((3, 3), (1, 1, 1, 2))[..., 0].tolist()
        [[0, 0, 0], [0, 1, 1], [0, 0, 0]]
    """
    mask = np.zeros((img_shape[0], img_shape[1], 1), dtype=dtype)
    top, left, h, w = bbox
    mask[top : top + h, left : left + w, :] = 1
    return mask


def random_irregular_mask(
    img_shape: Sequence[int],
    num_vertices: IntOrPair = (4, 8),
    max_angle: float = 4,
    length_range: IntOrPair = (10, 100),
    brush_width: IntOrPair = (10, 40),
    dtype: str = 'uint8',
) -> np.ndarray:
    """Random strokes of lines (MMagic's irregular mask), ``H×W×1``."""
    h, w = img_shape[:2]
    mask = np.zeros((h, w), dtype=dtype)
    min_len, max_len = _range('length_range', length_range)
    min_v, max_v = _range('num_vertices', num_vertices)
    min_bw, max_bw = _range('brush_width', brush_width)
    for i in range(np.random.randint(min_v, max_v)):
        x, y = np.random.randint(w), np.random.randint(h)
        count = np.random.randint(1, 6)
        angles = np.random.randint(0, max_angle, size=count)
        lengths = np.random.randint(min_len, max_len, size=count)
        widths = np.random.randint(min_bw, max_bw, size=count)
        for n in range(count):
            angle = 0.01 + angles[n]
            if i % 2 == 0:
                angle = 2 * math.pi - angle
            end_x = (x + lengths[n] * np.sin(angle)).astype(np.int32)
            end_y = (y + lengths[n] * np.cos(angle)).astype(np.int32)
            # MMagic draws with x and y swapped; kept for equal masks
            cv2.line(
                mask,
                (int(y), int(x)),
                (int(end_y), int(end_x)),
                1,
                int(widths[n]),
            )
            x, y = end_x, end_y
    return mask[..., None]


def get_irregular_mask(
    img_shape: Sequence[int],
    area_ratio_range: Tuple[float, float] = (0.15, 0.5),
    **kwargs,
) -> np.ndarray:
    """Draw irregular masks until the hole ratio is inside the range.

    Args:
        img_shape (tuple[int]): ``(h, w, ...)``.
        area_ratio_range (tuple[float]): Open range of the hole ratio.
        **kwargs: Arguments of :func:`random_irregular_mask`.

    Returns:
        np.ndarray: ``H×W×1`` mask.
    """
    low, high = area_ratio_range
    while True:
        mask = random_irregular_mask(img_shape, **kwargs)
        if low < np.sum(mask) / (img_shape[0] * img_shape[1]) < high:
            return mask


def brush_stroke_mask(
    img_shape: Sequence[int],
    num_vertices: IntOrPair = (4, 12),
    mean_angle: float = 2 * math.pi / 5,
    angle_range: float = 2 * math.pi / 15,
    brush_width: IntOrPair = (12, 40),
    max_loops: int = 4,
    dtype: str = 'uint8',
) -> np.ndarray:
    """Free-form brush strokes (DeepFillv2's ``'ff'`` mask), ``H×W×1``.

    MMagic draws two flips at the end and discards their result; we make
    the same draws and leave the mask unflipped too, so masks are equal.
    """
    img_h, img_w = img_shape[:2]
    min_v, max_v = _range('num_vertices', num_vertices)
    min_width, max_width = _range('brush_width', brush_width)
    radius = math.sqrt(img_h * img_h + img_w * img_w) / 8
    mask = Image.new('L', (img_w, img_h), 0)
    loops = np.random.randint(1, max_loops)
    vertex_counts = np.random.randint(min_v, max_v, size=loops)
    angle_mins = np.random.uniform(0, angle_range, size=loops)
    angle_maxs = np.random.uniform(0, angle_range, size=loops)
    draw = ImageDraw.Draw(mask)
    # PIL's size is (w, h); MMagic names them the other way round
    h, w = mask.size
    for n in range(loops):
        count = vertex_counts[n]
        angles = np.random.uniform(
            mean_angle - angle_mins[n], mean_angle + angle_maxs[n], size=count
        )
        even = np.arange(count) % 2 == 0
        angles[even] = 2 * math.pi - angles[even]
        vertices = [(np.random.randint(0, w), np.random.randint(0, h))]
        radii = np.random.normal(loc=radius, scale=radius // 2, size=count)
        for i in range(count):
            r = np.clip(radii[i], 0, 2 * radius)
            new_x = np.clip(vertices[-1][0] + r * math.cos(angles[i]), 0, w)
            new_y = np.clip(vertices[-1][1] + r * math.sin(angles[i]), 0, h)
            vertices.append((int(new_x), int(new_y)))
        width = int(np.random.randint(min_width, max_width))
        draw.line(vertices, fill=1, width=width)
        half = width // 2
        for vx, vy in vertices:
            draw.ellipse((vx - half, vy - half, vx + half, vy + half), fill=1)
    np.random.normal()
    np.random.normal()
    return np.array(mask).astype(getattr(np, dtype))[..., None]


def _binary_mask(content: bytes, color_type: str, path: str) -> np.ndarray:
    mask = mmcv.imfrombytes(content, flag=color_type)
    if mask is None:
        raise ValueError(f'Cannot decode mask file {path}')
    mask = mask[..., None] if mask.ndim == 2 else mask[..., 0:1]
    mask[mask > 0] = 1
    return mask


@TRANSFORMS.register_module()
class LoadMask(BaseTransform):
    """Put an inpainting mask (``H×W×1``, 1 in the hole) in ``mask``.

    Mask modes (``mask_config`` holds each mode's arguments):

    - ``'bbox'``: a random box (:func:`random_bbox`; needs ``img_shape``),
      also stored as ``mask_bbox``;
    - ``'irregular'``: random lines (:func:`get_irregular_mask`);
    - ``'ff'``: free-form brush strokes (:func:`brush_stroke_mask`);
    - ``'set'``: a random file of a mask list (``mask_list_file``,
      ``prefix``, ``io_backend``, ``color_type``, ``file_client_kwargs``);
    - ``'file'``: the file at ``results['mask_path']``.

    Args:
        mask_mode (str): One of the modes. Defaults to ``'bbox'``.
        mask_config (dict, optional): Arguments of the mode.

    Examples:
        >>> load = LoadMask('bbox', dict(img_shape=(8, 8), max_bbox_shape=4,
        ...                              max_bbox_delta=0, min_margin=1))
        >>> int(load(dict())['mask'].sum())
        16
    """

    _modes = ('bbox', 'irregular', 'ff', 'set', 'file')

    def __init__(
        self, mask_mode: str = 'bbox', mask_config: Optional[dict] = None
    ) -> None:
        if mask_mode not in self._modes:
            raise NotImplementedError(
                f'Mask mode {mask_mode} has not been implemented; use one '
                f'of {list(self._modes)}.'
            )
        self.mask_mode = mask_mode
        self.mask_config = dict() if mask_config is None else mask_config
        if not isinstance(self.mask_config, dict):
            raise TypeError(
                f'mask_config must be a dict, got {type(self.mask_config)}'
            )
        self.file_backend = None
        if mask_mode == 'set':
            cfg = self.mask_config
            self.io_backend = cfg['io_backend']
            self.color_type = cfg['color_type']
            self.file_prefix = cfg['prefix']
            self.file_client_kwargs = cfg['file_client_kwargs']
            names = list_from_file(
                cfg['mask_list_file'], backend_args=self.file_client_kwargs
            )
            self.mask_list = [osp.join(self.file_prefix, n) for n in names]
            self.mask_set_size = len(self.mask_list)
        elif mask_mode == 'file':
            self.io_backend = 'local'
            self.color_type = 'unchanged'
            self.file_client_kwargs = dict()

    def _read(self, path: str) -> np.ndarray:
        if self.file_backend is None:
            args = dict(self.file_client_kwargs, backend=self.io_backend)
            self.file_backend = get_file_backend(backend_args=args)
        try:
            content = self.file_backend.get(path)
        except FileNotFoundError as err:
            raise FileNotFoundError(f'Mask file not found: {path}') from err
        return _binary_mask(content, self.color_type, path)

    def transform(self, results: Dict) -> Dict:
        """Draw or read the mask into ``results['mask']``."""
        if self.mask_mode == 'bbox':
            bbox = random_bbox(**self.mask_config)
            mask = bbox2mask(self.mask_config['img_shape'], bbox)
            results['mask_bbox'] = bbox
        elif self.mask_mode == 'irregular':
            mask = get_irregular_mask(**self.mask_config)
        elif self.mask_mode == 'ff':
            mask = brush_stroke_mask(**self.mask_config)
        elif self.mask_mode == 'set':
            mask = self._read(
                self.mask_list[np.random.randint(0, self.mask_set_size)]
            )
        else:
            mask = self._read(results['mask_path'])
        results['mask'] = mask
        return results

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(mask_mode='{self.mask_mode}')"


@TRANSFORMS.register_module()
class GetSpatialDiscountMask(BaseTransform):
    """DeepFillv1's spatial discount weights inside ``mask_bbox``:
    ``gamma ** (beta * distance to the nearest hole edge)`` (the larger of
    the row and column values), 0 outside, in ``discount_mask``.

    Args:
        gamma (float): Discount base. Defaults to 0.99.
        beta (float): Distance factor. Defaults to 1.5.
    """

    def __init__(self, gamma: float = 0.99, beta: float = 1.5) -> None:
        self.gamma = gamma
        self.beta = beta

    def spatial_discount_mask(
        self, mask_width: int, mask_height: int
    ) -> np.ndarray:
        """``H×W×1`` discount values of a hole."""
        w, h = np.meshgrid(np.arange(mask_width), np.arange(mask_height))
        grid = np.stack([h, w], axis=2)
        edge = np.minimum(grid, [mask_height - 1, mask_width - 1] - grid)
        return (self.gamma ** (edge * self.beta)).max(axis=2, keepdims=True)

    def transform(self, results: Dict) -> Dict:
        """Write ``discount_mask`` from ``mask_bbox`` and ``mask``."""
        top, left, height, width = results['mask_bbox']
        discount = np.zeros_like(results['mask'])
        discount[top : top + height, left : left + width, ...] = (
            self.spatial_discount_mask(width, height)
        )
        results['discount_mask'] = discount
        return results

    def __repr__(self) -> str:
        return (
            f'{self.__class__.__name__}(gamma={self.gamma}, beta={self.beta})'
        )


@TRANSFORMS.register_module()
class GetMaskedImage(BaseTransform):
    """``out = img * (1 - mask) + zero_value * mask`` as float32.

    Args:
        img_key (str): Clean image key. Defaults to ``'gt'``.
        mask_key (str): Mask key. Defaults to ``'mask'``.
        out_key (str): Output key. Defaults to ``'img'``.
        zero_value (float): Value of the hole. Defaults to 127.5.

    Raises:
        ValueError: Mask and image differ in size (the message names the
            files when known).

    Examples:
        >>> out = GetMaskedImage()(dict(gt=np.full((1, 2, 1), 10, np.uint8),
        ...                             mask=np.array([[[0], [1]]])))
        >>> out['img'].ravel().tolist()
        [10.0, 127.5]
    """

    def __init__(
        self,
        img_key: str = 'gt',
        mask_key: str = 'mask',
        out_key: str = 'img',
        zero_value: float = 127.5,
    ) -> None:
        self.img_key = img_key
        self.mask_key = mask_key
        self.out_key = out_key
        self.zero_value = zero_value

    def transform(self, results: Dict) -> Dict:
        """Write the masked image and copy the image's meta keys."""
        img, mask = results[self.img_key], results[self.mask_key]
        if img.shape[:2] != mask.shape[:2]:
            files = [
                f'{k}: {results[k + "_path"]}'
                for k in (self.mask_key, self.img_key)
                if k + '_path' in results
            ]
            raise ValueError(
                f'Mask "{self.mask_key}" of size {mask.shape[:2]} does not '
                f'fit image "{self.img_key}" of size {img.shape[:2]}'
                + (f' ({", ".join(files)})' if files else '')
            )
        masked = img * (1.0 - mask) + self.zero_value * mask
        results[self.out_key] = masked.astype(np.float32)
        for meta in ('ori_{}_shape', '{}_channel_order', '{}_color_type'):
            if meta.format(self.img_key) in results:
                results[meta.format(self.out_key)] = deepcopy(
                    results[meta.format(self.img_key)]
                )
        return results

    def __repr__(self) -> str:
        return (
            f'{self.__class__.__name__}(img_key={self.img_key!r}, '
            f'mask_key={self.mask_key!r}, out_key={self.out_key!r}, '
            f'zero_value={self.zero_value!r})'
        )
