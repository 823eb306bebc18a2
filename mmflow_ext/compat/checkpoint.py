# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Secure loading of MMEngine checkpoints on torch >= 2.6.

torch >= 2.6 loads with ``weights_only=True``, which refuses the
``HistoryBuffer`` and numpy values MMEngine stores for resuming. Turning
``weights_only`` off would let any checkpoint run code on load, so instead
:func:`load_checkpoint_file` keeps ``weights_only=True`` and allows exactly
the data-only types MMEngine writes. A file that needs anything else is
refused with :class:`UnsafeCheckpointError`, unless the user opts in for
files they trust with :func:`trusted_checkpoints` or the
``MMFLOW_EXT_TRUST_CHECKPOINTS=1`` environment variable
(``--trust-checkpoint`` in the tools). A truncated or damaged file is
refused with :class:`CorruptCheckpointError`, naming it.

MMEngine's own loader is left as it is: our Runners use this one through
:mod:`.runner_checkpoint` (installed by our ``CheckpointHook`` and tools),
and ``init_model`` calls it directly.
"""

import contextlib
import os
import os.path as osp
import pickle
import threading
import zipfile
from typing import Any, Iterator, List, Optional, Union

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer

#: Set to ``1`` to load checkpoints that need arbitrary Python objects.
TRUST_ENV_VAR = 'MMFLOW_EXT_TRUST_CHECKPOINTS'

_trust = threading.local()

#: The statistics methods ``HistoryBuffer`` pickles by reference.
_HISTORY_BUFFER_STATISTICS = frozenset(('min', 'max', 'mean', 'current'))


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds Python objects that could run code when loaded."""


class CorruptCheckpointError(ValueError):
    """A checkpoint file is empty, truncated or otherwise unreadable."""


#: first bytes of a zip archive, the format of ``torch.save``
_ZIP_MAGIC = b'PK\x03\x04'


def _check_intact(filename: str) -> None:
    """Refuse an empty file, and a zip (torch's format) without its central
    directory, which a write cut short leaves (the directory comes last)."""
    with open(filename, 'rb') as f:
        head = f.read(len(_ZIP_MAGIC))
    if not head:
        raise CorruptCheckpointError(
            f'Checkpoint file "{filename}" is empty (a write that was cut '
            'short leaves such a file)'
        )
    if _ZIP_MAGIC.startswith(head) and not zipfile.is_zipfile(filename):
        raise CorruptCheckpointError(
            f'Checkpoint file "{filename}" is truncated: its zip archive '
            'has no central directory (a write that was cut short leaves '
            'such a file)'
        )


def _history_buffer_getattr(obj: Any, name: str) -> Any:
    """Stand-in for ``getattr`` while unpickling.

    MMEngine's ``HistoryBuffer`` pickles its statistics methods as
    ``getattr(HistoryBuffer, 'mean')``. This allows exactly that and nothing
    else (an unrestricted ``getattr`` would reach methods that write files).
    """
    if obj is HistoryBuffer and name in _HISTORY_BUFFER_STATISTICS:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'getattr({obj!r}, {name!r}) is not allowed in a checkpoint'
    )


def safe_globals() -> List[Any]:
    """The globals MMEngine checkpoints need, all of them data-only.

    Returns:
        list: Entries for :func:`torch.serialization.safe_globals`.
    """
    dtype_classes = [
        cls
        for cls in vars(np.dtypes).values()
        if isinstance(cls, type) and issubclass(cls, np.dtype)
    ]
    return [
        HistoryBuffer,
        (_history_buffer_getattr, 'builtins.getattr'),
        (_history_buffer_getattr, '__builtin__.getattr'),
        np.ndarray,
        np.dtype,
        (
            np._core.multiarray._reconstruct,
            'numpy._core.multiarray._reconstruct',
        ),
        (
            np._core.multiarray._reconstruct,
            'numpy.core.multiarray._reconstruct',
        ),
        (np._core.multiarray.scalar, 'numpy._core.multiarray.scalar'),
        (np._core.multiarray.scalar, 'numpy.core.multiarray.scalar'),
    ] + dtype_classes


