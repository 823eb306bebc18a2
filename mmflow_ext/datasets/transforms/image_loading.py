# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Image loading into a named key, for both task families."""

import os.path as osp
from typing import Dict, List, Optional, Tuple, Union

import cv2
import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms import LoadImageFromFile as MMCVLoadImageFromFile
from mmengine.fileio import FileClient, get_file_backend

from mmflow_ext.registry import TRANSFORMS

from .image_header import DEFAULT_MAX_PIXELS, check_image_bytes

__all__ = [
    'LoadImageFromFile',
    'LoadImageFromArray',
    'ORIENTATION_KEY',
    'format_keyed_image',
]

#: results key of the EXIF orientation the decoder applied (only set when
#: it is not 1); ``LoadAnnotations`` turns the label map the same way
ORIENTATION_KEY = 'img_exif_orientation'
#: colour types whose decoding applies the EXIF orientation (cv2 and pillow)
_ORIENTING_FLAGS = ('color', 'grayscale')
#: results key the array of LoadImageFromArray is read from
INPUT_KEY = 'img'


def format_keyed_image(
    img: np.ndarray, channel_order: str, to_y_channel: bool, to_float32: bool
) -> np.ndarray:
    """The editing loader's conversion of a decoded image: optionally its
    Y channel (ITU-R BT.601), always a channel axis, optionally float32.

    Args:
        img (np.ndarray): ``H×W`` or ``H×W×C`` decoded image.
        channel_order (str): ``'bgr'`` or ``'rgb'``, the order of ``img``.
        to_y_channel (bool): Keep only the Y channel.
        to_float32 (bool): Convert to float32.

    Returns:
        np.ndarray: ``H×W×C``.

    Examples:
        >>> format_keyed_image(np.zeros((2, 3), np.uint8), 'bgr', False,
        ...                    True).shape
        (2, 3, 1)
    """
    if to_y_channel:
        to_y = (
            mmcv.rgb2ycbcr
            if channel_order.lower() == 'rgb'
            else mmcv.bgr2ycbcr
        )
        img = to_y(img, y_only=True)
    if img.ndim == 2:
        img = img[..., None]
    return img.astype(np.float32) if to_float32 else img


