# Copyright (c) mmflow_ext contributors. All rights reserved.
"""One training run per work dir.

Two runs writing checkpoints into one work dir end with files that mix
their weights. :func:`acquire_work_dir_lock` takes an exclusive ``flock`` on
``<work_dir>/run.lock`` and writes the holder's pid, host, start time and
command line into it; a second run is refused with an error that names
them. The kernel releases the lock when its process dies, so the lock of a
run that was killed is simply taken over (with a message naming the dead
pid).
"""

import fcntl
import json
import logging
import os
import os.path as osp
import socket
import sys
import time
from typing import Dict, Optional

from mmengine.logging import print_log

__all__ = [
    'LOCK_NAME',
    'WorkDirLockedError',
    'WorkDirLock',
    'acquire_work_dir_lock',
]

#: name of the lock file in the work dir
LOCK_NAME = 'run.lock'

#: locks this process holds, by path (a run that raised never released)
_HELD: Dict[str, 'WorkDirLock'] = {}


class WorkDirLockedError(RuntimeError):
    """Another run uses the work dir."""


def _read_holder(path: str) -> dict:
    try:
        with open(path) as f:
            return json.loads(f.read() or '{}')
    except (OSError, ValueError):
        return {}


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class WorkDirLock:
    """A held work-dir lock; :meth:`release` gives it up.

    Args:
        fd (int): The locked file descriptor.
        path (str): The lock file.
    """

    def __init__(self, fd: int, path: str) -> None:
        self.fd: Optional[int] = fd
        self.path = path

    def release(self) -> None:
        """Delete the lock file and unlock (idempotent)."""
        if self.fd is None:
            return
        try:
            if (
                osp.exists(self.path)
                and os.stat(self.path).st_ino == os.fstat(self.fd).st_ino
            ):
                os.remove(self.path)
        finally:
            os.close(self.fd)
            self.fd = None
            _HELD.pop(self.path, None)


def acquire_work_dir_lock(work_dir: str) -> WorkDirLock:
    """Take the lock of ``work_dir`` for this process.

    Args:
        work_dir (str): The work dir (created if missing).

    Returns:
        WorkDirLock: The held lock.

    Raises:
        WorkDirLockedError: When another live process holds it; the message
            names its pid, host, start time, command and the lock file.

    Examples:
        >>> import tempfile
        >>> folder = tempfile.mkdtemp()
        >>> lock = acquire_work_dir_lock(folder)
        >>> sorted(os.listdir(folder))
        ['run.lock']
        >>> lock.release()
        >>> os.listdir(folder)
        []
    """
    os.makedirs(work_dir, exist_ok=True)
    path = osp.abspath(osp.join(work_dir, LOCK_NAME))
    if path in _HELD:  # an earlier run of this process ended by an error
        _HELD[path].release()
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = _read_holder(path)
            raise WorkDirLockedError(
                f'work dir {work_dir} is in use by another run: pid '
                f'{holder.get("pid", "?")} on {holder.get("host", "?")}, '
                f'started {holder.get("started", "?")} '
                f'({holder.get("command", "?")}). Wait for it to end or '
                f'choose another --work-dir (lock file: {path}).'
            ) from None
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # released and deleted meanwhile: lock the new file
    previous = _read_holder(path)
    if (
        previous.get('pid')
        and previous.get('host') == socket.gethostname()
        and not _pid_alive(int(previous['pid']))
    ):
        print_log(
            f'Taking over the lock of work dir {work_dir} from pid '
            f'{previous["pid"]}, which no longer runs.',
            logger='current',
            level=logging.WARNING,
        )
    info = dict(
        pid=os.getpid(),
        host=socket.gethostname(),
        started=time.strftime('%Y-%m-%d %H:%M:%S'),
        command=' '.join(sys.argv),
    )
    os.ftruncate(fd, 0)
    os.write(fd, json.dumps(info).encode())
    lock = WorkDirLock(fd, path)
    _HELD[path] = lock
    return lock
