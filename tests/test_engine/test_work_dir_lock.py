# Copyright (c) mmflow_ext contributors. All rights reserved.
"""One run per work dir: a live holder is named and refused, a dead one's
lock is taken over."""

import json
import os
import subprocess
import sys

import pytest

from mmflow_ext.engine import work_dir_lock
from mmflow_ext.engine.work_dir_lock import (
    LOCK_NAME,
    WorkDirLockedError,
    acquire_work_dir_lock,
)

_HOLDER = '''
import sys, time
from mmflow_ext.engine.work_dir_lock import acquire_work_dir_lock
acquire_work_dir_lock(sys.argv[1])
print('HELD', flush=True)
time.sleep(600)
'''


def test_lock_file_names_this_process_and_is_removed_on_release(tmp_path):
    lock = acquire_work_dir_lock(str(tmp_path))
    holder = json.loads((tmp_path / LOCK_NAME).read_text())
    assert holder['pid'] == os.getpid()
    assert set(holder) == {'pid', 'host', 'started', 'command'}
    lock.release()
    lock.release()  # idempotent
    assert not (tmp_path / LOCK_NAME).exists()


def test_a_run_that_raised_in_this_process_is_taken_over(tmp_path):
    acquire_work_dir_lock(str(tmp_path))  # never released
    acquire_work_dir_lock(str(tmp_path)).release()


@pytest.mark.slow
def test_live_holder_is_refused_and_dead_holder_taken_over(
    tmp_path, monkeypatch
):
    child = subprocess.Popen(
        [sys.executable, '-c', _HOLDER, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == 'HELD'
        with pytest.raises(WorkDirLockedError) as info:
            acquire_work_dir_lock(str(tmp_path))
        message = str(info.value)
        assert message.startswith(
            f'work dir {tmp_path} is in use by another run: pid {child.pid} '
            'on '
        )
        assert f'lock file: {tmp_path / LOCK_NAME}' in message
    finally:
        child.kill()
        child.wait()
        child.stdout.close()
    logged = []
    monkeypatch.setattr(
        work_dir_lock, 'print_log', lambda msg, **kwargs: logged.append(msg)
    )
    lock = acquire_work_dir_lock(str(tmp_path))
    assert logged == [
        f'Taking over the lock of work dir {tmp_path} from pid '
        f'{child.pid}, which no longer runs.'
    ]
    assert json.loads((tmp_path / LOCK_NAME).read_text())['pid'] == os.getpid()
    lock.release()
