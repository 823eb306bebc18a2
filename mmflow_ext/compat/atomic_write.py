# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Atomic file writes for MMEngine's local storage backend.

MMEngine writes checkpoints and the ``last_checkpoint`` pointer by opening
the target and writing into it: a process killed mid-write leaves a
truncated file, and a truncated ``last_checkpoint`` makes ``--resume`` fail.
Here both go to a temporary file in the same folder that is then renamed
over the target, which is atomic on POSIX and Windows.
"""
import os
import os.path as osp
import tempfile
from pathlib import Path
from typing import Union

from mmengine.fileio.backends import LocalBackend
from mmengine.utils import mkdir_or_exist


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
        prefix=f'.{osp.basename(filepath)}.', suffix='.tmp', dir=folder)
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


def _put(self: LocalBackend, obj: bytes, filepath: Union[str, Path]) -> None:
    atomic_write_bytes(obj, filepath)


def _put_text(self: LocalBackend,
              obj: str,
              filepath: Union[str, Path],
              encoding: str = 'utf-8') -> None:
    atomic_write_bytes(obj.encode(encoding), filepath)


def patch_local_backend() -> None:
    """Make :class:`LocalBackend` ``put`` / ``put_text`` atomic."""
    LocalBackend.put = _put
    LocalBackend.put_text = _put_text
