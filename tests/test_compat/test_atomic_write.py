# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Atomic writes: a failure mid-write keeps the previous file, and only the
backend that asks for it writes atomically."""

import os

import pytest
from mmengine.fileio import get_file_backend
from mmengine.fileio.backends import LocalBackend

from mmflow_ext.compat.atomic_write import (
    ATOMIC_BACKEND,
    AtomicLocalBackend,
    atomic_write_bytes,
)


def test_atomic_backend_put_and_put_text_write_the_content(tmp_path):
    backend = get_file_backend(backend_args=dict(backend=ATOMIC_BACKEND))
    assert type(backend) is AtomicLocalBackend
    backend.put(b'\x00\x01', tmp_path / 'sub' / 'a.bin')
    backend.put_text('épsilon', tmp_path / 'b.txt')
    assert (tmp_path / 'sub' / 'a.bin').read_bytes() == b'\x00\x01'
    assert (tmp_path / 'b.txt').read_text(encoding='utf-8') == 'épsilon'
    assert sorted(os.listdir(tmp_path)) == ['b.txt', 'sub']


def test_failure_during_write_keeps_previous_content(tmp_path, monkeypatch):
    target = tmp_path / 'last_checkpoint'
    AtomicLocalBackend().put_text('epoch_1.pth', target)

    def crash(fd):
        raise OSError('disk gone')

    monkeypatch.setattr(os, 'fsync', crash)
    with pytest.raises(OSError, match='disk gone'):
        AtomicLocalBackend().put_text('epoch_2.pth', target)
    assert target.read_text() == 'epoch_1.pth'
    assert os.listdir(tmp_path) == ['last_checkpoint']  # no temporary left


def test_mmengine_local_backend_is_left_alone(tmp_path, monkeypatch):
    """MMEngine's own backend still writes in place (no fsync, no rename):
    importing mmflow_ext changed nothing for other code."""
    monkeypatch.setattr(os, 'fsync', lambda fd: pytest.fail('fsync called'))
    monkeypatch.setattr(
        os, 'replace', lambda *a: pytest.fail('replace called')
    )
    LocalBackend().put_text('x', tmp_path / 'plain.txt')
    assert (tmp_path / 'plain.txt').read_text() == 'x'


def test_atomic_write_replaces_existing_file(tmp_path):
    target = tmp_path / 'x.bin'
    atomic_write_bytes(b'old', target)
    atomic_write_bytes(b'new', target)
    assert target.read_bytes() == b'new'
