# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Run every ``bench_*.py`` script and the end-to-end benchmark; write
``benchmarks/RESULTS.md``.

Each script runs in its own process (so peak-memory readings do not mix) and
appends its rows as JSON lines; this script turns them into one Markdown
table headed by a description of the machine, checks the targets of the
suite on the one-thread rows, and appends the end-to-end section of
``e2e_dataloader.py`` and the hand-written ``NOTES.md``.

Usage::

    python benchmarks/run_all.py         # full workloads, 1 and 2 threads
    python benchmarks/run_all.py --peer-python /path/to/refenv/bin/python
    python benchmarks/run_all.py --tiny --out /tmp/RESULTS.md \\
        --data-root /tmp/e2e
"""

import argparse
import glob
import json
import os
import os.path as osp
import platform
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from typing import List, Optional

from common import TABLE_HEADER, Row, Timing

HERE = osp.dirname(osp.abspath(__file__))
NOTES = osp.join(HERE, 'NOTES.md')


@dataclass
class Target:
    """A goal on the speed-up of some rows (one torch thread).

    ``min_ratio`` applies to every row of ``benchmark`` whose reference
    name starts with ``reference``; each such row must also match its
    reference's outputs.
    """

    goal: str
    benchmark: str
    reference: str
    min_ratio: float


TARGETS = [
    Target(
        'PackSegInputs >= 1x the CHW copy + int64 reference',
        'PackSegInputs',
        'CHW copy',
        1.0,
    ),
    Target(
        'SegDataPreProcessor >= 5x the per-sample reference',
        'SegDataPreProcessor',
        'per-sample',
        5.0,
    ),
    Target(
        'SegDataPreProcessor <= 3x the uint8->float32 copy floor',
        'SegDataPreProcessor',
        'plain copy',
        1 / 3,
    ),
    Target('IoUMetric >= 10x per-sample histc', 'IoUMetric', 'histc', 10.0),
    Target(
        'IoUMetric faster than torchmetrics', 'IoUMetric', 'torchmetrics', 1.0
    ),
    Target('SSIM >= 3x the float64 cv2 reference', 'ssim', 'per-channel', 3.0),
    Target(
        'postprocess_result no slower than the per-sample loop',
        'postprocess_result',
        'per-sample',
        1.0,
    ),
    Target(
        'seg pipeline + preprocessor >= 2x MMSegmentation\'s',
        'seg train pipeline + preprocessor',
        'MMSegmentation',
        2.0,
    ),
    Target(
        'seg pipeline + preprocessor <= 1.5x the decode floor',
        'seg train pipeline + preprocessor',
        'decode floor',
        1 / 1.5,
    ),
    Target(
        'PhotoMetricDistortion >= 2x MMSegmentation\'s',
        'PhotoMetricDistortion',
        'MMSegmentation',
        2.0,
    ),
    Target(
        'SegDataPreProcessor >= 5x MMSegmentation\'s',
        'SegDataPreProcessor',
        'MMSegmentation',
        5.0,
    ),
    Target(
        'editing DataPreprocessor >= 2x MMagic\'s',
        'edit DataPreprocessor (training)',
        'MMagic',
        2.0,
    ),
    Target(
        'editing pipeline + preprocessor >= 2x MMagic\'s',
        'edit train pipeline + preprocessor',
        'MMagic',
        2.0,
    ),
]
#: reference names of the rows measured against the real peers
PEER_REFERENCES = ('MMSegmentation', 'MMagic', 'decode floor')
#: scripts that need the peers' interpreter (``--peer-python``)
PEER_SCRIPTS = ('bench_vs_upstream_seg.py', 'bench_vs_upstream_edit.py')


def cpu_model() -> str:
    """The CPU model name from ``/proc/cpuinfo`` (or the platform)."""
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown'


def load_average() -> str:
    """The 1, 5 and 15 minute load averages."""
    try:
        return ', '.join(f'{v:.2f}' for v in os.getloadavg())
    except OSError:
        return 'unknown'


def accelerator() -> str:
    """What the run had in the way of a GPU."""
    import torch

    if torch.cuda.is_available():
        return (
            f'{torch.cuda.get_device_name(0)} present, but this suite '
            'times the CPU only'
        )
    return (
        'none lent to this run (torch has no CUDA device): the GPU rows '
        '(host-to-device traffic of uint8 vs float32 batches) are not '
        'recorded'
    )


def machine_description(load_before: str, load_after: str) -> str:
    """Markdown lines describing the machine and the software versions."""
    import cv2
    import mmcv
    import mmengine
    import numpy
    import torch

    return '\n'.join(
        [
            f'- CPU: {cpu_model()}, {os.cpu_count()} cores visible; GPU: '
            f'{accelerator()}',
            f'- Python {platform.python_version()}, '
            f'torch {torch.__version__}, numpy {numpy.__version__}, '
            f'mmengine {mmengine.__version__}, '
            f'mmcv {mmcv.__version__}, opencv {cv2.__version__}',
            '- torch (and OpenCV) threads are pinned per row: see the threads '
            'column; the machine is shared, load average (1, 5, 15 min) '
            f'{load_before} before the run and {load_after} after it',
            '- Times are milliseconds (median / min over the repeats after '
            'one warm-up); speed-up = reference median / our median; peak '
            'memory is what our call adds to the resident set.',
        ]
    )


def load_rows(path: str) -> List[Row]:
    """Rows from the JSON lines the scripts appended."""
    rows = []
    with open(path) as f:
        for line in f:
            record = json.loads(line)
            record.pop('ratio')
            record['ours'] = Timing(**record['ours'])
            record['reference'] = Timing(**record['reference'])
            rows.append(Row(**record))
    return rows


def check_targets(rows: List[Row]) -> str:
    """A Markdown table of the targets against the one-thread rows."""
    lines = [
        '| target | rows | worst speed-up | outputs equal | met |',
        '|---|---|---|---|---|',
    ]
    for target in TARGETS:
        matching = [
            row
            for row in rows
            if row.threads == 1
            and row.benchmark == target.benchmark
            and row.reference_name.startswith(target.reference)
        ]
        if not matching:
            lines.append(f'| {target.goal} | 0 | - | - | not measured |')
            continue
        worst = min(row.ratio for row in matching)
        equal = all(row.outputs_equal for row in matching)
        met = worst >= target.min_ratio and equal
        lines.append(
            f'| {target.goal} | {len(matching)} | {worst:.2f}x '
            f'(needs {target.min_ratio:.2f}x) | '
            f'{"yes" if equal else "NO"} | '
            f'{"yes" if met else "**missed**"} |'
        )
    return '\n'.join(lines)


def peer_env() -> dict:
    """The environment of a peer script: this repository importable."""
    env = dict(os.environ)
    root = osp.dirname(HERE)
    env['PYTHONPATH'] = os.pathsep.join(
        p for p in (root, env.get('PYTHONPATH')) if p
    )
    return env


def run_benchmarks(args) -> List[Row]:
    """Run every ``bench_*.py`` script in its own process.

    The scripts against the real peers run under ``--peer-python`` (the
    interpreter where MMSegmentation and MMagic import) with this
    repository on ``PYTHONPATH``; without the peers they skip those rows.
    """
    scripts = sorted(glob.glob(osp.join(HERE, 'bench_*.py')))
    with tempfile.TemporaryDirectory() as tmp:
        json_path = osp.join(tmp, 'rows.jsonl')
        for script in scripts:
            print(f'== {osp.basename(script)}', flush=True)
            peer = osp.basename(script) in PEER_SCRIPTS
            command = [
                args.peer_python if peer else sys.executable,
                script,
                '--json',
                json_path,
                '--repeats',
                str(args.repeats),
                '--threads',
            ] + [str(t) for t in args.threads]
            if args.tiny:
                command.append('--tiny')
            subprocess.run(
                command, check=True, env=peer_env() if peer else None
            )
        return load_rows(json_path)


def is_peer_row(row: Row) -> bool:
    """Whether ``row`` is measured against a real peer or the floor."""
    return row.reference_name.startswith(PEER_REFERENCES)


def peer_section(rows: List[Row], peer_python: str) -> str:
    """The Markdown section of the rows against the real peers."""
    peer_rows = [row for row in rows if is_peer_row(row)]
    lines = [
        '## Against the real peers',
        '',
        'MMSegmentation 1.2.2 and MMagic 1.2.0 in the same process as ours '
        f'(interpreter `{peer_python}`), same files and seeds, timed in '
        'turns, outputs compared (`bench_vs_upstream_seg.py`, '
        '`bench_vs_upstream_edit.py`). The "decode floor" row compares '
        'the whole pipeline + preprocessor with reading and decoding the '
        'JPEG and PNG alone: 1 / speed-up is how many times the floor we '
        'take.',
    ]
    if not any(
        row.reference_name.startswith(('MMSegmentation', 'MMagic'))
        for row in peer_rows
    ):
        lines += [
            '',
            'The peers did not import under that interpreter, so only the '
            'decode-floor rows were measured; rerun with '
            '`--peer-python /path/to/refenv/bin/python`.',
        ]
    lines += ['', TABLE_HEADER, '\n'.join(row.markdown() for row in peer_rows)]
    return '\n'.join(lines)


def run_e2e(args) -> str:
    """Run ``e2e_dataloader.py``; return its Markdown section."""
    print('== e2e_dataloader.py', flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        markdown = osp.join(tmp, 'e2e.md')
        command = [
            sys.executable,
            osp.join(HERE, 'e2e_dataloader.py'),
            '--markdown',
            markdown,
        ]
        if args.data_root:
            command += ['--data-root', args.data_root]
        if args.tiny:
            command.append('--tiny')
        subprocess.run(command, check=True)
        load = load_average()
        with open(markdown) as f:
            return (
                f.read().rstrip('\n')
                + f'\n\nLoad average after the end-to-end run: {load}.\n'
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--tiny', action='store_true')
    parser.add_argument('--threads', type=int, nargs='+', default=[1, 2])
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--out', default=osp.join(HERE, 'RESULTS.md'))
    parser.add_argument(
        '--data-root',
        help='dataset folder of the end-to-end run (its own default when '
        'not given)',
    )
    parser.add_argument(
        '--no-e2e', action='store_true', help='skip e2e_dataloader.py'
    )
    parser.add_argument(
        '--peer-python',
        default=sys.executable,
        help='interpreter of the scripts against MMSegmentation and MMagic '
        '(where those import; this repository is put on its PYTHONPATH). '
        'Defaults to this one',
    )
    args = parser.parse_args()

    load_before = load_average()
    rows = run_benchmarks(args)
    load_after = load_average()
    e2e = None if args.no_e2e else run_e2e(args)

    sections = [
        '# Benchmark results',
        machine_description(load_before, load_after),
        TABLE_HEADER
        + '\n'
        + '\n'.join(row.markdown() for row in rows if not is_peer_row(row)),
        peer_section(rows, args.peer_python),
        '## Targets (one torch thread, same run)',
        (
            'Not checked: --tiny workloads are a smoke run.'
            if args.tiny
            else check_targets(rows)
        ),
    ]
    if e2e:
        sections.append(e2e.rstrip('\n'))
    notes = read_notes()
    if notes:
        sections.append(notes)
    with open(args.out, 'w') as f:
        f.write('\n\n'.join(sections) + '\n')
    print(f'wrote {args.out}')


def read_notes() -> Optional[str]:
    """The hand-written analysis of ``NOTES.md``, when there is one."""
    if not osp.isfile(NOTES):
        return None
    with open(NOTES) as f:
        return f.read().rstrip('\n')


if __name__ == '__main__':
    main()
