# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Geometric segmentation transforms of MMSegmentation that mmcv lacks.

``ResizeToMultiple``, ``ResizeShortestEdge``, ``SegRescale``,
``RandomRotate`` and ``RandomRotFlip`` change the image and every map of
``seg_fields`` alike (label maps always with nearest-neighbour sampling).
Random numbers are drawn from NumPy's global generator in MMSegmentation's
order, so a seeded pipeline makes the same choices as upstream's.
"""

from typing import Optional, Sequence, Tuple, Union

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from mmflow_ext.registry import TRANSFORMS

__all__ = [
    'ResizeToMultiple',
    'ResizeShortestEdge',
    'SegRescale',
    'RandomRotate',
    'RandomRotFlip',
]

Degree = Union[float, Tuple[float, float]]


def _check_prob(name: str, value: float) -> None:
    if not 0 <= value <= 1:
        raise ValueError(f'{name} must be in [0, 1], got {value}')


def _degree_range(degree: Degree) -> Sequence[float]:
    """``degree`` as a ``(min, max)`` range; a number ``d`` is ``(-d, d)``."""
    if isinstance(degree, (int, float)):
        if degree <= 0:
            raise ValueError(f'degree {degree} should be positive')
        return (-degree, degree)
    if len(degree) != 2:
        raise ValueError(f'degree {degree} should be a tuple of (min, max)')
    return degree


@TRANSFORMS.register_module()
class ResizeToMultiple(BaseTransform):
    """Resize the image and label maps to multiples of ``size_divisor``.

    Each side becomes the nearest multiple of ``size_divisor`` at or above
    it (``mmcv.imresize_to_multiple``).

    Required keys: ``img``; modified: ``img``, ``img_shape``, ``pad_shape``
    and the ``seg_fields`` maps.

    Args:
        size_divisor (int): The multiple. Defaults to 32.
        interpolation (str, optional): Interpolation of the image.
            Defaults to None (bilinear).

    Examples:
        >>> out = ResizeToMultiple(8)(dict(img=np.zeros((10, 17, 3),
        ...                                             np.uint8)))
        >>> out['img'].shape, out['img_shape'], out['pad_shape']
        ((16, 24, 3), (16, 24), (16, 24))
    """

    def __init__(
        self, size_divisor: int = 32, interpolation: Optional[str] = None
    ) -> None:
        self.size_divisor = size_divisor
        self.interpolation = interpolation

    def transform(self, results: dict) -> dict:
        """Resize ``img`` and the ``seg_fields`` maps."""
        img = mmcv.imresize_to_multiple(
            results['img'],
            self.size_divisor,
            scale_factor=1,
            interpolation=self.interpolation or 'bilinear',
        )
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['pad_shape'] = img.shape[:2]
        for key in results.get('seg_fields', []):
            results[key] = mmcv.imresize_to_multiple(
                results[key],
                self.size_divisor,
                scale_factor=1,
                interpolation='nearest',
            )
        return results

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(size_divisor={self.size_divisor}, '
            f'interpolation={self.interpolation})'
        )


@TRANSFORMS.register_module()
class ResizeShortestEdge(BaseTransform):
    """Resize so that the short side is ``scale``, the long at most
    ``max_size``, keeping the aspect ratio.

    The target ``(w, h)`` is computed as Detectron2 (and MMSegmentation)
    compute it, then the registry's ``Resize`` (``keep_ratio=True``) resizes
    the image and the maps and sets ``scale``, ``scale_factor`` and
    ``keep_ratio``.

    Args:
        scale (int | Sequence[int]): Short side length; of a sequence, the
            smallest.
        max_size (int): Largest long side.

    Examples:
        >>> t = ResizeShortestEdge(scale=20, max_size=30)
        >>> t.output_shape(10, 40)  # (w, h): long side capped at 30
        (30, 8)
    """

    def __init__(
        self, scale: Union[int, Sequence[int]], max_size: int
    ) -> None:
        self.scale = scale
        self.max_size = max_size
        self.resize = TRANSFORMS.build(
            dict(type='Resize', scale=0, keep_ratio=True)
        )

    def output_shape(self, height: int, width: int) -> Tuple[int, int]:
        """Target ``(w, h)`` of an image of ``height × width``.

        Args:
            height (int): Image height.
            width (int): Image width.

        Returns:
            tuple[int, int]: The new width and height.
        """
        if isinstance(self.scale, (int, float)):
            size = float(self.scale)
        else:
            size = float(min(self.scale))
        ratio = size / min(height, width)
        if height < width:
            new_h, new_w = size, ratio * width
        else:
            new_h, new_w = ratio * height, size
        if max(new_h, new_w) > self.max_size:
            shrink = self.max_size * 1.0 / max(new_h, new_w)
            new_h *= shrink
            new_w *= shrink
        return int(new_w + 0.5), int(new_h + 0.5)

    def transform(self, results: dict) -> dict:
        """Resize ``img`` and the maps to :meth:`output_shape`."""
        self.resize.scale = self.output_shape(*results['img'].shape[:2])
        return self.resize(results)

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(scale={self.scale}, '
            f'max_size={self.max_size})'
        )


@TRANSFORMS.register_module()
class SegRescale(BaseTransform):
    """Rescale the ``seg_fields`` maps (nearest) by ``scale_factor``.

    Args:
        scale_factor (float): The factor. Defaults to 1 (no change).

    Examples:
        >>> out = SegRescale(0.5)(dict(gt_seg_map=np.zeros((4, 6), np.uint8),
        ...                            seg_fields=['gt_seg_map']))
        >>> out['gt_seg_map'].shape
        (2, 3)
    """

    def __init__(self, scale_factor: float = 1) -> None:
        self.scale_factor = scale_factor

    def transform(self, results: dict) -> dict:
        """Rescale the ``seg_fields`` maps."""
        if self.scale_factor != 1:
            for key in results.get('seg_fields', []):
                results[key] = mmcv.imrescale(
                    results[key], self.scale_factor, interpolation='nearest'
                )
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(scale_factor={self.scale_factor})'


@TRANSFORMS.register_module()
class RandomRotate(BaseTransform):
    """Rotate the image and label maps by a random angle, with ``prob``.

    Both draws (``rand() < prob``, then ``uniform(min, max)`` degrees) are
    made for every sample, as upstream makes them.

    Args:
        prob (float): Probability of rotating.
        degree (float | tuple[float, float]): Angle range in degrees; a
            number ``d`` means ``(-d, d)``.
        pad_val (float): Image value outside the source. Defaults to 0.
        seg_pad_val (int): Label outside the source. Defaults to 255.
        center (tuple[float, float], optional): Rotation centre ``(x, y)``.
            Defaults to None (the image centre).
        auto_bound (bool): Grow the output to hold the whole rotated
            image. Defaults to False.

    Examples:
        >>> RandomRotate(prob=1., degree=30)
        RandomRotate(prob=1.0, degree=(-30, 30), pad_val=0, seg_pad_val=255, center=None, auto_bound=False)
    """  # noqa: E501

    def __init__(
        self,
        prob: float,
        degree: Degree,
        pad_val: float = 0,
        seg_pad_val: int = 255,
        center: Optional[Tuple[float, float]] = None,
        auto_bound: bool = False,
    ) -> None:
        _check_prob('prob', prob)
        self.prob = prob
        self.degree = _degree_range(degree)
        self.pad_val = pad_val
        self.seg_pad_val = seg_pad_val
        self.center = center
        self.auto_bound = auto_bound

    @cache_randomness
    def generate_degree(self) -> Tuple[bool, float]:
        """``(rotate, angle)`` drawn from NumPy's global generator."""
        rotate = np.random.rand() < self.prob
        return rotate, np.random.uniform(min(*self.degree), max(*self.degree))

    def transform(self, results: dict) -> dict:
        """Rotate ``img`` and the ``seg_fields`` maps."""
        rotate, degree = self.generate_degree()
        if rotate:
            results['img'] = mmcv.imrotate(
                results['img'],
                angle=degree,
                border_value=self.pad_val,
                center=self.center,
                auto_bound=self.auto_bound,
            )
            for key in results.get('seg_fields', []):
                results[key] = mmcv.imrotate(
                    results[key],
                    angle=degree,
                    border_value=self.seg_pad_val,
                    center=self.center,
                    auto_bound=self.auto_bound,
                    interpolation='nearest',
                )
        return results

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(prob={self.prob}, '
            f'degree={self.degree}, pad_val={self.pad_val}, '
            f'seg_pad_val={self.seg_pad_val}, center={self.center}, '
            f'auto_bound={self.auto_bound})'
        )


