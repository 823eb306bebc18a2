# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Helpers of the benchmarks against the real peers (MMSegmentation 1.2.2,
MMagic 1.2.0).

The peers import only where they are installed (the reference environment,
run with this repository on ``PYTHONPATH``); elsewhere a script prints a
note and skips the rows that need them. Timing here is *interleaved*: in
every round each contender runs once on every item, the contenders taking
turns to go first, so that load from other processes falls on both alike.
Every contender is timed in CPU seconds of this process (:func:`clock`),
which time spent waiting for a core that another process holds does not
inflate.
"""

import ctypes
import importlib
import os
import random
import statistics
import time
from typing import Callable, Dict, List, Optional, Sequence

import cv2
import numpy as np
import torch
from common import Timing

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3

#: the timer of these benchmarks: CPU seconds of this process (all its
#: threads; they run one torch / OpenCV thread, see :func:`set_threads`)
clock = time.process_time


def _steady_state_malloc() -> None:
    """Undo ``common``'s low mmap threshold (set for peak-memory readings).

    With it, every large temporary is a fresh ``mmap`` whose pages fault in
    on first touch, which charges the peers' many float temporaries far
    more than a long-running dataloader worker pays: there glibc's dynamic
    threshold has risen (up to 32 MiB) and freed buffers are reused. These
    scripts report no peak memory, so they pin that steady state instead.
    """
    try:
        libc = ctypes.CDLL('libc.so.6')
    except OSError:
        return
    libc.mallopt(_M_MMAP_THRESHOLD, 32 * 2**20)
    libc.mallopt(_M_TRIM_THRESHOLD, 64 * 2**20)


_steady_state_malloc()


def try_import(module: str) -> Optional[object]:
    """``module`` imported, or None (with a note) when it does not import."""
    try:
        return importlib.import_module(module)
    except Exception as error:  # noqa: BLE001  (any failure means absent)
        print(
            f'NOTE: {module} does not import here ({type(error).__name__}:'
            f' {error}); its peer rows are skipped. Run this script with '
            'the reference interpreter and this repository on PYTHONPATH '
            'to get them.'
        )
        return None


def seed_all(seed: int) -> None:
    """Seed Python's, NumPy's and torch's global generators alike."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def set_threads(threads: int) -> None:
    """Pin torch's and OpenCV's thread counts."""
    torch.set_num_threads(threads)
    cv2.setNumThreads(threads)


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, for the printed notes."""
    try:
        return ', '.join(f'{v:.2f}' for v in os.getloadavg())
    except OSError:
        return 'unknown'


def interleaved(
    contenders: Dict[str, Callable[..., object]],
    items: Sequence[int],
    rounds: int,
    warmup: int = 1,
    prepare: Optional[Dict[str, Callable[[int], object]]] = None,
) -> Dict[str, Timing]:
    """Time each contender on every item, round after round, in turns.

    A contender that returns a dict of ``{lap: seconds}`` (e.g. the stages
    of a pipeline) also gets a timing per lap, named ``'name/lap'``.

    Args:
        contenders (dict): Name to a function of one item (an int).
        items (Sequence[int]): The items of one round (e.g. seeds).
        rounds (int): Timed rounds, after ``warmup`` untimed ones.
        warmup (int): Untimed rounds first. Defaults to 1.
        prepare (dict, optional): Name to an untimed function of the item
            whose result the contender gets instead of the item (e.g. a
            fresh batch for a contender that changes its input).

    Returns:
        dict: Name (and ``'name/lap'``) to the median and min over the
        rounds of the mean seconds per item.
    """
    names = list(contenders)
    per_round: Dict[str, List[float]] = {}
    for index in range(warmup + rounds):
        totals: Dict[str, float] = {}
        for position, item in enumerate(items):
            shift = (index + position) % len(names)
            for name in names[shift:] + names[:shift]:
                arg = (
                    item
                    if name not in (prepare or {})
                    else prepare[name](item)
                )
                start = clock()
                laps = contenders[name](arg)
                elapsed = clock() - start
                totals[name] = totals.get(name, 0.0) + elapsed
                for lap, seconds in (laps or {}).items():
                    key = f'{name}/{lap}'
                    totals[key] = totals.get(key, 0.0) + seconds
        if index >= warmup:
            for key, total in totals.items():
                per_round.setdefault(key, []).append(total / len(items))
    return {
        key: Timing(statistics.median(times), min(times))
        for key, times in per_round.items()
    }


def smooth_image(
    rng: np.random.Generator, height: int, width: int, cell: int, noise: float
) -> np.ndarray:
    """A photo-like uint8 BGR image: bicubic blobs of ``cell`` pixels
    plus Gaussian noise of std ``noise`` (compresses like a photo)."""
    coarse = rng.integers(0, 256, (height // cell, width // cell, 3))
    img = cv2.resize(
        coarse.astype(np.uint8), (width, height), interpolation=cv2.INTER_CUBIC
    )
    return np.clip(img + rng.normal(0, noise, img.shape), 0, 255).astype(
        np.uint8
    )


def per_item(timing: Timing, num: int) -> Timing:
    """``timing`` of a batch of ``num`` items, per item."""
    return Timing(timing.median / num, timing.min / num)
