# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Produce every number README.md quotes, and keep README in step with them.

``run`` trains and tests the main jobs as README's command does (the
``tools/train.py`` and ``tools/test.py`` that ``mim train``/``mim test``
run, in a fresh folder where the embedded data is generated on first use),
times the whole training command, and saves what the
jobs logged to ``docs/results/main_jobs.json``; ``run JOB ...`` reruns only
the named jobs and keeps the others' saved numbers. ``render`` rewrites the
README blocks between ``<!-- results:NAME -->`` and
``<!-- /results:NAME -->`` from that file; ``check`` fails when README
differs from what ``render`` would write (the test suite runs it).

Examples::

    python tools/misc/readme_results.py run      # ~15 minutes on 2 cores
    python tools/misc/readme_results.py run generation
    python tools/misc/readme_results.py render
    python tools/misc/readme_results.py check
"""

import argparse
import glob
import json
import os
import os.path as osp
import re
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Callable, Dict, List

import numpy as np

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RESULTS = osp.join(REPO, 'docs', 'results', 'main_jobs.json')
README = osp.join(REPO, 'README.md')
IMAGES = osp.join(REPO, 'docs', 'images')
#: each main job's config folder and file
CONFIGS = {
    'segmentation': ('segmentation', 'fcn-compactcnn_400it_shapes.py'),
    'editing': ('editing', 'espcn-res_500it_embedded-sr-denoise.py'),
    'generation': (
        'generation',
        'sngan-proj-compact_1500it_shape-classes-32x32.py',
    ),
    'segmentation-resnet': ('segmentation', 'upernet-r18_400it_shapes.py'),
    'sr-x2': ('editing', 'edsr-small_x2_1000it_embedded-sr.py'),
    'sr-x4': ('editing', 'edsr-small_x4_1000it_embedded-sr.py'),
    'video-x4': (
        'editing',
        'recurrentvsr-c32b2_1xb4-1000it_embedded-video-x4.py',
    ),
}
#: metric prefix of the editing job's noisy-input baseline
BASELINE = 'noisy_input'
#: metric prefix of the super-resolution jobs' bicubic baseline
BICUBIC = 'bicubic'
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
        help='run: train and test the main jobs and save their numbers, '
        'then render; render: rewrite README blocks from the saved '
        'numbers; check: exit 1 when README differs from them',
    )
    parser.add_argument(
        'jobs',
        nargs='*',
        help=f'with run: only these of {list(CONFIGS)} (default: all)',
    )
    return parser.parse_args()


def last_metrics(work_dir: str, key: str) -> Dict[str, float]:
    """The last logged entry of a run whose metrics include ``key``.

    Args:
        work_dir (str): The run's work dir.
        key (str): A metric name, e.g. ``'mIoU'`` or ``'SWD/avg'`` (a
            logged key, or its part after the last ``/``).

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
    found = [
        e for e in entries if any(key in (k, k.rsplit('/', 1)[-1]) for k in e)
    ]
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
    pairs = re.findall(r'([\w/-]+): (-?\d+\.\d+)', lines[-1].split(']', 2)[-1])
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
    verb: str, job: str, work_dir: str, checkpoint: str = None
) -> List[str]:
    """The ``tools/VERB.py`` call that ``mim VERB mmflow_ext CONFIG`` runs
    (mim finds the same script and config inside a regular install).

    Args:
        verb (str): ``'train'`` or ``'test'``.
        job (str): A key of :data:`CONFIGS`.
        work_dir (str): The run's work dir.
        checkpoint (str, optional): Weights, for ``'test'``.

    Returns:
        list[str]: The command.
    """
    command = [
        sys.executable,
        osp.join(REPO, 'tools', f'{verb}.py'),
        osp.join(REPO, 'configs', *CONFIGS[job]),
    ] + ([checkpoint] if checkpoint else [])
    return command + ['--work-dir', work_dir]


