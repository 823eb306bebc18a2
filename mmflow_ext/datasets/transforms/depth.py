# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Depth-estimation transforms: loading depth maps and depth-into-image mix."""

import gzip
import io
import pickle
from typing import Optional

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine import fileio

from mmflow_ext.registry import TRANSFORMS

__all__ = ['LoadDepthAnnotation', 'RandomDepthMix', 'decode_depth_bytes']

_BACKENDS = ('cv2', 'numpy', 'nifti', 'pickle')


def decode_depth_bytes(content: bytes, backend: str, path: str) -> np.ndarray:
    """Decode a depth map's file bytes as MMSegmentation's loaders do.

    Args:
        content (bytes): The file's bytes.
        backend (str): ``'cv2'`` (any image, read unchanged, e.g. a 16-bit
            PNG), ``'numpy'`` (``.npy``), ``'nifti'`` (gzipped NIfTI, needs
            nibabel) or ``'pickle'``.
        path (str): The file, named in errors.

    Returns:
        np.ndarray: The decoded array.

    Raises:
        ValueError: For an unknown backend or bytes that do not decode.
    """
    if backend not in _BACKENDS:
        raise ValueError(
            f'decode_backend must be one of {_BACKENDS}, got {backend!r}'
        )
    try:
        if backend == 'pickle':
            data = pickle.loads(content)
        elif backend == 'numpy':
            data = np.load(io.BytesIO(content))
        elif backend == 'cv2':
            data = cv2.imdecode(
                np.frombuffer(content, np.uint8), cv2.IMREAD_UNCHANGED
            )
        else:
            try:
                from nibabel import FileHolder, Nifti1Image
            except ImportError as error:
                raise ImportError(
                    'decode_backend="nifti" needs nibabel: pip install nibabel'
                ) from error
            holder = FileHolder(fileobj=gzip.open(io.BytesIO(content)))
            image = Nifti1Image.from_file_map(
                {'header': holder, 'image': holder}
            )
            data = Nifti1Image.from_bytes(image.to_bytes()).get_fdata()
    except ImportError:
        raise
    except Exception as error:
        raise ValueError(
            f'depth map {path} does not decode with backend {backend!r}: '
            f'{error}'
        ) from error
    if data is None:
        raise ValueError(
            f'depth map {path} does not decode with backend {backend!r}'
        )
    return data


@TRANSFORMS.register_module()
class LoadDepthAnnotation(BaseTransform):
    """Load the depth map of ``depth_map_path`` as ``gt_depth_map``.

    The map is multiplied by ``depth_rescale_factor`` (e.g. ``1e-3`` turns
    NYU's millimetre PNGs into metres); ``'gt_depth_map'`` is appended to
    ``seg_fields`` and the factor is stored as ``depth_rescale_factor``, as
    MMSegmentation does.

    Args:
        decode_backend (str): See :func:`decode_depth_bytes`. Defaults to
            ``'cv2'``.
        to_float32 (bool): Convert to float32 before rescaling. Otherwise
            an integer map keeps its dtype when the factor is 1 and becomes
            float64 when it is not (MMSegmentation raises a NumPy casting
            error there). Defaults to True.
        depth_rescale_factor (float): Defaults to 1.0.
        backend_args (dict, optional): MMEngine file backend arguments.
            Defaults to None.
    """

    def __init__(
        self,
        decode_backend: str = 'cv2',
        to_float32: bool = True,
        depth_rescale_factor: float = 1.0,
        backend_args: Optional[dict] = None,
    ) -> None:
        self.decode_backend = decode_backend
        self.to_float32 = to_float32
        self.depth_rescale_factor = depth_rescale_factor
        self.backend_args = backend_args.copy() if backend_args else None

    def transform(self, results: dict) -> dict:
        """Load and rescale the depth map.

        Args:
            results (dict): With ``depth_map_path``.

        Returns:
            dict: With ``gt_depth_map`` and ``depth_rescale_factor``.
        """
        path = results['depth_map_path']
        content = fileio.get(path, backend_args=self.backend_args)
        depth = decode_depth_bytes(content, self.decode_backend, path)
        if self.to_float32:
            depth = depth.astype(np.float32)
        if depth.dtype.kind == 'f':
            depth *= self.depth_rescale_factor
        elif self.depth_rescale_factor != 1:
            # upstream's in-place product fails on integer maps
            depth = depth * self.depth_rescale_factor
        results['gt_depth_map'] = depth
        results.setdefault('seg_fields', []).append('gt_depth_map')
        results['depth_rescale_factor'] = self.depth_rescale_factor
        return results

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}('
            f"decode_backend='{self.decode_backend}', "
            f'to_float32={self.to_float32}, '
            f'backend_args={self.backend_args})'
        )


@TRANSFORMS.register_module()
class RandomDepthMix(BaseTransform):
    """Paste a vertical strip of the (unscaled) depth map into the image.

    With probability ``prob`` a strip starting at a random column, of a
    random width up to ``mix_scale_ratio`` of the columns to its right, of
    every image channel is replaced by ``gt_depth_map /
    depth_rescale_factor``. Draws come from NumPy's global generator in
    MMSegmentation's order (three ``np.random.random()`` calls when the mix
    applies, one when it does not), so a seed gives upstream's result.

    Args:
        prob (float): Probability of mixing. Defaults to 0.25.
        mix_scale_ratio (float): Largest strip width, as a fraction of the
            columns right of its start. Defaults to 0.75.

    Raises:
        ValueError: When the image is neither 2-D nor 3-D.
    """

    def __init__(self, prob: float = 0.25, mix_scale_ratio: float = 0.75):
        self.prob = prob
        self.mix_scale_ratio = mix_scale_ratio

    def transform(self, results: dict) -> dict:
        """Maybe mix the depth map into ``img`` (in place).

        Args:
            results (dict): With ``img``, ``img_shape`` and
                ``gt_depth_map``.

        Returns:
            dict: ``results``.
        """
        if np.random.random() > self.prob:
            return results
        height, width = results['img_shape'][:2]
        left = int(width * np.random.random())
        ratio = self.mix_scale_ratio * np.random.random()
        strip = int(max(1, (width - left) * ratio))
        img = results['img']
        if img.ndim not in (2, 3):
            raise ValueError(
                f'RandomDepthMix needs an (H, W) or (H, W, C) image, got '
                f'shape {img.shape}'
            )
        depth = results['gt_depth_map'] / results.get(
            'depth_rescale_factor', 1
        )
        columns = slice(left, left + strip)
        if img.ndim == 3:
            img[:, columns, :] = depth[:, columns, None]
        else:
            img[:, columns] = depth[:, columns]
        results['img'] = img
        return results

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(prob={self.prob}, '
            f'mix_scale_ratio={self.mix_scale_ratio})'
        )
