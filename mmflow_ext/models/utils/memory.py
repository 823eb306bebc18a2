# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Allocation of large batch tensors.

A fresh CPU batch of tens of MiB is otherwise filled 4 KiB page by 4 KiB
page at first touch, which costs more than normalizing it. Advising
``MADV_HUGEPAGE`` before the first write gives 2 MiB pages where the kernel
allows it (transparent huge pages in ``madvise`` or ``always`` mode). In
``benchmarks/bench_seg_data_preprocessor.py``-style batches of 4×3×256×512
this makes ``SegDataPreProcessor`` about a third faster (see
``docs/dataflow.md``); elsewhere :func:`empty_batch` is a plain
:func:`torch.empty`.
"""

import ctypes
import ctypes.util
import sys
from typing import Callable, Optional, Sequence

import torch

__all__ = ['empty_batch']

_HUGE_PAGE = 2 << 20
_MADV_HUGEPAGE = 14


def _load_madvise() -> Optional[Callable]:
    if not sys.platform.startswith('linux'):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library('c'), use_errno=True)
        madvise = libc.madvise
    except (OSError, AttributeError, TypeError):
        return None
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    madvise.restype = ctypes.c_int
    return madvise


_madvise = _load_madvise()


def empty_batch(
    shape: Sequence[int], dtype: torch.dtype, device: torch.device
) -> torch.Tensor:
    """An uninitialized tensor; a large CPU one asks Linux for huge pages.

    Args:
        shape (Sequence[int]): Tensor shape.
        dtype (torch.dtype): Tensor dtype.
        device (torch.device): Tensor device.

    Returns:
        Tensor: The new tensor.

    Examples:
        >>> empty_batch((2, 3), torch.float32, torch.device('cpu')).shape
        torch.Size([2, 3])
    """
    out = torch.empty(tuple(shape), dtype=dtype, device=device)
    nbytes = out.numel() * out.element_size()
    if (
        _madvise is not None
        and out.device.type == 'cpu'
        and nbytes >= 2 * _HUGE_PAGE
    ):
        start = -(-out.data_ptr() // _HUGE_PAGE) * _HUGE_PAGE
        end = (out.data_ptr() + nbytes) // _HUGE_PAGE * _HUGE_PAGE
        _madvise(start, end - start, _MADV_HUGEPAGE)
    return out