@TRANSFORMS.register_module()
class RandomRotFlip(BaseTransform):
    """Rotate by a random angle, or else rotate by a multiple of 90° and
    flip (the Synapse configs' augmentation).

    With ``rotate_prob`` the image and maps are rotated by
    ``uniform(min, max)`` degrees (border 0); otherwise, with ``flip_prob``,
    they are turned ``k`` quarter turns (``k`` in 0..3) and flipped along a
    random axis. Label maps are rotated with nearest-neighbour sampling
    (upstream interpolates them bilinearly, inventing labels at borders).

    Args:
        rotate_prob (float): Probability of the free rotation.
            Defaults to 0.5.
        flip_prob (float): Probability of the quarter turns and flip when
            not rotated. Defaults to 0.5.
        degree (float | tuple[float, float]): Angle range in degrees; a
            number ``d`` means ``(-d, d)``. Defaults to ``(-20, 20)``.

    Examples:
        >>> RandomRotFlip()
        RandomRotFlip(rotate_prob=0.5, flip_prob=0.5, degree=(-20, 20))
    """

    def __init__(
        self,
        rotate_prob: float = 0.5,
        flip_prob: float = 0.5,
        degree: Degree = (-20, 20),
    ) -> None:
        _check_prob('rotate_prob', rotate_prob)
        _check_prob('flip_prob', flip_prob)
        self.rotate_prob = rotate_prob
        self.flip_prob = flip_prob
        self.degree = _degree_range(degree)

    def random_rot_flip(self, results: dict) -> dict:
        """Quarter turns and a flip, drawn from NumPy's generator."""
        turns = np.random.randint(0, 4)
        axis = np.random.randint(0, 2)
        for key in ['img'] + list(results.get('seg_fields', [])):
            results[key] = np.flip(
                np.rot90(results[key], turns), axis=axis
            ).copy()
        return results

    def random_rotate(self, results: dict) -> dict:
        """A free rotation, drawn from NumPy's generator."""
        angle = np.random.uniform(min(*self.degree), max(*self.degree))
        results['img'] = mmcv.imrotate(results['img'], angle=angle)
        for key in results.get('seg_fields', []):
            results[key] = mmcv.imrotate(
                results[key], angle=angle, interpolation='nearest'
            )
        return results

    def transform(self, results: dict) -> dict:
        """Rotate, or turn and flip, ``img`` and the ``seg_fields`` maps."""
        rotated = np.random.random() < self.rotate_prob
        if rotated:
            results = self.random_rotate(results)
        # drawn whether or not the image was rotated, as upstream draws it
        if np.random.random() < self.flip_prob and not rotated:
            results = self.random_rot_flip(results)
        return results

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(rotate_prob={self.rotate_prob}, '
            f'flip_prob={self.flip_prob}, degree={self.degree})'
        )
