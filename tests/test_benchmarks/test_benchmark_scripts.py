# Copyright (c) mmflow_ext contributors. All rights reserved.
"""The benchmark suite: its harness, its target check, and a smoke run.

No timing is asserted: the smoke run only checks that every script runs on
its tiny workload, prints its table and agrees with its reference.
"""

import glob
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
from conftest import REPO_ROOT, subprocess_env
from mmengine.structures import PixelData

from mmflow_ext.structures import SegDataSample

BENCH_DIR = osp.join(REPO_ROOT, 'benchmarks')
sys.path.insert(0, BENCH_DIR)

import common  # noqa: E402
import e2e_dataloader  # noqa: E402
import peers  # noqa: E402
import run_all  # noqa: E402


def make_row(
    benchmark='ssim',
    reference='per-channel float64',
    ours=1.0,
    theirs=4.0,
    threads=1,
    equal=True,
):
    return common.Row(
        benchmark,
        'w',
        common.Timing(ours, ours),
        reference,
        common.Timing(theirs, theirs),
        None,
        equal,
        threads,
    )


def test_time_fn_warms_up_then_times_each_repeat():
    calls = []
    timing = common.time_fn(lambda: calls.append(1), repeats=5, warmup=2)
    assert len(calls) == 7
    assert 0 <= timing.min <= timing.median


def test_row_ratio_and_markdown():
    row = common.Row(
        'PackSegInputs',
        '4x6',
        common.Timing(0.002, 0.001),
        'CHW copy',
        common.Timing(0.005, 0.004),
        3 * 2**20,
        True,
        2,
    )
    assert row.ratio == pytest.approx(2.5)
    assert row.markdown() == (
        '| PackSegInputs | 4x6 | 2 | 2.00 / 1.00 | '
        'CHW copy | 5.00 / 4.00 | 2.50x | 3.0 MiB | '
        'yes |'
    )


def test_peak_memory_sees_a_touched_allocation():
    size = 64 * 2**20
    peak = common.peak_memory(lambda: np.ones(size, dtype=np.uint8))
    if peak is None:
        pytest.skip('no /proc/self/clear_refs on this platform')
    assert size * 0.9 <= peak < size * 2


def test_parse_args_needs_five_repeats_for_a_full_run(monkeypatch, capsys):
    monkeypatch.setattr(sys, 'argv', ['bench', '--repeats', '3'])
    with pytest.raises(SystemExit):
        common.parse_args('bench')
    assert '--repeats must be at least 5 (got 3)' in capsys.readouterr().err
    monkeypatch.setattr(sys, 'argv', ['bench', '--repeats', '1', '--tiny'])
    args = common.parse_args('bench')
    assert (args.repeats, args.tiny, args.threads) == (1, True, [1, 2])


def test_check_targets_uses_one_thread_rows_and_equality():
    rows = [
        make_row(theirs=4.0),  # ssim 4x: met
        make_row(theirs=1.0, threads=2),  # two threads: ignored
        make_row('IoUMetric', 'histc per sample', theirs=20.0),
        make_row('IoUMetric', 'histc per sample', theirs=5.0),  # worst 5x
        make_row('postprocess_result', 'per-sample loop', equal=False),
    ]
    lines = run_all.check_targets(rows).splitlines()
    by_goal = {line.split(' | ')[0][2:]: line for line in lines[2:]}
    assert by_goal['SSIM >= 3x the float64 cv2 reference'].endswith(
        '| 1 | 4.00x (needs 3.00x) | yes | yes |'
    )
    assert by_goal['IoUMetric >= 10x per-sample histc'].endswith(
        '| 2 | 5.00x (needs 10.00x) | yes | **missed** |'
    )
    assert by_goal[
        'postprocess_result no slower than the per-sample loop'
    ].endswith('| 4.00x (needs 1.00x) | NO | **missed** |')
    assert by_goal['IoUMetric faster than torchmetrics'].endswith(
        '| 0 | - | - | not measured |'
    )
    assert len(by_goal) == len(run_all.TARGETS)


def test_interleaved_takes_turns_and_sums_laps():
    order = []

    def contender(name):

        def run(arg):
            order.append((name, arg))
            return {'stage': 0.5}

        return run

    times = peers.interleaved(
        dict(a=contender('a'), b=contender('b')),
        [1, 2],
        rounds=2,
        warmup=1,
        prepare=dict(b=lambda item: item * 10),
    )
    # 3 rounds of 2 items; who goes first rotates with round and item
    assert order[:4] == [('a', 1), ('b', 10), ('b', 20), ('a', 2)]
    assert order[4:8] == [('b', 10), ('a', 1), ('a', 2), ('b', 20)]
    assert len(order) == 12
    assert set(times) == {'a', 'b', 'a/stage', 'b/stage'}
    assert times['a/stage'] == common.Timing(0.5, 0.5)
    assert 0 <= times['a'].min <= times['a'].median