@TRANSFORMS.register_module()
class LoadImageFromFile(MMCVLoadImageFromFile):
    """Load an image (or a list of frames) from file into a named key.

    Without ``key`` it is mmcv's ``LoadImageFromFile``: it reads
    ``results['img_path']`` and sets ``img``, ``img_shape`` and
    ``ori_shape`` (segmentation pipelines).

    With ``key`` (editing pipelines) it reads ``results[f'{key}_path']`` (a
    path or a list of paths) and sets ``results[key]`` (``H×W×C``, a
    grayscale image gets a channel axis), ``ori_{key}_shape``,
    ``{key}_channel_order`` and ``{key}_color_type``, plus ``ori_{key}``
    when ``save_original_img``.

    Args:
        key (str, optional): Results key to load into. Defaults to None
            (mmcv behaviour, key ``img``).
        color_type (str): Flag of :func:`mmcv.imfrombytes`: ``'color'``,
            ``'grayscale'``, ``'unchanged'``... Defaults to ``'color'``.
        channel_order (str): ``'bgr'`` or ``'rgb'``. Defaults to ``'bgr'``.
        imdecode_backend (str, optional): Decoding backend of
            :func:`mmcv.imfrombytes`. Defaults to None (cv2).
        use_cache (bool): Keep the bytes of every file read in memory.
            Defaults to False.
        to_float32 (bool): Return float32 instead of uint8. Defaults to
            False.
        to_y_channel (bool): Keep only the Y channel (ITU-R BT.601) of the
            colour image. Defaults to False.
        save_original_img (bool): Also store a copy as ``ori_{key}``.
            Defaults to False.
        ignore_empty (bool): Return None instead of raising when the file is
            missing or cannot be decoded. Defaults to False.
        file_client_args (dict, optional): Deprecated in mmcv; use
            ``backend_args``.
        backend_args (dict, optional): Arguments of the file backend.
        max_image_pixels (int, optional): Largest ``height * width`` a PNG
            or JPEG header may declare; None for no limit. Defaults to
            :data:`~.image_header.DEFAULT_MAX_PIXELS`.

    Raises:
        FileNotFoundError: A file is missing (the message names it).
        ValueError: A file cannot be decoded as an image, is truncated, or
            its header declares more pixels than the limit or than the file
            can hold (idem).

    The image is decoded as mmcv decodes it: ``'color'`` and
    ``'grayscale'`` apply a JPEG's EXIF orientation. Without ``key``, an
    orientation other than 1 is recorded in ``results['img_exif_orientation']``
    so that ``LoadAnnotations`` turns the label map the same way.

    Examples:
        >>> import tempfile, cv2
        >>> path = tempfile.mkdtemp() + '/a.png'
        >>> _ = cv2.imwrite(path, np.full((4, 6), 7, np.uint8))
        >>> load = LoadImageFromFile(key='gt', color_type='grayscale')
        >>> out = load(dict(gt_path=path))
        >>> out['gt'].shape, out['ori_gt_shape'], out['gt_channel_order']
        ((4, 6, 1), (4, 6, 1), 'bgr')
        >>> LoadImageFromFile()(dict(img_path=path))['img_shape']
        (4, 6)
    """

    def __init__(
        self,
        key: Optional[str] = None,
        color_type: str = 'color',
        channel_order: str = 'bgr',
        imdecode_backend: Optional[str] = None,
        use_cache: bool = False,
        to_float32: bool = False,
        to_y_channel: bool = False,
        save_original_img: bool = False,
        ignore_empty: bool = False,
        file_client_args: Optional[dict] = None,
        *,
        backend_args: Optional[dict] = None,
        max_image_pixels: Optional[int] = DEFAULT_MAX_PIXELS,
    ) -> None:
        super().__init__(
            to_float32=to_float32,
            color_type=color_type,
            imdecode_backend=imdecode_backend or 'cv2',
            file_client_args=file_client_args,
            ignore_empty=ignore_empty,
            backend_args=backend_args,
        )
        if key is not None:
            # MMagic keeps None (mmcv's default decoder, cv2) and shows it
            self.imdecode_backend = imdecode_backend
        self.max_image_pixels = max_image_pixels
        if channel_order.lower() not in ('bgr', 'rgb'):
            raise ValueError(
                f"channel_order must be 'bgr' or 'rgb', got '{channel_order}'"
            )
        self.key = key
        self.channel_order = channel_order
        self.use_cache = use_cache
        self.to_y_channel = to_y_channel
        self.save_original_img = save_original_img
        #: the bytes of every file read, by path, when ``use_cache``
        self.cache: Dict[str, bytes] = {}
        # as MMagic: built from backend_args now, else from the first path
        self.file_backend = (
            None
            if backend_args is None
            else get_file_backend(backend_args=backend_args)
        )

    # ------------------------------------------------------------ reading
    def _read_bytes(self, filename: str) -> bytes:
        if filename in self.cache:
            return self.cache[filename]
        if self.file_client_args is not None:
            client = FileClient.infer_client(self.file_client_args, filename)
            content = client.get(filename)
        else:
            if self.file_backend is None:
                self.file_backend = get_file_backend(
                    filename, backend_args=self.backend_args
                )
            backend = self.file_backend
            name = filename
            if (self.backend_args or {}).get('backend') == 'lmdb':
                name = osp.splitext(osp.basename(filename))[0]
            try:
                content = backend.get(name)
            except FileNotFoundError as err:
                raise FileNotFoundError(
                    f'Image file not found: {filename}'
                ) from err
            if content is None:  # a key-value store without the key
                store = (self.backend_args or {}).get('db_path', backend)
                raise KeyError(
                    f'"{name}" (for {filename}) is not a key of '
                    f'the store {store}'
                )
        if self.use_cache:
            self.cache[filename] = content
        return content

    def _decode(self, filename: str) -> Tuple[np.ndarray, int]:
        content = self._read_bytes(filename)
        try:
            header = check_image_bytes(content, self.max_image_pixels)
            img = mmcv.imfrombytes(
                content,
                flag=self.color_type,
                channel_order=self.channel_order,
                backend=self.imdecode_backend,
            )
        except Exception as err:  # decoders raise many types
            raise ValueError(
                f'Cannot decode image file {filename}: {err}'
            ) from err
        if img is None:
            raise ValueError(
                f'Cannot decode image file {filename}: it is '
                'empty or not an image'
            )
        oriented = header is not None and self.color_type in _ORIENTING_FLAGS
        return img, header.orientation if oriented else 1

    def _load(self, filename: str) -> Tuple[Optional[np.ndarray], int]:
        try:
            return self._decode(filename)
        except (FileNotFoundError, ValueError):
            if self.ignore_empty:
                return None, 1
            raise

    # ------------------------------------------------------------ transform
    def transform(self, results: dict) -> Optional[dict]:
        """Load the image(s) named in ``results``.

        Args:
            results (dict): Must hold ``img_path`` (no ``key``) or
                ``{key}_path``.

        Returns:
            dict | None: ``results`` with the image and its metainfo; None
            when ``ignore_empty`` and a file is missing or broken.
        """
        if self.key is None:
            return self._transform_plain(results)
        return self._transform_keyed(results)

    def _transform_plain(self, results: dict) -> Optional[dict]:
        img, orientation = self._load(results['img_path'])
        if img is None:
            return None
        if orientation != 1:
            results[ORIENTATION_KEY] = orientation
        if self.to_float32:
            img = img.astype(np.float32)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def _transform_keyed(self, results: dict) -> Optional[dict]:
        path_key = f'{self.key}_path'
        if path_key not in results:
            raise KeyError(
                f'LoadImageFromFile(key={self.key!r}) needs '
                f'"{path_key}" in the results, which have '
                f'{sorted(results)}'
            )
        paths: Union[str, List[str]] = results[path_key]
        is_frames = isinstance(paths, (list, tuple))
        images = []
        for path in paths if is_frames else [paths]:
            img, _ = self._load(str(path))
            if img is None:
                return None
            images.append(
                format_keyed_image(
                    img, self.channel_order, self.to_y_channel, self.to_float32
                )
            )
        shapes = [img.shape for img in images]
        results[self.key] = images if is_frames else images[0]
        results[f'ori_{self.key}_shape'] = shapes if is_frames else shapes[0]
        results[f'{self.key}_channel_order'] = self.channel_order
        results[f'{self.key}_color_type'] = self.color_type
        if self.save_original_img:
            copies = [img.copy() for img in images]
            results[f'ori_{self.key}'] = copies if is_frames else copies[0]
        return results

    def __repr__(self) -> str:
        """mmcv's repr without ``key``, MMagic's with it; a non-default
        ``max_image_pixels`` (ours) is appended."""
        extra = (
            ''
            if self.max_image_pixels == DEFAULT_MAX_PIXELS
            else f', max_image_pixels={self.max_image_pixels}'
        )
        if self.key is None:
            return super().__repr__()[:-1] + extra + ')'
        return (
            f'{self.__class__.__name__}(key={self.key}, '
            f'color_type={self.color_type}, '
            f'channel_order={self.channel_order}, '
            f'imdecode_backend={self.imdecode_backend}, '
            f'use_cache={self.use_cache}, '
            f'to_float32={self.to_float32}, '
            f'to_y_channel={self.to_y_channel}, '
            f'save_original_img={self.save_original_img}, '
            f'backend_args={self.backend_args}{extra})'
        )


