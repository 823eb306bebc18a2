# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Segmentation augmentations that mmcv lacks: ``RandomCrop`` with a
class-ratio limit and ``PhotoMetricDistortion``.

Random numbers are drawn from NumPy's global generator in the same order as
MMSegmentation, so a seeded pipeline gives the same crops and colours.
"""

from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import cv2
import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from mmflow_ext.registry import TRANSFORMS
from mmflow_ext.utils import ALL_UINT8, loop_probes

__all__ = ['RandomCrop', 'PhotoMetricDistortion']

CropBox = Tuple[int, int, int, int]
_ALL_INT = ALL_UINT8.astype(np.int64)

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

    def __init__(
        self,
        crop_size: Union[int, Tuple[int, int]],
        cat_max_ratio: float = 1.0,
        ignore_index: int = 255,
    ) -> None:
        if not isinstance(crop_size, (tuple, list)):
            crop_size = (crop_size, crop_size)
        crop_size = tuple(crop_size)
        if len(crop_size) != 2 or min(crop_size) <= 0:
            raise ValueError(
                f'crop_size must be a positive int or (h, w), got {crop_size}'
            )
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
        if (
            seg_map.dtype == np.uint8
            and seg_map.ndim == 2
            and seg_map.size < _EXACT_FLOAT32_COUNT
        ):
            if seg_map.strides[0] < 0 or seg_map.strides[1] != 1:
                seg_map = np.ascontiguousarray(seg_map)
            counts = (
                cv2.calcHist([seg_map], [0], None, [256], [0, 256])
                .ravel()
                .astype(np.int64)
            )
            if 0 <= self.ignore_index < 256:
                counts[int(self.ignore_index)] = 0
            return counts[counts > 0]
        labels, counts = np.unique(seg_map, return_counts=True)
        return counts[labels != self.ignore_index]

    def _balanced_enough(self, seg_map: np.ndarray) -> bool:
        counts = self._class_counts(seg_map)
        return (
            len(counts) > 1
            and counts.max() / counts.sum() < self.cat_max_ratio
        )

    @cache_randomness
    def crop_bbox(self, results: dict) -> CropBox:
        """Draw the crop box of ``results``.

        Args:
            results (dict): The sample.

        Returns:
            tuple[int, int, int, int]: ``(y1, y2, x1, x2)``.
        """
        box = self._random_box(results['img'])
        if self.cat_max_ratio < 1.0:
            for _ in range(_CROP_RETRIES):
                if self._balanced_enough(
                    self.crop(results['gt_seg_map'], box)
                ):
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
        """``RandomCrop(crop_size=(h, w))``, as MMSegmentation prints."""
        return f'{self.__class__.__name__}(crop_size={self.crop_size})'


@TRANSFORMS.register_module()
class PhotoMetricDistortion(BaseTransform):
    """Random brightness, contrast, saturation and hue of a BGR image.

    Each change happens with probability 1/2; contrast comes either first
    or last (chosen at random):

    1. brightness, 2. contrast (mode 1), 3. saturation, 4. hue,
    5. contrast (mode 0).

    A uint8 image takes a fast path with the same draws and bit-identical
    output: every change is a function of one 8-bit value, so it is
    tabulated once per call (with the very float32 arithmetic of
    :meth:`convert`) and applied by the cheapest OpenCV call that
    reproduces the table on all 256 values (see :class:`TableOp`): a plain
    shift is ``cv2.add`` / ``cv2.subtract``, a contrast or saturation
    factor ``cv2.convertScaleAbs`` / ``cv2.transform`` with a rounding
    bias, anything else ``cv2.LUT``; an HSV channel is changed in place.
    When only brightness and contrast are drawn, a view
    with reversed row or column order (what ``RandomFlip`` hands over) is
    processed in storage order and returned as the same kind of view,
    without a copy to make it contiguous; before an HSV step it is turned
    with ``cv2.flip`` (MMSegmentation's OpenCV calls copy it pixel by
    pixel). The input is never written to. Other dtypes take the plain
    float path.

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

    def __init__(
        self,
        brightness_delta: int = 32,
        contrast_range: Sequence[float] = (0.5, 1.5),
        saturation_range: Sequence[float] = (0.5, 1.5),
        hue_delta: int = 18,
    ) -> None:
        self.brightness_delta = brightness_delta
        self.contrast_lower, self.contrast_upper = contrast_range
        self.saturation_lower, self.saturation_upper = saturation_range
        self.hue_delta = hue_delta

    @staticmethod
    def convert(
        img: np.ndarray, alpha: float = 1.0, beta: float = 0.0
    ) -> np.ndarray:
        """``img * alpha + beta`` clipped to ``[0, 255]``, as uint8."""
        out = img.astype(np.float32) * alpha + beta
        return np.clip(out, 0, 255).astype(np.uint8)

    def _draws(self) -> Dict[str, Optional[float]]:
        """Draw every parameter, in MMSegmentation's order.

        Returns:
            dict: ``brightness``, ``contrast_first``, ``saturation``,
            ``hue`` and ``contrast_last``: the drawn value of each change,
            or None where the change is off.
        """

        def maybe(draw: Callable[[], float]) -> Optional[float]:
            return draw() if np.random.randint(2) else None

        def contrast() -> Optional[float]:
            return maybe(
                lambda: np.random.uniform(
                    self.contrast_lower, self.contrast_upper
                )
            )

        draws: Dict[str, Optional[float]] = dict(
            contrast_first=None, contrast_last=None
        )
        draws['brightness'] = maybe(
            lambda: np.random.uniform(
                -self.brightness_delta, self.brightness_delta
            )
        )
        first = np.random.randint(2) == 1
        if first:
            draws['contrast_first'] = contrast()
        draws['saturation'] = maybe(
            lambda: np.random.uniform(
                self.saturation_lower, self.saturation_upper
            )
        )
        draws['hue'] = maybe(
            lambda: np.random.randint(-self.hue_delta, self.hue_delta)
        )
        if not first:
            draws['contrast_last'] = contrast()
        return draws

    def _float_path(self, img: np.ndarray, draws: dict) -> np.ndarray:
        """Apply ``draws`` with float arithmetic (any dtype)."""
        if draws['brightness'] is not None:
            img = self.convert(img, beta=draws['brightness'])
        if draws['contrast_first'] is not None:
            img = self.convert(img, alpha=draws['contrast_first'])
        if draws['saturation'] is not None:
            hsv = mmcv.bgr2hsv(img)
            hsv[:, :, 1] = self.convert(
                hsv[:, :, 1], alpha=draws['saturation']
            )
            img = mmcv.hsv2bgr(hsv)
        if draws['hue'] is not None:
            hsv = mmcv.bgr2hsv(img)
            hsv[:, :, 0] = (hsv[:, :, 0].astype(int) + draws['hue']) % 180
            img = mmcv.hsv2bgr(hsv)
        if draws['contrast_last'] is not None:
            img = self.convert(img, alpha=draws['contrast_last'])
        return img

    def _uint8_path(self, img: np.ndarray, draws: dict) -> np.ndarray:
        """Apply ``draws`` to a uint8 image through exact uint8 ops."""
        view, index = _storage_order(img)

        def table(alpha: float = 1.0, beta: float = 0.0) -> np.ndarray:
            return self.convert(ALL_UINT8, alpha=alpha, beta=beta)

        bgr_ops = []
        if draws['brightness'] is not None:
            bgr_ops.append(TableOp(table(beta=draws['brightness'])))
        if draws['contrast_first'] is not None:
            alpha = draws['contrast_first']
            bgr_ops.append(TableOp(table(alpha), alpha))
        last_op = None
        if draws['contrast_last'] is not None:
            alpha = draws['contrast_last']
            last_op = TableOp(table(alpha), alpha)
        hsv_ops = []
        if draws['saturation'] is not None:
            alpha = draws['saturation']
            hsv_ops.append(channel_op(1, table(alpha), alpha))
        if draws['hue'] is not None:
            hue_lut = (np.arange(256) + draws['hue']) % 180
            hsv_ops.append(channel_op(0, hue_lut.astype(np.uint8)))
        if not hsv_ops:  # in storage order
            ops = bgr_ops + ([last_op] if last_op is not None else [])
            return _apply_ops(view, _fused(ops))[index]
        # OpenCV's 8-bit HSV conversions may round a pixel differently in
        # the vector loop and in the tail of a row, so each cvtColor must
        # see the layout MMSegmentation's sees: the input itself, or a
        # contiguous array in the input's orientation. At most two new
        # buffers, ``out`` (BGR) and ``hsv``, serve every step.
        out = None
        if bgr_ops:
            out = img = _apply_ops(view, _fused(bgr_ops))
        flip_code = _flip_code(index)
        if flip_code is not None:
            out = img = cv2.flip(
                view if out is None else out, flip_code, dst=out
            )
        hsv = None
        for op in hsv_ops:
            hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV, dst=hsv)
            op(hsv)
            out = img = cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR, dst=out)
        if last_op is not None:
            img = last_op(img, out)
        return img

    def transform(self, results: dict) -> dict:
        """Distort ``results['img']``.

        Args:
            results (dict): The sample.

        Returns:
            dict: The sample with the distorted image (the input array
            itself when no change was drawn; it is never written to).
        """
        img = results['img']
        draws = self._draws()
        if all(value is None for value in draws.values()):
            return results
        if img.dtype == np.uint8 and img.size:
            results['img'] = self._uint8_path(img, draws)
        else:
            results['img'] = self._float_path(img, draws)
        return results

    def __repr__(self) -> str:
        return (
            f'{self.__class__.__name__}('
            f'brightness_delta={self.brightness_delta}, '
            f'contrast_range=({self.contrast_lower}, '
            f'{self.contrast_upper}), '
            f'saturation_range=({self.saturation_lower}, '
            f'{self.saturation_upper}), hue_delta={self.hue_delta})'
        )


