# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Local writes are atomic: a failure mid-write keeps the previous file."""
import os

import pytest
from mmengine.fileio.backends import LocalBackend

from mmflow_ext.compat.atomic_write import atomic_write_bytes


def test_local_backend_put_and_put_text_write_the_content(tmp_path):
    backend = LocalBackend()
    backend.put(b'\x00\x01', tmp_path / 'sub' / 'a.bin')
    backend.put_text('épsilon', tmp_path / 'b.txt')
    assert (tmp_path / 'sub' / 'a.bin').read_bytes() == b'\x00\x01'
    assert (tmp_path / 'b.txt').read_text(encoding='utf-8') == 'épsilon'
    assert sorted(os.listdir(tmp_path)) == ['b.txt', 'sub']


def test_failure_during_write_keeps_previous_content(tmp_path, monkeypatch):
    target = tmp_path / 'last_checkpoint'
    LocalBackend().put_text('epoch_1.pth', target)

    def crash(fd):
        raise OSError('disk gone')

    monkeypatch.setattr(os, 'fsync', crash)
    with pytest.raises(OSError, match='disk gone'):
        LocalBackend().put_text('epoch_2.pth', target)
    assert target.read_text() == 'epoch_1.pth'
    assert os.listdir(tmp_path) == ['last_checkpoint']


def test_atomic_write_replaces_existing_file(tmp_path):
    target = tmp_path / 'x.bin'
    atomic_write_bytes(b'old', target)
    atomic_write_bytes(b'new', target)
    assert target.read_bytes() == b'new'
