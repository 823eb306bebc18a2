# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Region-dropping and image-mixing segmentation augmentations.

``RandomCutOut`` fills random rectangles of the image (and optionally of the
label maps); ``RandomMosaic`` tiles four samples into one, the three extra
ones given by :class:`~mmflow_ext.datasets.MultiImageMixDataset` as
``mix_results``. Random numbers are drawn from NumPy's global generator in
MMSegmentation's order, so a seeded pipeline makes upstream's choices.
"""

from typing import List, Sequence, Tuple, Union

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from mmflow_ext.registry import TRANSFORMS

__all__ = ['RandomCutOut', 'RandomMosaic']

Pair = Tuple[float, float]


@TRANSFORMS.register_module()
class RandomCutOut(BaseTransform):
    """Fill random rectangles of the image, with probability ``prob``.

    Draws: ``rand() < prob``; then the number of holes in
    ``[n_holes[0], n_holes[1]]``; then per hole its top-left ``x``, ``y``
    and the index of its candidate shape.

    Args:
        prob (float): Probability of cutting out.
        n_holes (int | tuple[int, int]): Number of holes, or its range.
        cutout_shape (tuple | list[tuple], optional): Candidate ``(w, h)``
            hole sizes in pixels.
        cutout_ratio (tuple | list[tuple], optional): Candidate ``(w, h)``
            hole sizes as fractions of the image. Give exactly one of
            ``cutout_shape`` and ``cutout_ratio``.
        fill_in (tuple): Image value of the holes. Defaults to
            ``(0, 0, 0)``.
        seg_fill_in (int, optional): Label of the holes in the
            ``seg_fields`` maps, in ``[0, 255]``; None leaves the maps
            alone. Defaults to None.

    Examples:
        >>> RandomCutOut(prob=1., n_holes=2, cutout_shape=(4, 4))
        RandomCutOut(prob=1.0, n_holes=(2, 2), cutout_shape=[(4, 4)], fill_in=(0, 0, 0), seg_fill_in=None)
    """  # noqa: E501

    def __init__(
        self,
        prob: float,
        n_holes: Union[int, Tuple[int, int]],
        cutout_shape=None,
        cutout_ratio=None,
        fill_in: Sequence[float] = (0, 0, 0),
        seg_fill_in=None,
    ) -> None:
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        if (cutout_shape is None) == (cutout_ratio is None):
            raise ValueError(
                'Either cutout_shape or cutout_ratio should be specified '
                '(exactly one of them)'
            )
        candidates = cutout_ratio if cutout_shape is None else cutout_shape
        if not isinstance(candidates, (list, tuple)):
            raise ValueError(
                'cutout_shape / cutout_ratio must be a (w, h) '
                f'tuple or a list of them, got {candidates!r}'
            )
        if isinstance(n_holes, (tuple, list)):
            n_holes = tuple(n_holes)
            if not (len(n_holes) == 2 and 0 <= n_holes[0] < n_holes[1]):
                raise ValueError(
                    'n_holes must be an int or (min, max) with '
                    f'0 <= min < max, got {n_holes}'
                )
        else:
            n_holes = (n_holes, n_holes)
        if seg_fill_in is not None and not (
            isinstance(seg_fill_in, int) and 0 <= seg_fill_in <= 255
        ):
            raise ValueError(
                'seg_fill_in must be None or an int in '
                f'[0, 255], got {seg_fill_in!r}'
            )
        self.prob = prob
        self.n_holes = n_holes
        self.fill_in = fill_in
        self.seg_fill_in = seg_fill_in
        self.with_ratio = cutout_ratio is not None
        self.candidates = (
            candidates if isinstance(candidates, list) else [candidates]
        )

    @cache_randomness
    def do_cutout(self) -> bool:
        """Whether this sample is cut out."""
        return np.random.rand() < self.prob

    @cache_randomness
    def generate_patches(self, results: dict) -> tuple:
        """``(cutout, n_holes, xs, ys, candidate indices)`` of a sample."""
        cutout = self.do_cutout()
        height, width = results['img'].shape[:2]
        n_holes = (
            np.random.randint(self.n_holes[0], self.n_holes[1] + 1)
            if cutout
            else 0
        )
        xs: List[int] = []
        ys: List[int] = []
        indices: List[int] = []
        for _ in range(n_holes):
            xs.append(np.random.randint(0, width))
            ys.append(np.random.randint(0, height))
            indices.append(np.random.randint(0, len(self.candidates)))
        return cutout, n_holes, xs, ys, indices

    def transform(self, results: dict) -> dict:
        """Fill the holes of ``img`` (and of the maps) in place."""
        cutout, n_holes, xs, ys, indices = self.generate_patches(results)
        if not cutout:
            return results
        height, width = results['img'].shape[:2]
        for x1, y1, index in zip(xs, ys, indices):
            hole_w, hole_h = self.candidates[index]
            if self.with_ratio:
                hole_w, hole_h = int(hole_w * width), int(hole_h * height)
            x2 = int(np.clip(x1 + hole_w, 0, width))
            y2 = int(np.clip(y1 + hole_h, 0, height))
            results['img'][y1:y2, x1:x2, :] = self.fill_in
            if self.seg_fill_in is not None:
                for key in results.get('seg_fields', []):
                    results[key][y1:y2, x1:x2] = self.seg_fill_in
        return results

    def __repr__(self) -> str:
        shape_key = 'cutout_ratio' if self.with_ratio else 'cutout_shape'
        return (
            f'{type(self).__name__}(prob={self.prob}, '
            f'n_holes={self.n_holes}, {shape_key}={self.candidates}, '
            f'fill_in={self.fill_in}, seg_fill_in={self.seg_fill_in})'
        )


def _spans(
    center: int, size: int, limit: int, before: bool
) -> Tuple[int, int, int, int]:
    """Paste ``[p1, p2)`` and crop ``[c1, c2)`` along one axis.

    A tile of ``size`` ends at ``center`` (``before``) or starts there, cut
    to the canvas ``[0, limit)``.
    """
    if before:
        p1, p2 = max(center - size, 0), center
        return p1, p2, size - (p2 - p1), size
    p1, p2 = center, min(center + size, limit)
    return p1, p2, 0, min(size, p2 - p1)


@TRANSFORMS.register_module()
class RandomMosaic(BaseTransform):
    """Tile the sample and three others around a random centre.

    With probability ``prob``, a canvas of ``2 * img_scale`` is filled with
    ``pad_val`` (label maps with ``seg_pad_val``); the sample goes top-left
    of the centre, ``mix_results[0..2]`` top-right, bottom-left and
    bottom-right. Each is first resized, keeping its aspect ratio, to fit
    ``img_scale`` (bilinear; label maps nearest). The centre is
    ``(uniform(*center_ratio_range) * img_scale[1], uniform(...) *
    img_scale[0])``, drawn x first. ``img_shape`` and ``ori_shape`` become
    the canvas's ``(h, w)``.

    Used inside :class:`~mmflow_ext.datasets.MultiImageMixDataset`, which
    calls :meth:`get_indices` for the three other samples.

    Args:
        prob (float): Probability of the mosaic.
        img_scale (tuple[int, int]): ``(h, w)`` of one tile.
            Defaults to ``(640, 640)``.
        center_ratio_range (tuple[float, float]): Range of the centre as a
            fraction of ``img_scale``. Defaults to ``(0.5, 1.5)``.
        pad_val (int): Image value of the empty canvas. Defaults to 0.
        seg_pad_val (int): Label of the empty canvas. Defaults to 255.

    Examples:
        >>> RandomMosaic(prob=1., img_scale=(8, 8))
        RandomMosaic(prob=1.0, img_scale=(8, 8), center_ratio_range=(0.5, 1.5), pad_val=0, seg_pad_val=255)
    """  # noqa: E501

    def __init__(
        self,
        prob: float,
        img_scale: Tuple[int, int] = (640, 640),
        center_ratio_range: Pair = (0.5, 1.5),
        pad_val: float = 0,
        seg_pad_val: int = 255,
    ) -> None:
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        if not isinstance(img_scale, tuple):
            raise ValueError(
                f'img_scale must be a tuple (h, w), got {img_scale!r}'
            )
        self.prob = prob
        self.img_scale = img_scale
        self.center_ratio_range = center_ratio_range
        self.pad_val = pad_val
        self.seg_pad_val = seg_pad_val

    @cache_randomness
    def do_mosaic(self) -> bool:
        """Whether this sample becomes a mosaic."""
        return np.random.rand() < self.prob

    def get_indices(self, dataset) -> List[int]:
        """Indices of the three other samples, drawn from NumPy.

        Args:
            dataset (Dataset): The dataset the samples come from.

        Returns:
            list[int]: Three indices in ``[0, len(dataset))``.
        """
        return [np.random.randint(0, len(dataset)) for _ in range(3)]

    @cache_randomness
    def generate_mosaic_center(self) -> Tuple[int, int]:
        """``(x, y)`` of the mosaic centre."""
        center_x = int(
            np.random.uniform(*self.center_ratio_range) * self.img_scale[1]
        )
        center_y = int(
            np.random.uniform(*self.center_ratio_range) * self.img_scale[0]
        )
        return center_x, center_y

    def transform(self, results: dict) -> dict:
        """Make the mosaic of ``img`` and the ``seg_fields`` maps.

        Raises:
            KeyError: When a mosaic is drawn but ``results`` has no
                ``mix_results`` (the transform is not inside a
                ``MultiImageMixDataset``).
        """
        if not self.do_mosaic():
            return results
        if 'mix_results' not in results:
            raise KeyError(
                'RandomMosaic needs "mix_results" (three other samples): '
                'use it in the pipeline of a MultiImageMixDataset'
            )
        tiles = [results] + list(results['mix_results'][:3])
        center = self.generate_mosaic_center()
        canvas_h, canvas_w = 2 * self.img_scale[0], 2 * self.img_scale[1]
        img = results['img']
        results['img'] = self._paste(
            [tile['img'] for tile in tiles],
            center,
            np.full(
                (canvas_h, canvas_w, *img.shape[2:]),
                self.pad_val,
                dtype=img.dtype,
            ),
            'bilinear',
        )
        for key in results.get('seg_fields', []):
            results[key] = self._paste(
                [tile[key] for tile in tiles],
                center,
                np.full(
                    (canvas_h, canvas_w),
                    self.seg_pad_val,
                    dtype=results[key].dtype,
                ),
                'nearest',
            )
        results['img_shape'] = (canvas_h, canvas_w)
        results['ori_shape'] = (canvas_h, canvas_w)
        return results

    def _paste(
        self,
        images: Sequence[np.ndarray],
        center: Tuple[int, int],
        canvas: np.ndarray,
        interpolation: str,
    ) -> np.ndarray:
        center_x, center_y = center
        for position, image in enumerate(images):
            height, width = image.shape[:2]
            ratio = min(self.img_scale[0] / height, self.img_scale[1] / width)
            image = mmcv.imresize(
                image,
                (int(width * ratio), int(height * ratio)),
                interpolation=interpolation,
            )
            height, width = image.shape[:2]
            px1, px2, cx1, cx2 = _spans(
                center_x, width, canvas.shape[1], before=position in (0, 2)
            )
            py1, py2, cy1, cy2 = _spans(
                center_y, height, canvas.shape[0], before=position in (0, 1)
            )
            canvas[py1:py2, px1:px2] = image[cy1:cy2, cx1:cx2]
        return canvas

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(prob={self.prob}, '
            f'img_scale={self.img_scale}, '
            f'center_ratio_range={self.center_ratio_range}, '
            f'pad_val={self.pad_val}, seg_pad_val={self.seg_pad_val})'
        )
