# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Segmentation augmentations that mmcv lacks: ``RandomCrop`` with a
class-ratio limit and ``PhotoMetricDistortion``.

Random numbers are drawn from NumPy's global generator in the same order as
MMSegmentation, so a seeded pipeline gives the same crops and colours.
"""
from typing import Sequence, Tuple, Union

import cv2
import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from mmflow_ext.registry import TRANSFORMS

__all__ = ['RandomCrop', 'PhotoMetricDistortion']

CropBox = Tuple[int, int, int, int]

_CROP_RETRIES = 10
#: float32 histogram bins count exactly up to this many pixels
_EXACT_FLOAT32_COUNT = 2**24


@TRANSFORMS.register_module()
class RandomCrop(BaseTransform):
    """Crop the image and every map of ``seg_fields`` at a random place.

    With ``cat_max_ratio < 1`` a crop is redrawn (up to 10 times) while a
    single class covers at least that share of its labelled pixels or it
    holds fewer than two classes.

    Required keys: ``img``, ``gt_seg_map`` (when ``cat_max_ratio < 1``);
    modified: ``img``, ``img_shape``, the ``seg_fields`` maps.

    Args:
        crop_size (int | tuple[int, int]): ``(h, w)`` of the crop; an image
            smaller than it along an axis is kept whole along that axis.
        cat_max_ratio (float): Largest share one class may cover. Defaults
            to 1 (no limit).
        ignore_index (int): Label left out of the ratio. Defaults to 255.

    Examples:
        >>> results = dict(img=np.zeros((8, 8, 3), np.uint8),
        ...                gt_seg_map=np.zeros((8, 8), np.uint8),
        ...                seg_fields=['gt_seg_map'])
        >>> out = RandomCrop((4, 6))(results)
        >>> out['img'].shape, out['gt_seg_map'].shape, out['img_shape']
        ((4, 6, 3), (4, 6), (4, 6))
    """

    def __init__(self,
                 crop_size: Union[int, Tuple[int, int]],
                 cat_max_ratio: float = 1.,
                 ignore_index: int = 255) -> None:
        if not isinstance(crop_size, (tuple, list)):
            crop_size = (crop_size, crop_size)
        crop_size = tuple(crop_size)
        if len(crop_size) != 2 or min(crop_size) <= 0:
            raise ValueError('crop_size must be a positive int or (h, w), '
                             f'got {crop_size}')
        self.crop_size = crop_size
        self.cat_max_ratio = cat_max_ratio
        self.ignore_index = ignore_index

    def _random_box(self, img: np.ndarray) -> CropBox:
        margin_h = max(img.shape[0] - self.crop_size[0], 0)
        margin_w = max(img.shape[1] - self.crop_size[1], 0)
        top = np.random.randint(0, margin_h + 1)
        left = np.random.randint(0, margin_w + 1)
        return top, top + self.crop_size[0], left, left + self.crop_size[1]

    @staticmethod
    def crop(img: np.ndarray, box: CropBox) -> np.ndarray:
        """``img`` cut to ``box`` = (y1, y2, x1, x2)."""
        y1, y2, x1, x2 = box
        return img[y1:y2, x1:x2, ...]

    def _class_counts(self, seg_map: np.ndarray) -> np.ndarray:
        """Pixel counts of the classes present, ``ignore_index`` left out.

        A 2-D uint8 map is counted in one linear pass with a 256-bin
        histogram (float32 bins, exact below 2**24 pixels), many times
        faster than sorting it with ``np.unique``.
        """
        if (seg_map.dtype == np.uint8 and seg_map.ndim == 2
                and seg_map.size < _EXACT_FLOAT32_COUNT):
            if seg_map.strides[0] < 0 or seg_map.strides[1] != 1:
                seg_map = np.ascontiguousarray(seg_map)
            counts = cv2.calcHist([seg_map], [0], None, [256],
                                  [0, 256]).ravel().astype(np.int64)
            if 0 <= self.ignore_index < 256:
                counts[int(self.ignore_index)] = 0
            return counts[counts > 0]
        labels, counts = np.unique(seg_map, return_counts=True)
        return counts[labels != self.ignore_index]

    def _balanced_enough(self, seg_map: np.ndarray) -> bool:
        counts = self._class_counts(seg_map)
        return (len(counts) > 1
                and counts.max() / counts.sum() < self.cat_max_ratio)

    @cache_randomness
    def crop_bbox(self, results: dict) -> CropBox:
        """Draw the crop box of ``results``.

        Args:
            results (dict): The sample.

        Returns:
            tuple[int, int, int, int]: ``(y1, y2, x1, x2)``.
        """
        box = self._random_box(results['img'])
        if self.cat_max_ratio < 1.:
            for _ in range(_CROP_RETRIES):
                if self._balanced_enough(
                        self.crop(results['gt_seg_map'], box)):
                    break
                box = self._random_box(results['img'])
        return box

    def transform(self, results: dict) -> dict:
        """Crop the sample.

        Args:
            results (dict): The sample.

        Returns:
            dict: The cropped sample.
        """
        box = self.crop_bbox(results)
        img = self.crop(results['img'], box)
        for key in results.get('seg_fields', []):
            results[key] = self.crop(results[key], box)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(crop_size={self.crop_size}, '
                f'cat_max_ratio={self.cat_max_ratio}, '
                f'ignore_index={self.ignore_index})')


@TRANSFORMS.register_module()
class PhotoMetricDistortion(BaseTransform):
    """Random brightness, contrast, saturation and hue of a BGR uint8 image.

    Each change happens with probability 1/2; contrast comes either first
    or last (chosen at random):

    1. brightness, 2. contrast (mode 1), 3. saturation, 4. hue,
    5. contrast (mode 0).

    Required and modified key: ``img``.

    Args:
        brightness_delta (int): Largest brightness shift. Defaults to 32.
        contrast_range (Sequence[float]): Contrast factor range. Defaults
            to (0.5, 1.5).
        saturation_range (Sequence[float]): Saturation factor range.
            Defaults to (0.5, 1.5).
        hue_delta (int): Largest hue shift (OpenCV's 0-180 hue). Defaults
            to 18.

    Examples:
        >>> np.random.seed(0)
        >>> img = np.full((2, 2, 3), 100, np.uint8)
        >>> PhotoMetricDistortion()(dict(img=img))['img'].dtype
        dtype('uint8')
    """

    def __init__(self,
                 brightness_delta: int = 32,
                 contrast_range: Sequence[float] = (0.5, 1.5),
                 saturation_range: Sequence[float] = (0.5, 1.5),
                 hue_delta: int = 18) -> None:
        self.brightness_delta = brightness_delta
        self.contrast_lower, self.contrast_upper = contrast_range
        self.saturation_lower, self.saturation_upper = saturation_range
        self.hue_delta = hue_delta

    @staticmethod
    def convert(img: np.ndarray,
                alpha: float = 1.,
                beta: float = 0.) -> np.ndarray:
        """``img * alpha + beta`` clipped to ``[0, 255]``, as uint8."""
        out = img.astype(np.float32) * alpha + beta
        return np.clip(out, 0, 255).astype(np.uint8)

    def brightness(self, img: np.ndarray) -> np.ndarray:
        """Shift the brightness with probability 1/2."""
        if np.random.randint(2):
            return self.convert(
                img,
                beta=np.random.uniform(-self.brightness_delta,
                                       self.brightness_delta))
        return img

    def contrast(self, img: np.ndarray) -> np.ndarray:
        """Scale the contrast with probability 1/2."""
        if np.random.randint(2):
            return self.convert(
                img,
                alpha=np.random.uniform(self.contrast_lower,
                                        self.contrast_upper))
        return img

    def saturation(self, img: np.ndarray) -> np.ndarray:
        """Scale the saturation with probability 1/2."""
        if np.random.randint(2):
            hsv = mmcv.bgr2hsv(img)
            hsv[:, :, 1] = self.convert(
                hsv[:, :, 1],
                alpha=np.random.uniform(self.saturation_lower,
                                        self.saturation_upper))
            return mmcv.hsv2bgr(hsv)
        return img

    def hue(self, img: np.ndarray) -> np.ndarray:
        """Rotate the hue with probability 1/2."""
        if np.random.randint(2):
            hsv = mmcv.bgr2hsv(img)
            shift = np.random.randint(-self.hue_delta, self.hue_delta)
            hsv[:, :, 0] = (hsv[:, :, 0].astype(int) + shift) % 180
            return mmcv.hsv2bgr(hsv)
        return img

    def transform(self, results: dict) -> dict:
        """Distort ``results['img']``.

        Args:
            results (dict): The sample.

        Returns:
            dict: The sample with the distorted image.
        """
        img = self.brightness(results['img'])
        contrast_first = np.random.randint(2)
        if contrast_first == 1:
            img = self.contrast(img)
        img = self.saturation(img)
        img = self.hue(img)
        if contrast_first == 0:
            img = self.contrast(img)
        results['img'] = img
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}('
                f'brightness_delta={self.brightness_delta}, '
                f'contrast_range=({self.contrast_lower}, '
                f'{self.contrast_upper}), '
                f'saturation_range=({self.saturation_lower}, '
                f'{self.saturation_upper}), hue_delta={self.hue_delta})')
