# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Loading of semantic segmentation maps: ``LoadAnnotations``."""

from typing import Dict, Optional, Sequence

import cv2
import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine import fileio

from mmflow_ext.registry import TRANSFORMS

from .image_header import (
    DEFAULT_MAX_PIXELS,
    apply_orientation,
    check_image_bytes,
)
from .image_loading import ORIENTATION_KEY

__all__ = ['LoadAnnotations', 'label_lookup_table', 'colors_to_labels']

_NUM_UINT8 = 256


def label_lookup_table(
    reduce_zero_label: bool = False, label_map: Optional[Dict[int, int]] = None
) -> Optional[np.ndarray]:
    """Table mapping every raw uint8 label to its final label.

    ``reduce_zero_label`` turns 0 into 255 (ignored) and every other value
    ``v`` into ``v - 1`` (255 stays 255). ``label_map`` is then applied to
    the reduced values, as MMSegmentation does.

    Args:
        reduce_zero_label (bool): Whether label 0 is "other". Defaults to
            False.
        label_map (dict[int, int], optional): Old label to new label.
            Defaults to None.

    Returns:
        np.ndarray | None: A uint8 table of 256 entries, or None when no
        remapping is needed.

    Examples:
        >>> label_lookup_table(True)[[0, 1, 2, 254, 255]].tolist()
        [255, 0, 1, 253, 255]
        >>> label_lookup_table(False, {0: 255, 1: 0})[:3].tolist()
        [255, 0, 2]
    """
    if not reduce_zero_label and not label_map:
        return None
    table = np.arange(_NUM_UINT8, dtype=np.uint8)
    if reduce_zero_label:
        table = np.concatenate(
            [[255], np.arange(_NUM_UINT8 - 2), [255]]
        ).astype(np.uint8)
    if label_map:
        remap = np.arange(_NUM_UINT8, dtype=np.uint8)
        for old_id, new_id in label_map.items():
            for name, value in (('key', old_id), ('value', new_id)):
                if not 0 <= int(value) < _NUM_UINT8:
                    raise ValueError(
                        f'label_map {name} {value} is outside the uint8 '
                        f'label range [0, 255]'
                    )
            remap[int(old_id)] = int(new_id)
        table = remap[table]
    return table


def colors_to_labels(
    mask_rgb: np.ndarray,
    palette: Sequence[Sequence[int]],
    seg_map_path: str = '<array>',
) -> np.ndarray:
    """Convert a colour-coded ``(H, W, 3)`` RGB mask into class indices.

    The label of a pixel is the index of its colour in ``palette``.

    Args:
        mask_rgb (np.ndarray): ``(H, W, 3)`` uint8 mask in RGB order.
        palette (sequence): One ``(R, G, B)`` per class.
        seg_map_path (str): Name of the mask in error messages.

    Returns:
        np.ndarray: ``(H, W)`` uint8 labels.

    Raises:
        ValueError: When a colour of the mask is not in the palette, or the
            palette repeats a colour or has more than 256 entries.

    Examples:
        >>> mask = np.array([[[0, 0, 0], [255, 0, 0]]], dtype=np.uint8)
        >>> colors_to_labels(mask, [[255, 0, 0], [0, 0, 0]]).tolist()
        [[1, 0]]
    """
    pal = np.asarray(palette, dtype=np.int64).reshape(-1, 3)
    if len(pal) > _NUM_UINT8:
        raise ValueError(
            f'a palette of {len(pal)} colours does not fit '
            f'uint8 labels (at most 256) for {seg_map_path}'
        )
    pal_codes = (pal[:, 0] << 16) | (pal[:, 1] << 8) | pal[:, 2]
    order = np.argsort(pal_codes, kind='stable')
    sorted_codes = pal_codes[order]
    repeated = np.nonzero(np.diff(sorted_codes) == 0)[0]
    if len(repeated):
        color = tuple(pal[order[repeated[0]]].tolist())
        raise ValueError(
            f'the palette repeats colour {color}, so the mask '
            f'{seg_map_path} cannot be decoded unambiguously'
        )
    rgb = mask_rgb.astype(np.int32)
    codes = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
    pos = np.searchsorted(sorted_codes, codes)
    pos_clipped = np.minimum(pos, len(sorted_codes) - 1)
    found = sorted_codes[pos_clipped] == codes
    if not found.all():
        y, x = np.argwhere(~found)[0]
        color = tuple(int(c) for c in mask_rgb[y, x])
        raise ValueError(
            f'colour {color} (RGB) at pixel (y={y}, x={x}) of {seg_map_path} '
            f'is not in the palette'
        )
    return order[pos_clipped].astype(np.uint8)


