# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Produce every number README.md quotes, and keep README in step with them.

``run`` trains and tests both main jobs as README's command does (the
``tools/train.py`` and ``tools/test.py`` that ``mim train``/``mim test``
run, in a fresh folder where the embedded data is generated on first use),
times the whole training command, and saves what the
jobs logged to ``docs/results/main_jobs.json``. ``render`` rewrites the
README blocks between ``<!-- results:NAME -->`` and
``<!-- /results:NAME -->`` from that file; ``check`` fails when README
differs from what ``render`` would write (the test suite runs it).

Examples::

    python tools/misc/readme_results.py run      # ~2 minutes on 2 cores
    python tools/misc/readme_results.py render
    python tools/misc/readme_results.py check
"""

import argparse
import glob
import json
import os
import os.path as osp
import re
import subprocess
import sys
import tempfile
import time
from typing import Callable, Dict, List

import numpy as np

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RESULTS = osp.join(REPO, 'docs', 'results', 'main_jobs.json')
README = osp.join(REPO, 'README.md')
SEG_CONFIG = 'fcn-compactcnn_400it_shapes.py'
EDIT_CONFIG = 'espcn-res_500it_embedded-sr-denoise.py'
#: metric prefix of the editing job's noisy-input baseline
BASELINE = 'noisy_input'
BLOCK = re.compile(
    r'(<!-- results:(?P<name>[\w-]+) -->\n)(?P<body>.*?)'
    r'(<!-- /results:(?P=name) -->)',
    re.S,
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Measure the numbers README quotes (run), write them '
        'into README (render), or check README against them (check)'
    )
    parser.add_argument(
        'command',
        choices=['run', 'render', 'check'],
        help='run: train and test both main jobs and save their numbers, '
        'then render; render: rewrite README blocks from the saved '
        'numbers; check: exit 1 when README differs from them',
    )
    return parser.parse_args()


def last_metrics(work_dir: str, key: str) -> Dict[str, float]:
    """The last logged entry of a run whose metrics include ``key``.

    Args:
        work_dir (str): The run's work dir.
        key (str): A metric name, e.g. ``'mIoU'``.

    Returns:
        dict: That entry of the run's JSON logs
        (``<timestamp>/vis_data/*.json``).
    """
    entries = []
    for path in sorted(
        glob.glob(osp.join(work_dir, '*', 'vis_data', '*.json'))
    ):
        with open(path) as f:
            entries += [json.loads(line) for line in f if line.strip()]
    found = [e for e in entries if any(k.rsplit('/', 1)[-1] == key for k in e)]
    if not found:
        raise RuntimeError(f'no entry with "{key}" logged under {work_dir}')
    return found[-1]


def test_metrics(work_dir: str) -> Dict[str, float]:
    """The metrics a test run printed on its last ``Iter(test)`` line.

    Args:
        work_dir (str): The test run's work dir.

    Returns:
        dict: ``{name: value}`` as logged.
    """
    lines = []
    for path in sorted(glob.glob(osp.join(work_dir, '*', '*.log'))):
        with open(path) as f:
            lines += [line for line in f if 'Iter(test)' in line]
    if not lines:
        raise RuntimeError(f'no Iter(test) line logged under {work_dir}')
    pairs = re.findall(r'([\w/]+): (-?\d+\.\d+)', lines[-1].split(']', 2)[-1])
    return {
        name: float(value)
        for name, value in pairs
        if name not in ('time', 'data_time')
    }


def per_class_iou(work_dir: str) -> List[float]:
    """Per-class IoU in percent from the saved confusion matrix.

    Args:
        work_dir (str): The run's work dir.

    Returns:
        list[float]: IoU of each class, from the newest
        ``confusion_matrix.npy`` (rows ground truth, columns prediction).
    """
    paths = sorted(
        glob.glob(
            osp.join(work_dir, '**', 'confusion_matrix.npy'), recursive=True
        ),
        key=osp.getmtime,
    )
    if not paths:
        raise RuntimeError(f'no confusion_matrix.npy under {work_dir}')
    matrix = np.load(paths[-1]).astype(np.float64)
    hits = np.diag(matrix)
    union = matrix.sum(0) + matrix.sum(1) - hits
    return [round(float(v), 2) for v in 100 * hits / union]


def timed(command: List[str], cwd: str) -> float:
    """Run a command (output shown), returning its wall time in seconds."""
    print('$', ' '.join(command), flush=True)
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True)
    return round(time.perf_counter() - start, 1)


def job_command(
    verb: str, config: str, work_dir: str, checkpoint: str = None
) -> List[str]:
    """The ``tools/VERB.py`` call that ``mim VERB mmflow_ext CONFIG`` runs
    (mim finds the same script and config inside a regular install).

    Args:
        verb (str): ``'train'`` or ``'test'``.
        config (str): Basename of a shipped config.
        work_dir (str): The run's work dir.
        checkpoint (str, optional): Weights, for ``'test'``.

    Returns:
        list[str]: The command.
    """
    kind = 'segmentation' if config == SEG_CONFIG else 'editing'
    command = [
        sys.executable,
        osp.join(REPO, 'tools', f'{verb}.py'),
        osp.join(REPO, 'configs', kind, config),
    ] + ([checkpoint] if checkpoint else [])
    return command + ['--work-dir', work_dir]


def run_job(config: str, key: str, folder: str) -> dict:
    """Train a main job in ``folder``, then test its last checkpoint.

    Args:
        config (str): Basename of a shipped config.
        key (str): The metric that marks a validation entry.
        folder (str): A fresh folder (the embedded data is generated in it).

    Returns:
        dict: ``seconds`` (the training command), ``val`` (the last
        validation entry), ``test`` (the test entry) and ``work_dir``.
    """
    work_dir = osp.join(folder, osp.splitext(config)[0])
    seconds = timed(job_command('train', config, work_dir), folder)
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        checkpoint = f.read().strip()
    test_dir = work_dir + '_test'
    timed(job_command('test', config, test_dir, checkpoint), folder)
    return dict(
        seconds=seconds,
        val=last_metrics(work_dir, key),
        test=test_metrics(test_dir),
        work_dir=work_dir,
    )


def metrics_of(entry: dict) -> dict:
    """The metrics of a logged entry, without its bookkeeping keys."""
    return {
        k: round(v, 4)
        for k, v in entry.items()
        if k not in ('step', 'data_time', 'time')
    }


def run_jobs() -> dict:
    """Train and test both main jobs in a fresh folder.

    Returns:
        dict: The numbers README quotes.
    """
    with tempfile.TemporaryDirectory() as folder:
        seg = run_job(SEG_CONFIG, 'mIoU', folder)
        edit = run_job(EDIT_CONFIG, 'PSNR', folder)
        return dict(
            segmentation=dict(
                config=SEG_CONFIG,
                seconds=seg['seconds'],
                val=metrics_of(seg['val']),
                test=metrics_of(seg['test']),
                class_iou=per_class_iou(seg['work_dir']),
            ),
            editing=dict(
                config=EDIT_CONFIG,
                seconds=edit['seconds'],
                val=metrics_of(edit['val']),
                test=metrics_of(edit['test']),
            ),
        )


def render_blocks(results: dict) -> Dict[str, str]:
    """README's generated blocks.

    Args:
        results (dict): What :func:`run_jobs` saved.

    Returns:
        dict[str, str]: Text of each block, by name.
    """
    seg, edit = results['segmentation'], results['editing']
    classes = ['background', 'circle', 'square', 'triangle', 'star']
    table = (
        '| class | '
        + ' | '.join(classes)
        + ' |\n|---|'
        + '---|' * len(classes)
        + '\n| IoU | '
        + ' | '.join(f'{v:.2f}' for v in seg['class_iou'])
        + ' |\n'
    )
    val, test = seg['val'], seg['test']
    segmentation = (
        f'**mIoU {val["mIoU"]:.2f}**, aAcc {val["aAcc"]:.2f}, mDice '
        f'{val["mDice"]:.2f} after the last validation; `mim test` on the '
        f'last checkpoint gives mIoU {test["mIoU"]:.2f}. The whole command '
        'after the install — generating the data, training, validating — '
        f'took {seg["seconds"]:.0f} s.\n'
    )
    val, test = edit['val'], edit['test']
    gain = val['PSNR'] - val[f'{BASELINE}/PSNR']
    editing = (
        f'**PSNR {val["PSNR"]:.2f} dB, SSIM {val["SSIM"]:.3f}** against '
        f'**{val[f"{BASELINE}/PSNR"]:.2f} dB, SSIM '
        f'{val[f"{BASELINE}/SSIM"]:.3f}** for the noisy input itself '
        f'(**{gain:+.2f} dB**); `mim test` on the last checkpoint gives '
        f'PSNR {test["PSNR"]:.2f} dB. The whole command took '
        f'{edit["seconds"]:.0f} s.\n'
    )
    return {
        'segmentation': segmentation,
        'segmentation-classes': table,
        'editing': editing,
    }


def render(
    text: str, blocks: Dict[str, str], missing: Callable[[str], None]
) -> str:
    """Replace each marked block of ``text`` with its new body."""
    seen = set()

    def body(match: re.Match) -> str:
        name = match['name']
        seen.add(name)
        if name not in blocks:
            missing(name)
            return match[0]
        return match[1] + blocks[name] + match[4]

    text = BLOCK.sub(body, text)
    for name in sorted(set(blocks) - seen):
        missing(name)
    return text


def main() -> None:
    args = parse_args()
    if args.command == 'run':
        os.makedirs(osp.dirname(RESULTS), exist_ok=True)
        with open(RESULTS, 'w') as f:
            json.dump(run_jobs(), f, indent=2)
            f.write('\n')
    with open(RESULTS) as f:
        results = json.load(f)
    with open(README) as f:
        old = f.read()
    problems = []
    new = render(
        old, render_blocks(results), lambda name: problems.append(name)
    )
    if problems:
        raise SystemExit(
            f'README.md lacks or has unknown result blocks: {problems}'
        )
    if args.command == 'check':
        if new != old:
            raise SystemExit(
                'README.md differs from docs/results/'
                'main_jobs.json: run `python tools/misc/'
                'readme_results.py render`'
            )
        print('README.md matches docs/results/main_jobs.json')
        return
    with open(README, 'w') as f:
        f.write(new)
    print(f'README.md rendered from {RESULTS}')


if __name__ == '__main__':
    main()
