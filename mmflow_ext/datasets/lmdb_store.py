# Copyright (c) mmflow_ext contributors. All rights reserved.
"""LMDB image stores as BasicSR and MMagic build them: a ``*.lmdb`` folder
holding ``data.mdb``, ``lock.mdb`` and ``meta_info.txt`` (one
``name.png (h,w,c) compression`` line per image), keyed by the image name
without extension.

Reading needs the optional ``lmdb`` package (``pip install
mmflow_ext[lmdb]``), as MMEngine's ``LmdbBackend`` does.
"""

import os.path as osp
from typing import Iterable, List

__all__ = [
    'META_INFO',
    'is_lmdb_store',
    'lmdb_key',
    'missing_lmdb_keys',
    'import_lmdb',
]

#: name of the meta-information file inside a store
META_INFO = 'meta_info.txt'


def import_lmdb():
    """Import :mod:`lmdb` or say how to install it.

    Returns:
        module: The ``lmdb`` module.

    Raises:
        ImportError: ``lmdb`` is not installed.
    """
    try:
        import lmdb
    except ImportError as err:
        raise ImportError(
            'LMDB stores need the lmdb package: pip install '
            '"mmflow_ext[lmdb]" (or pip install lmdb)'
        ) from err
    return lmdb


def is_lmdb_store(folder: str) -> bool:
    """Whether a local folder is an LMDB environment (has ``data.mdb``).

    Examples:
        >>> is_lmdb_store('.')
        False
    """
    return osp.isfile(osp.join(folder, 'data.mdb'))


def lmdb_key(path: str) -> str:
    """The key of an image path in a store: its base name without
    extension (what ``LoadImageFromFile`` asks an LMDB backend for).

    Examples:
        >>> lmdb_key('DIV2K.lmdb/0001_s001.png')
        '0001_s001'
    """
    return osp.splitext(osp.basename(path))[0]


def missing_lmdb_keys(folder: str, keys: Iterable[str]) -> List[str]:
    """The keys that the store at ``folder`` does not hold.

    Args:
        folder (str): The ``*.lmdb`` folder.
        keys (Iterable[str]): Keys to look up.

    Returns:
        list[str]: Missing keys, in the given order.
    """
    lmdb = import_lmdb()
    env = lmdb.open(folder, readonly=True, lock=False, readahead=False)
    try:
        with env.begin(write=False) as txn:
            return [k for k in keys if txn.get(k.encode()) is None]
    finally:
        env.close()
