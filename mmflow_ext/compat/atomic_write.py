# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Atomic file writes.

A process killed while it writes a file into place leaves a truncated file
under the final name. :func:`atomic_write_bytes` writes to a temporary file
in the same folder and renames it over the target (atomic on POSIX and
Windows), so readers see the old content or the new one, never a part.

:class:`AtomicLocalBackend` is MMEngine's :class:`LocalBackend` with atomic
``put``/``put_text``. It is registered as the file backend
``'mmflow_ext_atomic_local'``, which only code that asks for it by name uses
(our ``CheckpointHook`` does); MMEngine's ``LocalBackend`` is unchanged.
"""

import os
import os.path as osp
import tempfile
from pathlib import Path
from typing import Union

from mmengine.fileio import register_backend
from mmengine.fileio.backends import LocalBackend
from mmengine.fileio.backends.registry_utils import backends
from mmengine.utils import mkdir_or_exist

#: name of :class:`AtomicLocalBackend` in MMEngine's file backends
ATOMIC_BACKEND = 'mmflow_ext_atomic_local'


def atomic_write_bytes(data: bytes, filepath: Union[str, Path]) -> None:
    """Write ``data`` to ``filepath`` so that readers see all or nothing.

    Args:
        data (bytes): The content.
        filepath (str | Path): The destination; its folder is created.

    Examples:
        >>> import tempfile, os.path as osp
        >>> folder = tempfile.mkdtemp()
        >>> atomic_write_bytes(b'abc', osp.join(folder, 'x.bin'))
        >>> open(osp.join(folder, 'x.bin'), 'rb').read()
        b'abc'
    """
    filepath = os.fspath(filepath)
    folder = osp.dirname(osp.abspath(filepath))
    mkdir_or_exist(folder)
    fd, tmp_path = tempfile.mkstemp(
        prefix=f'.{osp.basename(filepath)}.', suffix='.tmp', dir=folder
    )
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_path, filepath)
    except BaseException:
        if osp.exists(tmp_path):
            os.remove(tmp_path)
        raise


class AtomicLocalBackend(LocalBackend):
    """MMEngine's local file backend whose writes are atomic.

    Examples:
        >>> import tempfile, os.path as osp
        >>> from mmengine.fileio import get_file_backend
        >>> backend = get_file_backend(backend_args=dict(
        ...     backend=ATOMIC_BACKEND))
        >>> path = osp.join(tempfile.mkdtemp(), 'last_checkpoint')
        >>> backend.put_text('iter_2.pth', path)
        >>> backend.get_text(path)
        'iter_2.pth'
    """

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        """Write bytes atomically (see :func:`atomic_write_bytes`).

        Args:
            obj (bytes): The content.
            filepath (str | Path): The destination.
        """
        atomic_write_bytes(obj, filepath)

    def put_text(
        self, obj: str, filepath: Union[str, Path], encoding: str = 'utf-8'
    ) -> None:
        """Write text atomically.

        Args:
            obj (str): The content.
            filepath (str | Path): The destination.
            encoding (str): Text encoding. Defaults to ``'utf-8'``.
        """
        atomic_write_bytes(obj.encode(encoding), filepath)


if ATOMIC_BACKEND not in backends:
    register_backend(ATOMIC_BACKEND, AtomicLocalBackend)
