# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Value transforms of editing pipelines (MMagic 1.x names):
``CopyValues``, ``SetValues``, ``Clip`` and ``UnsharpMasking``."""

from copy import deepcopy
from typing import Dict, List, Sequence, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmflow_ext.registry import TRANSFORMS

__all__ = ['CopyValues', 'SetValues', 'Clip', 'UnsharpMasking']

Images = Union[np.ndarray, List[np.ndarray]]


def _map_images(images: Images, func) -> Images:
    if isinstance(images, np.ndarray):
        return func(images)
    return [func(v) for v in images]


@TRANSFORMS.register_module()
class CopyValues(BaseTransform):
    """Deep-copy ``results[src]`` into ``results[dst]`` pair by pair.

    Args:
        src_keys (list[str]): Keys to copy from.
        dst_keys (list[str]): Keys to copy to (same length).

    Examples:
        >>> CopyValues(['gt'], ['img'])(dict(gt=[1]))
        {'gt': [1], 'img': [1]}
    """

    def __init__(self, src_keys: List[str], dst_keys: List[str]) -> None:
        if not isinstance(src_keys, list) or not isinstance(dst_keys, list):
            raise AssertionError('"src_keys" and "dst_keys" must be lists.')
        if len(src_keys) != len(dst_keys):
            raise ValueError(
                '"src_keys" and "dst_keys" should have the same'
                'number of elements.'
            )
        self.src_keys = src_keys
        self.dst_keys = dst_keys

    def transform(self, results: Dict) -> Dict:
        """Copy the values."""
        for src, dst in zip(self.src_keys, self.dst_keys):
            results[dst] = deepcopy(results[src])
        return results

    def __repr__(self) -> str:
        return (
            f'{self.__class__.__name__}(src_keys={self.src_keys})'
            f'(dst_keys={self.dst_keys})'
        )


@TRANSFORMS.register_module()
class SetValues(BaseTransform):
    """Set results keys to (deep copies of) fixed values.

    Args:
        dictionary (dict): Keys and values to set.

    Examples:
        >>> SetValues(dict(scale=4))(dict())
        {'scale': 4}
    """

    def __init__(self, dictionary: Dict) -> None:
        self.dictionary = dictionary

    def transform(self, results: Dict) -> Dict:
        """Update ``results`` with a copy of ``dictionary``."""
        results.update(deepcopy(self.dictionary))
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(dictionary={self.dictionary})'


@TRANSFORMS.register_module()
class Clip(BaseTransform):
    """Clip images (or frame lists) to ``[a_min, a_max]``.

    Args:
        keys (list[str]): Results keys.
        a_min (float): Lower bound. Defaults to 0.
        a_max (float): Upper bound. Defaults to 255.

    Examples:
        >>> Clip(['img'])(dict(img=np.array([-3., 300.])))['img'].tolist()
        [0.0, 255.0]
    """

    def __init__(
        self, keys: Sequence[str], a_min: float = 0, a_max: float = 255
    ) -> None:
        self.keys = keys
        self.a_min = a_min
        self.a_max = a_max

    def transform(self, results: Dict) -> Dict:
        """Clip ``keys``."""
        for key in self.keys:
            results[key] = _map_images(
                results[key], lambda v: np.clip(v, self.a_min, self.a_max)
            )
        return results

    def __repr__(self) -> str:
        return (
            f'{self.__class__.__name__}(a_min={self.a_min}, '
            f'a_max={self.a_max})'
        )


@TRANSFORMS.register_module()
class UnsharpMasking(BaseTransform):
    """Sharpen ``keys`` into ``{key}_unsharp`` (Real-ESRGAN's GT
    sharpening): ``img + weight * (img - blur(img))`` where the residue
    exceeds ``threshold``, blended through a blurred mask.

    Args:
        kernel_size (int): Odd side of the Gaussian kernel.
        sigma (float): Standard deviation of the Gaussian kernel.
        weight (float): Weight of the residue.
        threshold (float): Residues at most this large are not sharpened.
        keys (list[str]): Results keys.
    """

    def __init__(
        self,
        kernel_size: int,
        sigma: float,
        weight: float,
        threshold: float,
        keys: Sequence[str],
    ) -> None:
        if kernel_size % 2 == 0:
            raise ValueError(
                f'kernel_size must be an odd number, but got {kernel_size}.'
            )
        self.kernel_size = kernel_size
        self.sigma = sigma
        self.weight = weight
        self.threshold = threshold
        self.keys = keys
        kernel = cv2.getGaussianKernel(kernel_size, sigma)
        self.kernel = kernel @ kernel.T

    def _sharpen(self, img: np.ndarray) -> np.ndarray:
        img = img.astype(np.float32)
        residue = img - cv2.filter2D(img, -1, self.kernel)
        mask = np.float32(np.abs(residue) > self.threshold)
        soft_mask = cv2.filter2D(mask, -1, self.kernel)
        sharpened = np.clip(img + self.weight * residue, 0, 255)
        return soft_mask * sharpened + (1 - soft_mask) * img

    def transform(self, results: Dict) -> Dict:
        """Write ``{key}_unsharp`` for every key."""
        for key in self.keys:
            results[f'{key}_unsharp'] = _map_images(
                results[key], self._sharpen
            )
        return results

    def __repr__(self) -> str:
        return (
            f'{self.__class__.__name__}(keys={self.keys}, '
            f'kernel_size={self.kernel_size}, sigma={self.sigma}, '
            f'weight={self.weight}, threshold={self.threshold})'
        )
