# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Write an image file atomically.

:func:`write_image` encodes the image in memory with OpenCV (the format
follows the file's extension) and hands the bytes to
:func:`~mmflow_ext.compat.atomic_write.atomic_write_bytes`, so a process
killed mid-write leaves the previous file or none, never a truncated one
under the final name. Every image the package writes (visualizer rows,
prediction PNGs, the confusion matrix) goes through it.
"""

import os
import os.path as osp
from typing import Sequence, Union

import cv2
import numpy as np

from mmflow_ext.compat.atomic_write import atomic_write_bytes

__all__ = ['write_image']


def write_image(
    path: Union[str, os.PathLike],
    image: np.ndarray,
    params: Sequence[int] = (),
) -> None:
    """Encode ``image`` and write it to ``path`` atomically.

    Args:
        path (str | PathLike): Destination; its extension (``.png``,
            ``.jpg``, ...) picks the format and its folder is created.
        image (np.ndarray): What :func:`cv2.imwrite` takes: ``H×W`` or
            ``H×W×3`` BGR, ``uint8`` (``uint16`` for PNG).
        params (Sequence[int]): OpenCV encoder flags, e.g.
            ``(cv2.IMWRITE_PNG_COMPRESSION, 9)``. Defaults to ().

    Raises:
        OSError: When OpenCV cannot encode the image in that format.

    Examples:
        >>> import tempfile
        >>> path = osp.join(tempfile.mkdtemp(), 'sub', 'gray.png')
        >>> write_image(path, np.full((2, 3), 7, dtype=np.uint8))
        >>> cv2.imread(path, cv2.IMREAD_UNCHANGED).tolist()
        [[7, 7, 7], [7, 7, 7]]
    """
    path = os.fspath(path)
    extension = osp.splitext(path)[1]
    try:
        encoded, data = cv2.imencode(extension, image, list(params))
    except cv2.error as err:
        raise OSError(
            f'could not encode an image of shape {image.shape} '
            f'and dtype {image.dtype} for {path}: {err}'
        ) from None
    if not encoded:
        raise OSError(f'could not encode an image for {path}')
    atomic_write_bytes(data.tobytes(), path)