def _remap(mask: np.ndarray, table: np.ndarray) -> np.ndarray:
    """``table[mask]`` for a uint8 mask the caller owns, in place.

    ``cv2.LUT`` does this uint8 lookup several times faster than NumPy's
    fancy indexing.

    Args:
        mask (np.ndarray): uint8 labels; overwritten when it is a
            contiguous, writeable ``(H, W)`` array.
        table (np.ndarray): uint8 table of 256 entries.

    Returns:
        np.ndarray: The remapped labels.
    """
    flags = mask.flags
    if mask.ndim == 2 and mask.size and flags.c_contiguous and flags.writeable:
        return cv2.LUT(mask, table, dst=mask)
    return table[mask]


@TRANSFORMS.register_module()
class LoadAnnotations(BaseTransform):
    """Load the semantic segmentation map of a sample.

    Required keys: ``seg_map_path``; optional: ``reduce_zero_label``,
    ``label_map``, ``seg_fields``, ``palette`` (for ``decode_color``),
    ``ori_shape`` / ``img`` and ``img_path`` (for the size check).

    Added keys: ``gt_seg_map`` (``(H, W)`` uint8); ``'gt_seg_map'`` is
    appended to ``seg_fields``.

    The mask is decoded unchanged and must hold values in ``[0, 255]``.
    With ``reduce_zero_label``, 0 becomes 255 (ignored) and every other
    label drops by one; a dataset's class-subset ``label_map`` is applied
    afterwards. Both are one table lookup.

    Args:
        reduce_zero_label (bool, optional): Whether to reduce zero labels.
            None takes the value of the sample's ``reduce_zero_label``
            (set by the dataset). Defaults to None.
        backend_args (dict, optional): File backend arguments. Defaults to
            None.
        imdecode_backend (str): Backend of :func:`mmcv.imfrombytes`.
            Defaults to ``'pillow'``.
        decode_color (bool): Whether an ``(H, W, 3)`` colour-coded mask is
            converted to labels through the sample's ``palette`` (the
            dataset's, indexed by raw mask value): the label of a pixel is
            the index of its colour. Defaults to False.
        max_image_pixels (int, optional): Largest ``height * width`` a PNG
            or JPEG header may declare; None for no limit. Defaults to
            :data:`~.image_header.DEFAULT_MAX_PIXELS`.

    A truncated PNG or JPEG map, or one whose header declares more pixels
    than it can hold, is refused before decoding (a truncated PNG would
    otherwise come back with its missing rows as class 0). When the image
    loader turned an EXIF-oriented JPEG (``img_exif_orientation`` in the
    results), the map is turned the same way, unless its size shows that it
    was drawn on the turned image already.

    Raises:
        ValueError: On a mask whose size differs from its image (naming both
            files), a colour not in the palette (naming file and colour),
            a colour mask without ``decode_color``, labels above 255, or a
            ``reduce_zero_label`` that contradicts the dataset's.
    """

    def __init__(
        self,
        reduce_zero_label: Optional[bool] = None,
        backend_args: Optional[dict] = None,
        imdecode_backend: str = 'pillow',
        decode_color: bool = False,
        max_image_pixels: Optional[int] = DEFAULT_MAX_PIXELS,
    ) -> None:
        self.reduce_zero_label = reduce_zero_label
        self.backend_args = backend_args.copy() if backend_args else None
        self.imdecode_backend = imdecode_backend
        self.decode_color = decode_color
        self.max_image_pixels = max_image_pixels

    def _decode(self, path: str, results: dict) -> np.ndarray:
        try:
            img_bytes = fileio.get(path, backend_args=self.backend_args)
        except FileNotFoundError as err:
            raise FileNotFoundError(
                f'segmentation map file not found: {path}'
            ) from err
        try:
            check_image_bytes(img_bytes, self.max_image_pixels)
            mask = mmcv.imfrombytes(
                img_bytes, flag='unchanged', backend=self.imdecode_backend
            )
        except Exception as err:  # decoders raise many types
            raise ValueError(
                f'cannot decode the segmentation map {path}: {err}'
            ) from err
        if mask is None:
            raise ValueError(f'cannot decode the segmentation map {path}')
        if mask.ndim == 3 and mask.shape[2] == 1:
            mask = mask[..., 0]
        if mask.ndim == 3:
            if mask.shape[2] != 3 or not self.decode_color:
                raise ValueError(
                    f'segmentation map {path} has shape {mask.shape}; '
                    'expected (H, W) labels (use '
                    'LoadAnnotations(decode_color=True) for an (H, W, 3) '
                    'colour-coded mask)'
                )
            palette = results.get('palette')
            if palette is None:
                raise ValueError(
                    f'decoding the colour mask {path} needs the dataset '
                    'palette in the sample key "palette"'
                )
            # both decoders return colour in BGR order for flag 'unchanged'
            mask = colors_to_labels(mask[..., ::-1], palette, path)
        if mask.dtype != np.uint8:
            if mask.size and (mask.min() < 0 or mask.max() > 255):
                raise ValueError(
                    f'segmentation map {path} holds labels in '
                    f'[{mask.min()}, {mask.max()}]; labels must fit [0, 255]'
                )
            mask = mask.astype(np.uint8)
        return mask

    def _check_size(self, mask: np.ndarray, path: str, results: dict) -> None:
        shape = results.get('ori_shape')
        if shape is None and 'img' in results:
            shape = results['img'].shape[:2]
        if shape is not None and tuple(shape[:2]) != mask.shape[:2]:
            raise ValueError(
                f'segmentation map {path} has size {mask.shape[:2]} but its '
                f'image {results.get("img_path", "<array>")} has size '
                f'{tuple(shape[:2])}'
            )

    @staticmethod
    def _orient_like_image(mask: np.ndarray, results: dict) -> np.ndarray:
        """Turn ``mask`` by the EXIF orientation its image was turned by,
        unless it already has the turned image's (non-square) size."""
        orientation = results.get(ORIENTATION_KEY, 1)
        if orientation == 1:
            return mask
        shape = results.get('ori_shape')
        if (
            orientation >= 5
            and shape is not None
            and tuple(shape[:2]) == mask.shape[:2]
            and shape[0] != shape[1]
        ):
            return mask  # drawn on the turned (displayed) image
        return np.ascontiguousarray(apply_orientation(mask, orientation))

    def _reduce_zero_label(self, results: dict) -> bool:
        sample_value = results.get('reduce_zero_label')
        if self.reduce_zero_label is None:
            return bool(sample_value)
        if sample_value is not None and bool(sample_value) != bool(
            self.reduce_zero_label
        ):
            raise ValueError(
                f'LoadAnnotations(reduce_zero_label={self.reduce_zero_label})'
                f' contradicts the dataset\'s reduce_zero_label='
                f'{sample_value}; set it on the dataset only'
            )
        return bool(self.reduce_zero_label)

    def transform(self, results: dict) -> dict:
        """Load the map of ``results['seg_map_path']`` into ``gt_seg_map``.

        Args:
            results (dict): The sample.

        Returns:
            dict: The sample with ``gt_seg_map``.
        """
        path = results['seg_map_path']
        mask = self._orient_like_image(self._decode(path, results), results)
        self._check_size(mask, path, results)
        table = label_lookup_table(
            self._reduce_zero_label(results), results.get('label_map')
        )
        if table is not None:
            mask = _remap(mask, table)
        results['gt_seg_map'] = mask
        results.setdefault('seg_fields', []).append('gt_seg_map')
        return results

    def __repr__(self) -> str:
        """MMSegmentation's repr; ``decode_color`` (ours) only when set."""
        extra = ', decode_color=True' if self.decode_color else ''
        if self.max_image_pixels != DEFAULT_MAX_PIXELS:
            extra += f', max_image_pixels={self.max_image_pixels}'
        return (
            f'{self.__class__.__name__}('
            f'reduce_zero_label={self.reduce_zero_label}, '
            f"imdecode_backend='{self.imdecode_backend}', "
            f'backend_args={self.backend_args}{extra})'
        )