def test_peer_rows_go_to_their_own_section():
    rows = [
        make_row(),
        make_row('PhotoMetricDistortion', 'MMSegmentation 1.2.2', theirs=3.0),
        make_row(
            'seg train pipeline + preprocessor',
            'decode floor (JPEG cv2 + PNG Pillow)',
            theirs=0.5,
        ),
    ]
    assert [run_all.is_peer_row(row) for row in rows] == [False, True, True]
    section = run_all.peer_section(rows, 'py')
    assert '| PhotoMetricDistortion | w | 1 |' in section
    assert '| ssim |' not in section
    assert 'did not import' not in section
    assert 'did not import' in run_all.peer_section(rows[2:], 'py')
    lines = run_all.check_targets(rows).splitlines()
    by_goal = {line.split(' | ')[0][2:]: line for line in lines[2:]}
    assert by_goal["PhotoMetricDistortion >= 2x MMSegmentation's"].endswith(
        '| 1 | 3.00x (needs 2.00x) | yes | yes |'
    )
    assert by_goal[
        'seg pipeline + preprocessor <= 1.5x the decode floor'
    ].endswith('| 0.50x (needs 0.67x) | yes | **missed** |')


def test_storage_bytes_counts_whole_shared_storages_once():
    buffer = torch.zeros(4, 10, dtype=torch.uint8)
    sample = SegDataSample()
    sample.gt_sem_seg = PixelData(data=torch.zeros(1, 2, 5, dtype=torch.int64))
    batch = dict(
        inputs=[buffer[:2], buffer[2:]],  # halves of one 40-byte storage
        data_samples=[sample],
    )
    storage, payload = e2e_dataloader.storage_bytes(batch)
    assert storage == 40 + 80
    assert payload == 20 + 20 + 80


def test_straightforward_pack_matches_ours_after_widening():
    from mmflow_ext.datasets.transforms.seg_formatting import PackSegInputs

    rng = np.random.default_rng(0)
    results = dict(
        img=rng.integers(0, 256, (4, 6, 3), dtype=np.uint8),
        gt_seg_map=rng.integers(0, 5, (4, 6), dtype=np.uint8),
        img_shape=(4, 6),
    )
    ours = PackSegInputs()(dict(results))
    theirs = e2e_dataloader.StraightforwardPack(('img_shape',))(dict(results))
    assert theirs['inputs'].is_contiguous()
    assert theirs['inputs'].equal(ours['inputs'])
    assert theirs['data_samples'].gt_sem_seg.data.dtype == torch.int64
    assert theirs['data_samples'].gt_sem_seg.data.equal(
        ours['data_samples'].gt_sem_seg.data.long()
    )
    assert theirs['data_samples'].img_shape == (4, 6)


@pytest.mark.slow
def test_run_all_tiny_runs_every_script(tmp_path):
    out = tmp_path / 'RESULTS.md'
    data_root = tmp_path / 'data'
    proc = subprocess.run(
        [
            sys.executable,
            osp.join(BENCH_DIR, 'run_all.py'),
            '--tiny',
            '--threads',
            '1',
            '--repeats',
            '1',
            '--out',
            str(out),
            '--data-root',
            str(data_root),
        ],
        cwd=str(tmp_path),
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    header = common.TABLE_HEADER.splitlines()[0]
    scripts = sorted(
        osp.basename(p) for p in glob.glob(osp.join(BENCH_DIR, 'bench_*.py'))
    )
    assert len(scripts) == 9
    sections = proc.stdout.split('== ')
    printed = {section.split('\n', 1)[0]: section for section in sections}
    for script in scripts:
        assert header in printed[script], script
        assert '| NO |' not in printed[script], script
    assert 'identical: yes' in printed['e2e_dataloader.py']

    text = out.read_text()
    assert text.startswith('# Benchmark results\n\n- CPU: ')
    for name in (
        'PackSegInputs',
        'SegDataPreProcessor',
        'IoUMetric',
        'postprocess_result',
        'edit DataPreprocessor.forward',
        'ssim',
        'psnr',
        'visualizer',
    ):
        assert f'\n| {name} | ' in text, name
    assert '| NO |' not in text
    assert 'Not checked: --tiny workloads are a smoke run.' in text
    for packer in ('ours', 'straightforward'):
        for workers in (0, 2):
            assert f'\n| {packer} | {workers} | ' in text
    # the dataset went where it was told to
    assert (data_root / '64x128' / 'shapes_manifest.json').is_file()
