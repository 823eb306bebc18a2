# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Generate-on-first-use protocol of the embedded datasets.

Both embedded datasets (shapes, SR) write their files through
:func:`ensure_generated`:

1. Every process that builds the dataset calls it. A complete tree is
   reused without locking (so a read-only copy works). Otherwise an
   exclusive file lock (``data_root/.<manifest>.lock``) makes one process
   generate while the others wait, then find the finished tree and reuse
   it. No collective is involved, so a dataset that only some ranks build
   cannot hang the others.
2. A manifest (JSON) records the generation arguments and every file
   written. It is written first with ``complete: false`` (a journal: an
   interrupted run leaves it behind) and rewritten with ``complete: true``
   at the end, both atomically.
3. A tree is reused when its complete manifest has the same arguments and
   every listed file exists. Otherwise the files the old manifest lists are
   removed and the new ones written, each atomically. A file the manifest
   does not list is never removed or overwritten: if a planned file's path
   is taken by such a file, generation stops with an error naming it.
4. Progress is a progress bar on a terminal, and about ten log lines
   otherwise (a log file never receives one long progress line).
"""

import json
import os
import os.path as osp
import sys
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator, List, Optional, Tuple

import cv2
from mmengine.logging import print_log
from mmengine.utils import ProgressBar

from mmflow_ext.compat.atomic_write import atomic_write_bytes

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

__all__ = [
    'ensure_generated',
    'read_manifest',
    'GenerationProgress',
    'encode_image',
]

#: one generated item: (path relative to data_root, file content) pairs
Item = List[Tuple[str, bytes]]


def read_manifest(data_root: str, name: str) -> Optional[dict]:
    """The manifest ``name`` of ``data_root``; None when it is missing or
    unreadable."""
    path = osp.join(data_root, name)
    if not osp.isfile(path):
        return None
    try:
        with open(path) as f:
            manifest = json.load(f)
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


@contextmanager
def _exclusive_lock(data_root: str, name: str) -> Iterator[None]:
    os.makedirs(data_root, exist_ok=True)
    path = osp.join(data_root, f'.{name}.lock')
    with open(path, 'a') as f:
        if fcntl is not None:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(f.fileno(), fcntl.LOCK_UN)


class GenerationProgress:
    """Progress of a generation: a bar on a terminal, else log lines.

    Args:
        total (int): Number of items.
        what (str): What is generated, for the log lines.
        enabled (bool): Show anything at all. Defaults to True.
        stream: Where the bar goes and whose ``isatty`` decides. Defaults
            to ``sys.stdout``.
    """

    def __init__(
        self, total: int, what: str, enabled: bool = True, stream=None
    ) -> None:
        self.total, self.what, self.done = total, what, 0
        stream = stream or sys.stdout
        self._bar = None
        self._every = max(total // 10, 1)
        self._enabled = enabled and total > 0
        if self._enabled and getattr(stream, 'isatty', lambda: False)():
            self._bar = ProgressBar(total, file=stream)

    def update(self) -> None:
        """Count one more item."""
        self.done += 1
        if not self._enabled:
            return
        if self._bar is not None:
            self._bar.update()
        elif self.done % self._every == 0 or self.done == self.total:
            print_log(
                f'{self.what}: {self.done}/{self.total} written', 'current'
            )


def _reusable(
    data_root: str, manifest_name: str, params: dict, planned: List[str]
) -> bool:
    """Whether a complete tree with the same arguments is there."""
    old = read_manifest(data_root, manifest_name)
    # a manifest without 'complete' was written last by older versions
    return (
        old is not None
        and old.get('complete', True)
        and all(old.get(k) == v for k, v in params.items())
        and all(osp.isfile(osp.join(data_root, p)) for p in planned)
    )


def _write_manifest(data_root: str, name: str, manifest: dict) -> None:
    atomic_write_bytes(
        json.dumps(manifest, indent=1).encode(), osp.join(data_root, name)
    )


def ensure_generated(
    data_root: str,
    manifest_name: str,
    params: dict,
    planned: List[str],
    produce: Callable[[], Iterable[Item]],
    num_items: int,
    what: str,
    recorded_files: Optional[Callable[[dict], List[str]]] = None,
    show_progress: bool = True,
) -> bool:
    """Generate the files of an embedded dataset unless they are there.

    Args:
        data_root (str): Folder of the dataset (created when missing).
        manifest_name (str): File name of the manifest in ``data_root``.
        params (dict): Generation arguments (JSON-serializable).
        planned (list[str]): Paths, relative to ``data_root``, of every file
            ``produce`` writes.
        produce (callable): Returns an iterable of ``num_items`` items,
            each a list of ``(relative path, bytes)``.
        num_items (int): Number of items, for the progress.
        what (str): Name of the dataset in log lines.
        recorded_files (callable, optional): The files an older manifest
            without a ``files`` list wrote, from its arguments. Defaults to
            None (such a manifest records nothing).
        show_progress (bool): Report progress. Defaults to True.

    Returns:
        bool: True when files were written, False when the tree was reused.

    Raises:
        FileExistsError: A planned file exists and is not one this protocol
            wrote (the message names it).
    """
    if _reusable(data_root, manifest_name, params, planned):
        return False  # no lock needed: a read-only copy works too
    with _exclusive_lock(data_root, manifest_name):
        if _reusable(data_root, manifest_name, params, planned):
            return False  # another process generated it meanwhile
        old = read_manifest(data_root, manifest_name) or {}
        recorded = set(old.get('files') or [])
        if not recorded and old and recorded_files is not None:
            recorded = set(recorded_files(old))
        foreign = [
            p
            for p in planned
            if p not in recorded and osp.lexists(osp.join(data_root, p))
        ]
        if foreign:
            raise FileExistsError(
                f'{osp.join(data_root, foreign[0])} (and {len(foreign) - 1} '
                f'more planned files) exists but was not written by the '
                f'{what} generator ({manifest_name} does not list it); '
                'move it away or choose another data_root'
            )
        _write_manifest(
            data_root,
            manifest_name,
            dict(
                params, files=sorted(recorded | set(planned)), complete=False
            ),
        )
        for rel_path in sorted(recorded - set(planned)):
            path = osp.join(data_root, rel_path)
            if osp.isfile(path):
                os.remove(path)
        print_log(f'Generating {what} in {data_root}', 'current')
        progress = GenerationProgress(num_items, what, show_progress)
        for item in produce():
            for rel_path, content in item:
                atomic_write_bytes(content, osp.join(data_root, rel_path))
            progress.update()
        _write_manifest(
            data_root,
            manifest_name,
            dict(params, files=list(planned), complete=True),
        )
    return True


def encode_image(ext: str, img, params: Optional[list] = None) -> bytes:
    """``img`` encoded by OpenCV as ``ext`` (``'.png'``, ``'.jpg'``), the
    same bytes :func:`cv2.imwrite` writes."""
    ok, buf = cv2.imencode(ext, img, params or [])
    if not ok:
        raise ValueError(f'OpenCV cannot encode an image as {ext}')
    return buf.tobytes()
