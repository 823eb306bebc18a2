# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Image loading into a named key, for both task families."""
import os.path as osp
from typing import Dict, List, Optional, Union

import mmcv
import numpy as np
from mmcv.transforms import LoadImageFromFile as MMCVLoadImageFromFile
from mmengine.fileio import FileClient, get_file_backend

from mmflow_ext.registry import TRANSFORMS

__all__ = ['LoadImageFromFile']


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

    Raises:
        FileNotFoundError: A file is missing (the message names it).
        ValueError: A file cannot be decoded as an image (idem).

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

    def __init__(self,
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
                 backend_args: Optional[dict] = None) -> None:
        super().__init__(
            to_float32=to_float32,
            color_type=color_type,
            imdecode_backend=imdecode_backend or 'cv2',
            file_client_args=file_client_args,
            ignore_empty=ignore_empty,
            backend_args=backend_args)
        if channel_order.lower() not in ('bgr', 'rgb'):
            raise ValueError(f"channel_order must be 'bgr' or 'rgb', got "
                             f"'{channel_order}'")
        self.key = key
        self.channel_order = channel_order
        self.use_cache = use_cache
        self.to_y_channel = to_y_channel
        self.save_original_img = save_original_img
        self._cache: Dict[str, bytes] = {}

    # ------------------------------------------------------------ reading
    def _read_bytes(self, filename: str) -> bytes:
        if filename in self._cache:
            return self._cache[filename]
        if self.file_client_args is not None:
            client = FileClient.infer_client(self.file_client_args, filename)
            content = client.get(filename)
        else:
            backend = get_file_backend(
                filename, backend_args=self.backend_args)
            name = filename
            if (self.backend_args or {}).get('backend') == 'lmdb':
                name = osp.splitext(osp.basename(filename))[0]
            try:
                content = backend.get(name)
            except FileNotFoundError as err:
                raise FileNotFoundError(
                    f'Image file not found: {filename}') from err
        if self.use_cache:
            self._cache[filename] = content
        return content

    def _decode(self, filename: str) -> np.ndarray:
        content = self._read_bytes(filename)
        try:
            img = mmcv.imfrombytes(
                content,
                flag=self.color_type,
                channel_order=self.channel_order,
                backend=self.imdecode_backend)
        except Exception as err:  # decoders raise many types
            raise ValueError(
                f'Cannot decode image file {filename}: {err}') from err
        if img is None:
            raise ValueError(f'Cannot decode image file {filename}: it is '
                             'empty or not an image')
        return img

    def _load(self, filename: str) -> Optional[np.ndarray]:
        try:
            return self._decode(filename)
        except (FileNotFoundError, ValueError):
            if self.ignore_empty:
                return None
            raise

    # ------------------------------------------------------------ convert
    def _to_y(self, img: np.ndarray) -> np.ndarray:
        if self.channel_order.lower() == 'rgb':
            return mmcv.rgb2ycbcr(img, y_only=True)
        return mmcv.bgr2ycbcr(img, y_only=True)

    def _convert_keyed(self, img: np.ndarray) -> np.ndarray:
        if self.to_y_channel:
            img = self._to_y(img)
        if img.ndim == 2:
            img = img[..., None]
        if self.to_float32:
            img = img.astype(np.float32)
        return img

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
        img = self._load(results['img_path'])
        if img is None:
            return None
        if self.to_float32:
            img = img.astype(np.float32)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def _transform_keyed(self, results: dict) -> Optional[dict]:
        path_key = f'{self.key}_path'
        if path_key not in results:
            raise KeyError(f'LoadImageFromFile(key={self.key!r}) needs '
                           f'"{path_key}" in the results, which have '
                           f'{sorted(results)}')
        paths: Union[str, List[str]] = results[path_key]
        is_frames = isinstance(paths, (list, tuple))
        images = []
        for path in (paths if is_frames else [paths]):
            img = self._load(str(path))
            if img is None:
                return None
            images.append(self._convert_keyed(img))
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
        return (f'{self.__class__.__name__}(key={self.key!r}, '
                f'color_type={self.color_type!r}, '
                f'channel_order={self.channel_order!r}, '
                f'imdecode_backend={self.imdecode_backend!r}, '
                f'use_cache={self.use_cache}, '
                f'to_float32={self.to_float32}, '
                f'to_y_channel={self.to_y_channel}, '
                f'save_original_img={self.save_original_img}, '
                f'ignore_empty={self.ignore_empty}, '
                f'backend_args={self.backend_args})')
