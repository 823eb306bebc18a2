# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Turn an image folder into an LMDB store, the way BasicSR and MMagic users
build theirs.

The store ``OUT.lmdb`` holds ``data.mdb``/``lock.mdb`` and
``meta_info.txt``; every image is stored PNG-encoded (lossless) under its
name without extension, and ``meta_info.txt`` has one
``name.png (h,w,c) compress_level`` line per image, sorted by name. Use it
as ``ann_file`` of ``BasicImageDataset`` (or let the dataset find it) and
read the images with
``LoadImageFromFile(key=..., backend_args=dict(backend='lmdb',
db_path='OUT.lmdb'))``.

The store is built in a temporary folder beside ``OUT.lmdb`` and renamed
into place when complete, so an interrupted run leaves no half store.
Needs the ``lmdb`` package: ``pip install "mmflow_ext[lmdb]"``.

Examples::

    python tools/dataset_converters/image_folder_to_lmdb.py \\
        data/DIV2K/DIV2K_train_HR_sub data/DIV2K/DIV2K_train_HR_sub.lmdb
"""

import argparse
import os
import os.path as osp
import shutil
import sys
from typing import List, Optional, Sequence

import cv2

from mmflow_ext.compat.atomic_write import atomic_write_bytes
from mmflow_ext.datasets.lmdb_store import META_INFO, import_lmdb, lmdb_key
from mmflow_ext.datasets.paired_image_dataset import IMG_EXTENSIONS


def list_images(
    folder: str, suffix: Sequence[str] = IMG_EXTENSIONS
) -> List[str]:
    """Sorted image file names directly inside ``folder``.

    Raises:
        FileNotFoundError: The folder is missing.
        ValueError: Two images share a key (name without extension) or none
            is found.
    """
    if not osp.isdir(folder):
        raise FileNotFoundError(f'Image folder not found: {folder}')
    names = sorted(
        n
        for n in os.listdir(folder)
        if n.endswith(tuple(suffix)) and osp.isfile(osp.join(folder, n))
    )
    if not names:
        raise ValueError(f'No images found in {folder} (suffixes {suffix})')
    seen = {}
    for name in names:
        key = lmdb_key(name)
        if key in seen:
            raise ValueError(
                f'{seen[key]} and {name} in {folder} have the '
                f'same LMDB key "{key}"'
            )
        seen[key] = name
    return names


def _encode(path: str, compress_level: int) -> tuple:
    img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if img is None:
        raise ValueError(f'Cannot decode image file {path}')
    ok, buf = cv2.imencode(
        '.png', img, [cv2.IMWRITE_PNG_COMPRESSION, compress_level]
    )
    if not ok:
        raise ValueError(f'Cannot PNG-encode image file {path}')
    h, w = img.shape[:2]
    c = 1 if img.ndim == 2 else img.shape[2]
    return buf.tobytes(), (h, w, c)


def folder_to_lmdb(
    folder: str,
    lmdb_path: str,
    compress_level: int = 1,
    batch: int = 5000,
    suffix: Sequence[str] = IMG_EXTENSIONS,
    overwrite: bool = False,
) -> int:
    """Write the images of ``folder`` into a new store at ``lmdb_path``.

    Args:
        folder (str): Folder of images (not searched recursively).
        lmdb_path (str): The store to create; must end with ``.lmdb``.
        compress_level (int): PNG compression level 0-9. Defaults to 1.
        batch (int): Images per transaction. Defaults to 5000.
        suffix (Sequence[str]): Extensions of the images.
        overwrite (bool): Replace an existing store. Defaults to False.

    Returns:
        int: Number of images written.

    Raises:
        ValueError: ``lmdb_path`` does not end with ``.lmdb``, or an image
            cannot be read (the message names it).
        FileExistsError: ``lmdb_path`` exists and not ``overwrite``.
    """
    lmdb = import_lmdb()
    lmdb_path = lmdb_path.rstrip('/' + os.sep)
    if not lmdb_path.endswith('.lmdb'):
        raise ValueError(f"lmdb_path must end with '.lmdb', got {lmdb_path}")
    if osp.exists(lmdb_path) and not overwrite:
        raise FileExistsError(
            f'{lmdb_path} already exists; pass --overwrite to replace it'
        )
    names = list_images(folder, suffix)
    tmp_path = f'{lmdb_path}.tmp-{os.getpid()}'
    shutil.rmtree(tmp_path, ignore_errors=True)
    map_size = 1 << 24
    env = lmdb.open(tmp_path, map_size=map_size)
    lines, used = [], 0
    try:
        txn = env.begin(write=True)
        for i, name in enumerate(names):
            data, (h, w, c) = _encode(osp.join(folder, name), compress_level)
            key = lmdb_key(name)
            used += 2 * (len(data) + len(key)) + 4096
            if used > map_size:
                # grow the map between transactions (pages are allocated
                # lazily, so a large map costs no disk)
                txn.commit()
                map_size = max(2 * map_size, 2 * used)
                env.set_mapsize(map_size)
                txn = env.begin(write=True)
            txn.put(key.encode(), data)
            lines.append(f'{key}.png ({h},{w},{c}) {compress_level}\n')
            if (i + 1) % batch == 0:
                txn.commit()
                txn = env.begin(write=True)
        txn.commit()
    finally:
        env.close()
    atomic_write_bytes(''.join(lines).encode(), osp.join(tmp_path, META_INFO))
    if osp.exists(lmdb_path):
        shutil.rmtree(lmdb_path)
    os.replace(tmp_path, lmdb_path)
    return len(names)


def main(argv: Optional[List[str]] = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(
        description='Turn an image folder into an LMDB store with a '
        'meta_info.txt (BasicSR / MMagic layout)'
    )
    parser.add_argument('folder', help='folder of images')
    parser.add_argument('lmdb_path', help='store to create (*.lmdb)')
    parser.add_argument(
        '--compress-level',
        type=int,
        default=1,
        help='PNG compression level 0-9 (default 1)',
    )
    parser.add_argument(
        '--batch',
        type=int,
        default=5000,
        help='images per transaction (default 5000)',
    )
    parser.add_argument(
        '--overwrite', action='store_true', help='replace an existing store'
    )
    args = parser.parse_args(argv)
    count = folder_to_lmdb(
        args.folder,
        args.lmdb_path,
        args.compress_level,
        args.batch,
        overwrite=args.overwrite,
    )
    print(f'Wrote {count} images to {args.lmdb_path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
