# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Shared harness of the benchmark scripts.

Each script compares one hot path (ours) against a reference measured in the
same run and prints one Markdown row per comparison: median and min time over
``--repeats`` runs after a warm-up, the ratio reference/ours (> 1 means we
are faster), the peak memory our call added, and whether the outputs match.

Peak memory is read from the kernel (``VmHWM`` after resetting it through
``/proc/self/clear_refs``) so that torch and numpy allocations both count;
glibc's dynamic mmap threshold is pinned so freed buffers go back to the OS
and are not hidden in the heap between measurements.
"""

import argparse
import ctypes
import json
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Callable, List, Optional

import torch

_M_MMAP_THRESHOLD = -3
#: timed runs a full (not ``--tiny``) benchmark makes at least
MIN_REPEATS = 5


def _pin_mmap_threshold() -> None:
    try:
        ctypes.CDLL('libc.so.6').mallopt(_M_MMAP_THRESHOLD, 128 * 1024)
    except OSError:  # not glibc: peak numbers are then approximate
        pass


_pin_mmap_threshold()


@dataclass
class Timing:
    """Median and min seconds of a function over repeated calls."""

    median: float
    min: float


@dataclass
class Row:
    """One line of a benchmark table."""

    benchmark: str
    workload: str
    ours: Timing
    reference_name: str
    reference: Timing
    peak_bytes: Optional[int]
    outputs_equal: bool
    threads: int = field(default_factory=torch.get_num_threads)

    @property
    def ratio(self) -> float:
        """How many times faster ours is than the reference (median)."""
        return self.reference.median / self.ours.median

    def markdown(self) -> str:
        """This row as a Markdown table line."""
        peak = (
            'n/a'
            if self.peak_bytes is None
            else f'{self.peak_bytes / 2**20:.1f} MiB'
        )
        return (
            f'| {self.benchmark} | {self.workload} | {self.threads} | '
            f'{self.ours.median * 1e3:.2f} / {self.ours.min * 1e3:.2f} | '
            f'{self.reference_name} | '
            f'{self.reference.median * 1e3:.2f} / '
            f'{self.reference.min * 1e3:.2f} | {self.ratio:.2f}x | '
            f'{peak} | {"yes" if self.outputs_equal else "NO"} |'
        )


TABLE_HEADER = (
    '| benchmark | workload | threads | ours ms (median / min) | reference | '
    'reference ms (median / min) | speed-up | our peak memory | equal |\n'
    '|---|---|---|---|---|---|---|---|---|'
)


def time_fn(
    fn: Callable[[], object], repeats: int = 5, warmup: int = 1
) -> Timing:
    """Time ``fn`` over ``repeats`` calls after ``warmup`` calls.

    Args:
        fn (callable): A function of no arguments.
        repeats (int): Timed calls. Defaults to 5.
        warmup (int): Untimed calls first. Defaults to 1.

    Returns:
        Timing: Median and min wall-clock seconds.
    """
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return Timing(statistics.median(times), min(times))


def _status_kib(key: str) -> Optional[int]:
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith(key + ':'):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def peak_memory(fn: Callable[[], object]) -> Optional[int]:
    """Peak resident memory that one call of ``fn`` adds, in bytes.

    Args:
        fn (callable): A function of no arguments.

    Returns:
        int | None: Bytes above the resident size before the call, or None
        where ``/proc`` cannot tell (non-Linux).
    """
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')  # reset VmHWM to the current RSS
    except OSError:
        return None
    before = _status_kib('VmRSS')
    result = fn()
    peak = _status_kib('VmHWM')
    del result
    if before is None or peak is None:
        return None
    return max(peak - before, 0) * 1024


def parse_args(description: str) -> argparse.Namespace:
    """Common command line of the benchmark scripts.

    ``--tiny`` shrinks the workload so the test suite can check that a
    script runs; ``--json`` writes the rows for ``run_all.py``.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('--threads', type=int, nargs='+', default=[1, 2])
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--tiny', action='store_true')
    parser.add_argument('--json', help='append rows as JSON lines here')
    args = parser.parse_args()
    if args.repeats < MIN_REPEATS and not args.tiny:
        parser.error(
            f'--repeats must be at least {MIN_REPEATS} (got '
            f'{args.repeats}); use --tiny for a smoke run'
        )
    if min(args.threads) < 1:
        parser.error(f'--threads must be positive, got {args.threads}')
    return args


def report(rows: List[Row], json_path: Optional[str] = None) -> None:
    """Print rows as a Markdown table and optionally append them as JSON."""
    print(TABLE_HEADER)
    for row in rows:
        print(row.markdown())
    sys.stdout.flush()
    if json_path:
        with open(json_path, 'a') as f:
            for row in rows:
                record = asdict(row)
                record['ratio'] = row.ratio
                f.write(json.dumps(record) + '\n')