def checkpoints_trusted() -> bool:
    """Whether the user opted in to loading arbitrary pickles.

    Returns:
        bool: True inside :func:`trusted_checkpoints` or when
        ``MMFLOW_EXT_TRUST_CHECKPOINTS`` is ``1``/``true``/``yes``.
    """
    if getattr(_trust, 'depth', 0) > 0:
        return True
    return os.environ.get(TRUST_ENV_VAR, '').lower() in ('1', 'true', 'yes')


@contextlib.contextmanager
def trusted_checkpoints() -> Iterator[None]:
    """Allow checkpoints that carry arbitrary Python objects, in this block.

    Only use it for files whose origin you trust: unpickling such a file can
    run any code its author chose.

    Examples:
        >>> from mmflow_ext.compat.checkpoint import checkpoints_trusted
        >>> with trusted_checkpoints():
        ...     checkpoints_trusted()
        True
    """
    _trust.depth = getattr(_trust, 'depth', 0) + 1
    try:
        yield
    finally:
        _trust.depth -= 1


def _unsafe_globals(filename: str) -> List[str]:
    with safe_globals_context():
        try:
            names = torch.serialization.get_unsafe_globals_in_checkpoint(
                filename
            )
        except Exception:  # a damaged file: the load error says more
            return []
    allowed = {
        name
        if isinstance(name, str)
        else f'{name.__module__}.{name.__qualname__}'
        for entry in safe_globals()
        for name in ([entry[1]] if isinstance(entry, tuple) else [entry])
    }
    return [name for name in names if name not in allowed]


def safe_globals_context() -> contextlib.AbstractContextManager:
    """A context in which ``torch.load(weights_only=True)`` reads MMEngine
    checkpoints."""
    return torch.serialization.safe_globals(safe_globals())


def load_checkpoint_file(
    filename: Union[str, os.PathLike],
    map_location: Optional[Union[str, torch.device]] = None,
) -> Any:
    """Load a checkpoint file without letting it run code.

    Args:
        filename (str | PathLike): Path of the checkpoint.
        map_location (str | torch.device, optional): Same as
            :func:`torch.load`.

    Returns:
        Any: The loaded object (usually a dict).

    Raises:
        FileNotFoundError: When ``filename`` is not a file.
        UnsafeCheckpointError: When the file needs Python objects outside
            the allowed data-only set and the user has not opted in.
        CorruptCheckpointError: When the file is empty, truncated or
            cannot be read as a checkpoint.
    """
    filename = osp.expanduser(os.fspath(filename))
    if not osp.isfile(filename):
        raise FileNotFoundError(f'Checkpoint file "{filename}" does not exist')
    _check_intact(filename)
    try:
        return _torch_load(filename, map_location)
    except (EOFError, zipfile.BadZipFile) as error:
        raise CorruptCheckpointError(
            f'Checkpoint file "{filename}" is truncated or damaged ({error})'
        ) from error
    except RuntimeError as error:
        if 'PytorchStreamReader' not in str(error):
            raise
        raise CorruptCheckpointError(
            f'Checkpoint file "{filename}" is truncated or damaged ({error})'
        ) from error


def _torch_load(filename: str, map_location: Any) -> Any:
    """``torch.load`` with the safe globals, unless the user opted in."""
    if checkpoints_trusted():
        return torch.load(
            filename, map_location=map_location, weights_only=False
        )
    try:
        with safe_globals_context():
            return torch.load(
                filename, map_location=map_location, weights_only=True
            )
    except pickle.UnpicklingError as error:
        unsafe = _unsafe_globals(filename)
        what = (
            f'it references {", ".join(unsafe)}'
            if unsafe
            else f'it failed the safe load ({error})'
        )
        raise UnsafeCheckpointError(
            f'Refusing to load checkpoint "{filename}": {what}, which could '
            'run code when unpickled. If you trust where this file comes '
            f'from, set the environment variable {TRUST_ENV_VAR}=1, pass '
            '--trust-checkpoint to the tools, or load it inside '
            '`mmflow_ext.compat.trusted_checkpoints()`.'
        ) from None