def run_job(job: str, key: str, folder: str) -> dict:
    """Train a main job in ``folder``, then test its last checkpoint.

    Args:
        job (str): A key of :data:`CONFIGS`.
        key (str): The metric that marks a validation entry.
        folder (str): A fresh folder (the embedded data is generated in it).

    Returns:
        dict: ``config`` (its file name), ``seconds`` (the training
        command), ``val`` (the metrics of the last validation entry),
        ``test`` (those of the test entry) and ``work_dir``.
    """
    work_dir = osp.join(folder, job)
    seconds = timed(job_command('train', job, work_dir), folder)
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        checkpoint = f.read().strip()
    test_dir = work_dir + '_test'
    timed(job_command('test', job, test_dir, checkpoint), folder)
    return dict(
        config=CONFIGS[job][1],
        seconds=seconds,
        val=metrics_of(last_metrics(work_dir, key)),
        test=metrics_of(test_metrics(test_dir)),
        work_dir=work_dir,
    )


def metrics_of(entry: dict) -> dict:
    """The metrics of a logged entry, without its bookkeeping keys."""
    return {
        k: round(v, 4)
        for k, v in entry.items()
        if k not in ('step', 'data_time', 'time')
    }


def untrained_checkpoint(job: str, path: str, cwd: str) -> None:
    """Save the weights a job's model starts from (its config's seed).

    Args:
        job (str): A key of :data:`CONFIGS`.
        path (str): Where to save ``{'state_dict': ...}``.
        cwd (str): Folder the config's relative data paths resolve in.
    """
    code = (
        'import sys, torch\n'
        'from mmengine.config import Config\n'
        'from mmengine.runner import Runner\n'
        'cfg = Config.fromfile(sys.argv[1])\n'
        'cfg.work_dir = sys.argv[3]\n'
        'runner = Runner.from_cfg(cfg)\n'
        'runner.model.init_weights()\n'
        "torch.save({'state_dict': runner.model.state_dict()}, sys.argv[2])\n"
    )
    config = osp.join(REPO, 'configs', *CONFIGS[job])
    subprocess.run(
        [sys.executable, '-c', code, config, path, path + '_work'],
        cwd=cwd,
        check=True,
    )


def run_segmentation(folder: str) -> dict:
    seg = run_job('segmentation', 'mIoU', folder)
    seg['class_iou'] = per_class_iou(seg.pop('work_dir'))
    return seg


def run_metrics_only(job: str, key: str) -> Callable[[str], dict]:
    """A runner that keeps a job's numbers and time (no artefacts)."""

    def run(folder: str) -> dict:
        result = run_job(job, key, folder)
        result.pop('work_dir')
        return result

    return run


def run_generation(folder: str) -> dict:
    """The GAN job, its untrained generator's numbers (same seeds, same
    test run) and its last sample grid, copied into ``docs/images``."""
    gen = run_job('generation', 'SWD/avg', folder)
    grids = sorted(
        glob.glob(
            osp.join(gen['work_dir'], '**', 'fake_img_ema_*.png'),
            recursive=True,
        ),
        key=osp.getmtime,
    )
    if not grids:
        raise RuntimeError(f'no sample grid under {gen["work_dir"]}')
    os.makedirs(IMAGES, exist_ok=True)
    shutil.copyfile(grids[-1], osp.join(IMAGES, 'generation_grid.png'))
    untrained = osp.join(folder, 'generation_untrained.pth')
    untrained_checkpoint('generation', untrained, folder)
    test_dir = osp.join(folder, 'generation_untrained_test')
    timed(job_command('test', 'generation', test_dir, untrained), folder)
    gen['untrained'] = metrics_of(test_metrics(test_dir))
    gen.pop('work_dir')
    return gen


#: how each job is run, by name (the key its numbers are saved under)
RUNS: Dict[str, Callable[[str], dict]] = {
    'segmentation': run_segmentation,
    'segmentation-resnet': run_metrics_only('segmentation-resnet', 'mIoU'),
    'editing': run_metrics_only('editing', 'PSNR'),
    'sr-x2': run_metrics_only('sr-x2', 'PSNR'),
    'sr-x4': run_metrics_only('sr-x4', 'PSNR'),
    'video-x4': run_metrics_only('video-x4', 'PSNR'),
    'generation': run_generation,
}