#: added to ``x * alpha`` so that OpenCV's round-to-nearest gives the floor
#: (``astype(np.uint8)``) wherever no product lies within it below an integer
_FLOOR_BIAS = -0.5 + 2.0**-14


class TableOp:
    """The fastest exact OpenCV call that computes ``lut[img]`` of uint8.

    A saturating shift by a whole number is ``cv2.add`` or
    ``cv2.subtract`` (OpenCV's ``add`` of a negative scalar to uint8 takes
    a slow mixed-type path); a table that ``cv2.convertScaleAbs`` with
    ``alpha`` reproduces for every value, in the vector loop and in the
    tail alike, is that call; any other table is ``cv2.LUT``.

    Args:
        lut (np.ndarray): uint8 table of 256 entries.
        alpha (float, optional): The factor ``lut`` tabulates
            (``floor(x * alpha)`` clipped), if it is one.

    Examples:
        >>> op = TableOp(np.clip(np.arange(256) - 3, 0, 255).astype(np.uint8))
        >>> op(np.array([[0, 2, 200]], np.uint8)).tolist(), op.is_lookup
        ([[0, 0, 197]], False)
    """

    def __init__(self, lut: np.ndarray, alpha: Optional[float] = None):
        self.lut = lut
        self.is_lookup = False
        shift = int(lut[128]) - 128
        self.is_shift = np.array_equal(lut, np.clip(_ALL_INT + shift, 0, 255))
        if self.is_shift:
            scalar = (float(abs(shift)),) * 4
            call = cv2.add if shift >= 0 else cv2.subtract
            self._call = lambda img, dst: call(img, scalar, dst=dst)
        elif alpha is not None and all(
            np.array_equal(
                cv2.convertScaleAbs(probe, alpha=alpha, beta=_FLOOR_BIAS),
                lut[probe],
            )
            for probe in loop_probes(ALL_UINT8)
        ):
            self._call = lambda img, dst: cv2.convertScaleAbs(
                img, dst=dst, alpha=alpha, beta=_FLOOR_BIAS
            )
        else:
            self.is_lookup = True
            self._call = lambda img, dst: cv2.LUT(img, lut, dst=dst)

    def __call__(
        self, img: np.ndarray, dst: Optional[np.ndarray] = None
    ) -> np.ndarray:
        """``lut[img]`` (into ``dst`` when given, which may be ``img``).

        Args:
            img (np.ndarray): uint8 image of up to 4 channels.
            dst (np.ndarray, optional): Output buffer like ``img``.

        Returns:
            np.ndarray: The looked-up image.
        """
        if img.ndim == 3 and img.shape[2] > 4 and self.is_shift:
            return cv2.LUT(img, self.lut, dst=dst)  # scalars hold 4 values
        return self._call(img, dst)


