# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``ConcatImageVisualizer``: one row of side-by-side tiles per sample."""

import os.path as osp
import re
import warnings
from typing import (
    Any,
    Dict,
    List,
    Mapping,
    Optional,
    Sequence,
    Set,
    Tuple,
    Union,
)

import numpy as np
from mmengine.dist import master_only
from mmengine.structures import BaseDataElement
from mmengine.visualization import Visualizer

from mmflow_ext.registry import VISUALIZERS
from mmflow_ext.structures.sample_access import (
    field_keys,
    get_field,
    has_field,
)

from .image_tile import image_to_tile
from .mask_tile import colorize_label_map, draw_class_names, label_map_to_array
from .palette import fit_palette, palette_to_array, random_palette

__all__ = ['ConcatImageVisualizer']

#: gray level below tiles shorter than the row
PAD_VALUE = 127

Sample = Union[BaseDataElement, Mapping[str, Any]]


@VISUALIZERS.register_module()
class ConcatImageVisualizer(Visualizer):
    """Draw chosen fields of a data sample side by side and save the row.

    For every key of ``img_keys`` the value is looked up in the sample's
    nested ``output`` first, then in the sample's data and metainfo (the
    sample may be any :class:`~mmengine.structures.BaseDataElement` or its
    ``to_dict()`` form). Each value becomes an ``H×W×3`` uint8 RGB tile:

    - images (tensors ``C×H×W`` / ``T×C×H×W``, arrays ``H×W×C`` /
      ``T×H×W×C`` / ``H×W``) as in MMagic: frames stacked vertically, gray
      repeated to three channels, channels reversed when ``bgr2rgb``,
      non-uint8 values mapped from ``pixel_range`` then clamped and rounded;
    - label maps (the keys of ``seg_keys``, e.g. ``gt_sem_seg`` and
      ``pred_sem_seg``, as PixelData, dict, tensor or array) coloured with
      the palette of ``dataset_meta``, over the tile of ``blend_key`` when
      given, with ignore pixels left unpainted and optionally the class
      names written on them.

    Tiles are joined left to right in ``img_keys`` order, shorter ones
    padded at the bottom with gray 127, and the row is handed to every
    backend as ``<stem>_<step>`` where ``stem`` is the file name (without its
    extension) of the sample's ``fn_key`` value. ``LocalVisBackend`` writes it
    to ``<save_dir>/vis_data/vis_image/<stem>_<step>.png`` (atomically in
    the ``mmflow_ext`` scope: see :mod:`.vis_backend`).

    Keys missing from a sample are skipped with one warning per key; a sample
    holding none of the keys is an error.

    Args:
        fn_key (str): Key of the path that names the saved row, e.g.
            ``'gt_path'`` or ``'img_path'``.
        img_keys (Sequence[str]): Keys to draw, left to right.
        pixel_range (dict, optional): ``{key: (min, max)}`` value range of
            non-uint8 images, mapped to ``0..255``; other images are taken as
            ``0..255``. Defaults to None.
        bgr2rgb (bool): Images are BGR: reverse their channels. Label maps
            are always drawn in RGB. Defaults to False.
        name (str): Instance name of the visualizer. Defaults to
            ``'visualizer'``.
        seg_keys (Sequence[str]): Keys drawn as label maps.
            Defaults to ``('gt_sem_seg', 'pred_sem_seg')``.
        alpha (float): Opacity of label colours over the ``blend_key``
            image, in ``[0, 1]``. Defaults to 1.0.
        blend_key (str, optional): Image key (also in ``img_keys`` or given
            as an extra image) that label maps are drawn over; its size must
            match theirs. Defaults to None (label maps on black).
        with_labels (bool): Write class names on label maps (needs
            ``classes``). Defaults to False.
        ignore_index (int): Label left unpainted. Defaults to 255.
        classes (Sequence[str], optional): Class names; they take
            precedence over the dataset's. Defaults to None.
        palette (Sequence[Sequence[int]], optional): RGB colour per class;
            it takes precedence over the dataset's. Without any palette,
            a seeded random one is used. Defaults to None.
        **kwargs: Other arguments of :class:`~mmengine.visualization.
            Visualizer` (``vis_backends``, ``save_dir``, ...).

    Examples:
        >>> import torch
        >>> from mmengine.structures import BaseDataElement
        >>> vis = ConcatImageVisualizer(
        ...     fn_key='gt_path', img_keys=['gt_img', 'pred_img'],
        ...     name='concat_doctest')
        >>> sample = BaseDataElement(
        ...     metainfo=dict(gt_path='data/baboon.png'),
        ...     gt_img=torch.zeros(3, 4, 6),
        ...     output=BaseDataElement(pred_img=torch.zeros(1, 2, 5)))
        >>> vis.draw_row(sample).shape
        (4, 11, 3)
        >>> vis.file_stem(sample)
        'baboon'
    """

    def __init__(
        self,
        fn_key: str,
        img_keys: Sequence[str],
        pixel_range: Optional[Dict[str, Tuple[float, float]]] = None,
        bgr2rgb: bool = False,
        name: str = 'visualizer',
        seg_keys: Sequence[str] = ('gt_sem_seg', 'pred_sem_seg'),
        alpha: float = 1.0,
        blend_key: Optional[str] = None,
        with_labels: bool = False,
        ignore_index: int = 255,
        classes: Optional[Sequence[str]] = None,
        palette: Optional[Sequence[Sequence[int]]] = None,
        **kwargs,
    ) -> None:
        super().__init__(name, **kwargs)
        if isinstance(img_keys, str):
            img_keys = [img_keys]
        if not img_keys or not all(isinstance(k, str) for k in img_keys):
            raise ValueError(
                'img_keys must be a non-empty list of key names, '
                f'got {img_keys!r}'
            )
        self.pixel_range: Dict[str, Tuple[float, float]] = {}
        for key, value_range in (pixel_range or {}).items():
            if len(value_range) != 2 or not value_range[1] > value_range[0]:
                raise ValueError(
                    f'pixel_range["{key}"] must be (min, max) with max > '
                    f'min, got {value_range!r}'
                )
            self.pixel_range[key] = tuple(value_range)
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f'alpha must be in [0, 1], got {alpha}')
        self.fn_key = fn_key
        self.img_keys = list(img_keys)
        self.bgr2rgb = bgr2rgb
        self.seg_keys = set(seg_keys)
        self.alpha = alpha
        self.blend_key = blend_key
        self.with_labels = with_labels
        self.ignore_index = ignore_index
        self._meta_overrides = {
            k: v
            for k, v in (('classes', classes), ('palette', palette))
            if v is not None
        }
        if palette is not None:
            palette_to_array(palette, classes)  # fail early on a bad palette
        self._dataset_meta = dict(self._meta_overrides) or None
        self._palette: Optional[np.ndarray] = None
        self._warned_keys: Set[str] = set()

    @property
    def dataset_meta(self) -> Optional[dict]:
        """dict | None: Dataset meta info (``classes``, ``palette``, ...).

        Setting it (the Runner's loops set the dataset's ``metainfo``) keeps
        the ``classes`` and ``palette`` given to the constructor.
        """
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, dataset_meta: Optional[dict]) -> None:
        merged = dict(dataset_meta or {})
        merged.update(self._meta_overrides)
        self._dataset_meta = merged or None
        self._palette = None

    def file_stem(self, data_sample: Sample) -> str:
        """Name of the saved row: the file stem of the ``fn_key`` value.

        Args:
            data_sample (BaseDataElement | dict): The sample.

        Returns:
            str: The base name of the path without its last extension.

        Raises:
            KeyError: When ``fn_key`` is neither in the sample nor its
                output.
            TypeError: When the value is not a path string.
        """
        found, path = self._find(data_sample, self.fn_key)
        if not found:
            raise KeyError(
                f'fn_key "{self.fn_key}" is not in the data sample or its '
                f'output (keys: {self._available_keys(data_sample)})'
            )
        if isinstance(path, (list, tuple)) and path:
            path = path[0]
        if not isinstance(path, str) or not path:
            raise TypeError(
                f'fn_key "{self.fn_key}" must hold a file path, got {path!r}'
            )
        return osp.splitext(re.split(r'[/\\]', path)[-1])[0]

    def draw_row(
        self,
        data_sample: Sample,
        extra_images: Optional[Mapping[str, Any]] = None,
    ) -> np.ndarray:
        """Draw the keys of ``img_keys`` side by side.

        Args:
            data_sample (BaseDataElement | dict): The sample.
            extra_images (Mapping[str, Any], optional): Values that take
                precedence over the sample's, e.g. the original image read
                from ``img_path`` as ``{'img': array}``. Defaults to None.

        Returns:
            np.ndarray: The ``H×W×3`` uint8 RGB row.

        Raises:
            ValueError: When the sample holds none of ``img_keys``.
        """
        values = {}
        for key in self.img_keys:
            if extra_images is not None and key in extra_images:
                values[key] = extra_images[key]
                continue
            found, value = self._find(data_sample, key)
            if found:
                values[key] = value
        self._warn_missing([k for k in self.img_keys if k not in values])
        if not values:
            raise ValueError(
                f'none of img_keys {self.img_keys} is in the data sample or '
                f'its output (keys: {self._available_keys(data_sample)})'
            )

        tiles = {
            key: image_to_tile(
                value, key, self.bgr2rgb, self.pixel_range.get(key)
            )
            for key, value in values.items()
            if key not in self.seg_keys
        }
        background = self._blend_background(tiles, data_sample, extra_images)
        for key in self.seg_keys.intersection(values):
            tiles[key] = self._draw_label_map(values[key], key, background)
        return self._concat(
            [tiles[key] for key in self.img_keys if key in tiles]
        )

    @master_only
    def add_datasample(
        self,
        data_sample: Sample,
        step: int = 0,
        extra_images: Optional[Mapping[str, Any]] = None,
    ) -> np.ndarray:
        """Draw a sample's row and hand it to every backend.

        Args:
            data_sample (BaseDataElement | dict): The sample.
            step (int): Global step, appended to the saved name.
                Defaults to 0.
            extra_images (Mapping[str, Any], optional): See
                :meth:`draw_row`. Defaults to None.

        Returns:
            np.ndarray: The ``H×W×3`` uint8 RGB row (None off the main
            process, where nothing is drawn).
        """
        name = self.file_stem(data_sample)
        row = self.draw_row(data_sample, extra_images)
        for vis_backend in self._vis_backends.values():
            vis_backend.add_image(name, row, step)
        return row

    @staticmethod
    def _find(data_sample: Sample, key: str) -> Tuple[bool, Any]:
        """``(found, value)`` of ``key`` in the sample's ``output``, else in
        the sample."""
        for path in (f'output.{key}', key):
            if has_field(data_sample, path):
                return True, get_field(data_sample, path)
        return False, None

    @staticmethod
    def _available_keys(data_sample: Sample) -> str:
        output = get_field(data_sample, 'output', default=None)
        keys = field_keys(data_sample) + field_keys(output)
        return ', '.join(sorted(set(keys))) or 'none'

    def _warn_missing(self, missing: List[str]) -> None:
        new = [key for key in missing if key not in self._warned_keys]
        if new:
            self._warned_keys.update(new)
            warnings.warn(
                f'{type(self).__name__}: key(s) {new} not in the '
                'data sample or its output; they are not drawn'
            )

    def _blend_background(
        self,
        tiles: Dict[str, np.ndarray],
        data_sample: Sample,
        extra_images: Optional[Mapping[str, Any]],
    ) -> Optional[np.ndarray]:
        if self.blend_key is None or not self.seg_keys.intersection(
            self.img_keys
        ):
            return None
        if self.blend_key in tiles:
            return tiles[self.blend_key]
        value = (extra_images or {}).get(self.blend_key)
        if value is None:
            found, value = self._find(data_sample, self.blend_key)
            if not found:
                self._warn_missing([self.blend_key])
                return None
        return image_to_tile(
            value,
            self.blend_key,
            self.bgr2rgb,
            self.pixel_range.get(self.blend_key),
        )

    def _draw_label_map(
        self, value: Any, key: str, background: Optional[np.ndarray]
    ) -> np.ndarray:
        labels = label_map_to_array(value, key)
        if background is not None and background.shape[:2] != labels.shape:
            raise ValueError(
                f'"{key}" is {labels.shape[0]}×{labels.shape[1]} but the '
                f'"{self.blend_key}" image it is drawn over is '
                f'{background.shape[0]}×{background.shape[1]}'
            )
        tile = colorize_label_map(
            labels,
            self._palette_for(labels),
            background,
            self.alpha,
            self.ignore_index,
        )
        classes = (self.dataset_meta or {}).get('classes')
        if self.with_labels and classes:
            draw_class_names(tile, labels, classes, self.ignore_index)
        return tile

    def _palette_for(self, labels: np.ndarray) -> np.ndarray:
        """The dataset's palette fitted to its classes (see
        :func:`~.palette.fit_palette`), else a seeded one wide enough for
        ``labels``."""
        meta = self.dataset_meta or {}
        classes, palette = meta.get('classes'), meta.get('palette')
        if classes is None and palette is None:
            painted = labels[labels != self.ignore_index]
            num_classes = int(painted.max()) + 1 if painted.size else 0
            if self._palette is None or len(self._palette) < num_classes:
                self._palette = palette_to_array(
                    random_palette(max(num_classes, 1))
                )
        elif self._palette is None:
            if classes is not None:
                palette = fit_palette(classes, palette, meta.get('label_map'))
            self._palette = palette_to_array(palette)
        return self._palette

    @staticmethod
    def _concat(tiles: List[np.ndarray]) -> np.ndarray:
        height = max(tile.shape[0] for tile in tiles)
        width = sum(tile.shape[1] for tile in tiles)
        row = np.empty((height, width, 3), dtype=np.uint8)
        left = 0
        for tile in tiles:
            tile_h, tile_w = tile.shape[:2]
            row[:tile_h, left : left + tile_w] = tile
            row[tile_h:, left : left + tile_w] = PAD_VALUE
            left += tile_w
        return row