def run_jobs(jobs: List[str], saved: dict) -> dict:
    """Train and test ``jobs`` in a fresh folder.

    Args:
        jobs (list[str]): Names of :data:`RUNS`.
        saved (dict): The numbers saved before; those of other jobs stay.

    Returns:
        dict: The numbers README quotes.
    """
    results = dict(saved)
    with tempfile.TemporaryDirectory() as folder:
        for job in jobs:
            results[job] = RUNS[job](folder)
    return results


def render_segmentation(results: dict) -> Dict[str, str]:
    seg = results['segmentation']
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
    return {'segmentation': segmentation, 'segmentation-classes': table}


def render_editing(results: dict) -> Dict[str, str]:
    edit = results['editing']
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
    return {'editing': editing}


def render_generation(results: dict) -> Dict[str, str]:
    gen = results['generation']
    test, untrained = gen['test'], gen['untrained']
    table = (
        '| generator | SWD (avg, lower is better) | MS-SSIM (lower is more '
        'diverse) |\n|---|---|---|\n'
        f'| trained, `mim test` on the last checkpoint | '
        f'**{test["SWD/avg"]:.2f}** | {test["MS-SSIM/avg"]:.3f} |\n'
        f'| the same generator untrained (same seed, same test run) | '
        f'{untrained["SWD/avg"]:.2f} | {untrained["MS-SSIM/avg"]:.3f} |\n'
        f'\nThe whole training command took {gen["seconds"]:.0f} s.\n'
    )
    return {'generation': table}


def render_segmentation_networks(results: dict) -> Dict[str, str]:
    rows = [
        ('CompactCNN + FCNHead (the main job)', results['segmentation']),
        ('ResNetV1c-18 + UPerHead', results['segmentation-resnet']),
    ]
    table = (
        '| network | config | mIoU | mDice | aAcc | training command |\n'
        '|---|---|---|---|---|---|\n'
    )
    for name, run in rows:
        val = run['val']
        table += (
            f'| {name} | `{run["config"]}` | **{val["mIoU"]:.2f}** | '
            f'{val["mDice"]:.2f} | {val["aAcc"]:.2f} | '
            f'{run["seconds"]:.0f} s |\n'
        )
    return {'segmentation-networks': table}


def render_super_resolution(results: dict) -> Dict[str, str]:
    table = (
        '| task | config | PSNR / SSIM | bicubic PSNR / SSIM | gain | '
        'training command |\n|---|---|---|---|---|---|\n'
    )
    for task, job in (
        ('image ×2', 'sr-x2'),
        ('image ×4', 'sr-x4'),
        ('video ×4', 'video-x4'),
    ):
        run = results[job]
        val = run['val']
        gain = val['PSNR'] - val[f'{BICUBIC}/PSNR']
        table += (
            f'| {task} | `{run["config"]}` | **{val["PSNR"]:.2f} dB / '
            f'{val["SSIM"]:.3f}** | {val[f"{BICUBIC}/PSNR"]:.2f} dB / '
            f'{val[f"{BICUBIC}/SSIM"]:.3f} | {gain:+.2f} dB | '
            f'{run["seconds"]:.0f} s |\n'
        )
    return {'super-resolution': table}


#: README's blocks, each rendered from the saved numbers of its jobs
RENDERS: List[Callable[[dict], Dict[str, str]]] = [
    render_segmentation,
    render_segmentation_networks,
    render_editing,
    render_super_resolution,
    render_generation,
]


def render_blocks(results: dict) -> Dict[str, str]:
    """README's generated blocks.

    Args:
        results (dict): What :func:`run_jobs` saved.

    Returns:
        dict[str, str]: Text of each block, by name.
    """
    blocks = {}
    for render_job in RENDERS:
        blocks.update(render_job(results))
    return blocks


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
        unknown = sorted(set(args.jobs) - set(RUNS))
        if unknown:
            raise SystemExit(f'unknown jobs {unknown}; known: {list(RUNS)}')
        saved = {}
        if osp.isfile(RESULTS):
            with open(RESULTS) as f:
                saved = json.load(f)
        results = run_jobs(args.jobs or list(RUNS), saved)
        os.makedirs(osp.dirname(RESULTS), exist_ok=True)
        with open(RESULTS, 'w') as f:
            json.dump(results, f, indent=2)
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