def channel_op(
    channel: int, lut: np.ndarray, alpha: Optional[float] = None
) -> Callable[[np.ndarray], None]:
    """An exact in-place ``img[..., channel] = lut[img[..., channel]]`` of
    a 3-channel uint8 image.

    With ``alpha`` (``lut`` tabulates ``floor(x * alpha)``) it is one
    ``cv2.transform`` when that reproduces ``lut`` on every value in both
    of its loops, leaving the other channels bit for bit; otherwise the
    channel is extracted, looked up and inserted back.

    Args:
        channel (int): The channel to change.
        lut (np.ndarray): uint8 table of 256 entries.
        alpha (float, optional): The factor ``lut`` tabulates, if it is one.

    Returns:
        callable: ``op(img)``, changing ``img`` in place.
    """
    if alpha is not None:
        matrix = np.eye(3, 4, dtype=np.float32)
        matrix[channel, channel] = alpha
        matrix[channel, 3] = _FLOOR_BIAS
        others = (ALL_UINT8 * np.uint8(97)).astype(np.uint8)
        values = np.stack([others] * 3, axis=-1)
        values[:, channel] = ALL_UINT8
        expected = values.copy()
        expected[:, channel] = lut
        if all(
            np.array_equal(
                cv2.transform(probe, matrix).reshape(-1, 3),
                loop_probes(expected)[i].reshape(-1, 3),
            )
            for i, probe in enumerate(loop_probes(values))
        ):
            return lambda img: cv2.transform(img, matrix, dst=img)

    def lookup(img: np.ndarray) -> None:
        plane = cv2.extractChannel(img, channel)
        cv2.insertChannel(cv2.LUT(plane, lut, dst=plane), img, channel)

    return lookup