@TRANSFORMS.register_module()
class LoadImageFromArray(BaseTransform):
    """Stand-in for a pipeline's ``LoadImageFromFile`` when the image is an
    array: it sets the same results keys, converted as the loader would
    convert a decoded file.

    The array in ``results['img']`` is an ``H×W×C`` BGR (``C`` = 3), BGRA
    (4) or gray (``H×W`` or ``H×W×1``) uint8 image, as
    :func:`cv2.imread` returns it. It is never modified: the results get a
    converted copy.

    Args:
        key (str, optional): The loader's ``key``: None for MMCV-style
            loading (sets ``img``, ``img_shape``, ``ori_shape``), else the
            editing style (sets ``img``, ``ori_img_shape``,
            ``img_channel_order``, ``img_color_type``).
        color_type (str): ``'color'``, ``'grayscale'`` or ``'unchanged'``
            (an ``_ignore_orientation`` suffix is ignored). Defaults to
            ``'color'``.
        channel_order (str): ``'bgr'`` or ``'rgb'``. Defaults to ``'bgr'``.
        to_float32 (bool): Convert to float32. Defaults to False.
        to_y_channel (bool): Keep only the Y channel (editing style).
            Defaults to False.

    Examples:
        >>> img = np.zeros((2, 3, 3), np.uint8)
        >>> img[..., 0] = 255  # blue in BGR
        >>> out = LoadImageFromArray(key='img', channel_order='rgb')(
        ...     dict(img=img))
        >>> out['img'][0, 0].tolist(), out['ori_img_shape']
        ([0, 0, 255], (2, 3, 3))
    """

    def __init__(
        self,
        key: Optional[str] = None,
        color_type: str = 'color',
        channel_order: str = 'bgr',
        to_float32: bool = False,
        to_y_channel: bool = False,
    ) -> None:
        self.key = key
        self.color_type = color_type
        self.channel_order = channel_order
        self.to_float32 = to_float32
        self.to_y_channel = to_y_channel

    @classmethod
    def from_loader(cls, loader: dict) -> 'LoadImageFromArray':
        """The stand-in of a ``LoadImageFromFile`` config.

        Args:
            loader (dict): The loader's config.

        Returns:
            LoadImageFromArray: A step with the loader's conversions.
        """
        return cls(
            key=loader.get('key'),
            color_type=loader.get('color_type', 'color'),
            channel_order=loader.get('channel_order', 'bgr'),
            to_float32=loader.get('to_float32', False),
            to_y_channel=loader.get('to_y_channel', False),
        )

    def _convert(self, img: np.ndarray) -> np.ndarray:
        """``img`` converted as the loader converts a decoded file."""
        channels = 1 if img.ndim == 2 else img.shape[2]
        if img.ndim == 3 and channels == 1:
            img = img[..., 0]
        if self.color_type.startswith('color'):
            code = {1: cv2.COLOR_GRAY2BGR, 4: cv2.COLOR_BGRA2BGR}.get(channels)
            img = img.copy() if code is None else cv2.cvtColor(img, code)
            if self.color_type == 'color' and self.channel_order == 'rgb':
                img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
        elif self.color_type.startswith('grayscale'):
            code = {3: cv2.COLOR_BGR2GRAY, 4: cv2.COLOR_BGRA2GRAY}.get(
                channels
            )
            img = img.copy() if code is None else cv2.cvtColor(img, code)
        else:
            img = img.copy()
        if self.key is None:
            return img.astype(np.float32) if self.to_float32 else img
        return format_keyed_image(
            img, self.channel_order, self.to_y_channel, self.to_float32
        )

    def transform(self, results: dict) -> dict:
        """Convert ``results['img']`` like the loader.

        Args:
            results (dict): Holds the array under ``'img'``.

        Returns:
            dict: ``results`` with the converted image and its metainfo.
        """
        img = self._convert(results[INPUT_KEY])
        results[INPUT_KEY] = img
        if self.key is None:
            results['img_shape'] = img.shape[:2]
            results['ori_shape'] = img.shape[:2]
        else:
            results[f'ori_{INPUT_KEY}_shape'] = img.shape
            results[f'{INPUT_KEY}_channel_order'] = self.channel_order
            results[f'{INPUT_KEY}_color_type'] = self.color_type
        return results

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(key={self.key!r}, '
            f'color_type={self.color_type!r}, '
            f'channel_order={self.channel_order!r}, '
            f'to_float32={self.to_float32}, '
            f'to_y_channel={self.to_y_channel})'
        )
