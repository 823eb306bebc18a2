# Copyright (c) mmflow_ext contributors. All rights reserved.
import io
import multiprocessing
import threading

import pytest

from mmflow_ext.datasets import embedded_data
from mmflow_ext.datasets.embedded_data import (
    GenerationProgress,
    _exclusive_lock,
    ensure_generated,
)


def _generate(root, calls, params=None):
    def produce():
        calls.append('produce')
        yield [('a/x.bin', b'x')]
        yield [('b.bin', b'b')]

    return ensure_generated(
        str(root),
        'm.json',
        params or dict(n=1),
        ['a/x.bin', 'b.bin'],
        produce,
        2,
        'test data',
        show_progress=False,
    )


def test_generate_once_then_reuse(tmp_path):
    calls = []
    assert _generate(tmp_path, calls)
    assert not _generate(tmp_path, calls)
    assert calls == ['produce']
    assert (tmp_path / 'a/x.bin').read_bytes() == b'x'


def test_a_second_process_waits_for_the_lock(tmp_path):
    calls, results = [], []
    with _exclusive_lock(str(tmp_path), 'm.json'):
        worker = threading.Thread(
            target=lambda: results.append(_generate(tmp_path, calls))
        )
        worker.start()
        worker.join(0.5)
        # the other generator cannot start while the lock is held
        assert worker.is_alive() and calls == []
    worker.join()
    assert results == [True] and calls == ['produce']


def test_progress_on_a_non_terminal_logs_a_few_lines(monkeypatch):
    lines = []
    monkeypatch.setattr(
        embedded_data, 'print_log', lambda msg, logger: lines.append(msg)
    )
    stream = io.StringIO()
    progress = GenerationProgress(100, 'things', stream=stream)
    for _ in range(100):
        progress.update()
    assert stream.getvalue() == '' and len(lines) == 10
    assert lines[-1].endswith('things: 100/100 written')


def test_progress_on_a_terminal_draws_a_bar():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    stream = Tty()
    progress = GenerationProgress(3, 'things', stream=stream)
    for _ in range(3):
        progress.update()
    assert '3/3' in stream.getvalue()


def _generate_shapes(root, queue):
    from mmflow_ext.datasets.shapes_dataset import generate_shapes_dataset

    queue.put(
        generate_shapes_dataset(
            root, num_train=3, num_val=1, image_size=16, show_progress=False
        )
    )


@pytest.mark.slow
def test_two_processes_never_generate_at_once(tmp_path):
    context = multiprocessing.get_context('spawn')
    queue = context.Queue()
    workers = [
        context.Process(target=_generate_shapes, args=(str(tmp_path), queue))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    # one generated, the other waited for the lock and reused the tree
    assert sorted(queue.get() for _ in workers) == [False, True]


def test_a_complete_read_only_tree_is_reused(tmp_path):
    calls = []
    _generate(tmp_path, calls)
    (tmp_path / '.m.json.lock').unlink()
    for path in (tmp_path, tmp_path / 'a'):
        path.chmod(0o555)
    try:
        assert not _generate(tmp_path, calls)
    finally:
        for path in (tmp_path, tmp_path / 'a'):
            path.chmod(0o755)
    assert calls == ['produce']
    assert not (tmp_path / '.m.json.lock').exists()