def _fused(ops: List[TableOp]) -> List[TableOp]:
    """``ops``, or one op of their composed tables when one of them is a
    ``cv2.LUT`` already (one pass instead of several)."""
    if len(ops) < 2 or not any(op.is_lookup for op in ops):
        return ops
    lut = ops[0].lut
    for op in ops[1:]:
        lut = op.lut[lut]
    return [TableOp(lut)]


def _apply_ops(img: np.ndarray, ops: List[TableOp]) -> np.ndarray:
    """``ops`` in turn: the first into a new array, the others in place.

    OpenCV's add and subtract run several times slower on an array with
    gaps between its rows (a crop view) than copying it and shifting the
    copy in place.
    """
    if img.ndim == 3 and img.shape[2] == 1:  # OpenCV would drop the axis
        out = img[..., 0]
        for op in ops:
            out = op(out)
        return out[..., np.newaxis]
    if ops[0].is_shift and not img.flags.c_contiguous:
        out = np.ascontiguousarray(img)  # a copy: the input stays as it is
        for op in ops:
            out = op(out, out)
        return out
    out = ops[0](img)
    for op in ops[1:]:
        out = op(out, out)
    return out


def _storage_order(img: np.ndarray) -> Tuple[np.ndarray, tuple]:
    """``img`` with its row and column axes in storage order.

    Returns:
        tuple: The view with non-negative row and column strides, and the
        index that gives back the original orientation of any per-pixel
        result of it (``img`` equals ``view[index]``).
    """
    index = tuple(
        slice(None, None, -1) if axis < 2 and stride < 0 else slice(None)
        for axis, stride in enumerate(img.strides)
    )
    return img[index], index


def _flip_code(index: tuple) -> Optional[int]:
    """``cv2.flip``'s code undoing the reversals of ``_storage_order``."""
    rows, cols = (axis.step == -1 for axis in index[:2])
    if rows and cols:
        return -1
    if rows or cols:
        return 0 if rows else 1
    return None
