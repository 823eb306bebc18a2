# Copyright (c) mmflow_ext contributors. All rights reserved.
"""A training run killed with SIGKILL and resumed with ``--resume`` ends
with the same weights and metrics as a run that was never interrupted, and
a kill during a checkpoint write keeps the previous checkpoint loadable."""

import os
import os.path as osp
import re

import numpy as np
import pytest
import torch
from conftest import TOY_CONFIG, TOY_DIR
from shapes_job import TRAIN_TOOL, run_job, run_until, write_job_config

from mmflow_ext.compat import load_checkpoint_file
from mmflow_ext.engine.hooks.random_state_hook import CHECKPOINT_KEY

pytestmark = pytest.mark.slow

MAX_ITERS, INTERVAL, KILL_AFTER = 6, 2, 3


def final_metrics(log: str) -> str:
    """The metrics line of the last validation."""
    lines = re.findall(r'Iter\(val\) \[\d+/\d+\]\s+(aAcc: .*)', log)
    assert lines, log[-3000:]
    return re.sub(r'\s+(data_time|time): \S+', '', lines[-1]).strip()


def confusion(work_dir: str) -> np.ndarray:
    """The confusion matrix of the last validation of a run."""
    return np.load(osp.join(work_dir, 'confusion', 'confusion_matrix.npy'))


def train(config: str, work_dir: str, *extra: str, **env: str) -> str:
    """Train to the end; each run keeps its confusion matrix in its own
    work dir."""
    result = run_job(
        [
            TRAIN_TOOL,
            config,
            '--work-dir',
            work_dir,
            *extra,
            '--cfg-options',
            f'val_evaluator.confusion_matrix_dir={work_dir}/confusion',
        ],
        **env,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    return log


def test_sigkill_then_resume_equals_an_uninterrupted_run(tmp_path):
    config = write_job_config(
        str(tmp_path), str(tmp_path / 'shapes'), MAX_ITERS, INTERVAL
    )
    straight_dir = str(tmp_path / 'straight')
    straight_log = train(config, straight_dir)

    crash_dir = str(tmp_path / 'crashed')
    run_until(
        [TRAIN_TOOL, config, '--work-dir', crash_dir],
        f'PAUSED AT {KILL_AFTER}',
        MMFLOW_EXT_TEST_PAUSE_AT=str(KILL_AFTER),
    )
    saved = sorted(f for f in os.listdir(crash_dir) if f.endswith('.pth'))
    assert saved == ['iter_2.pth'], saved  # killed between checkpoints

    resumed_log = train(config, crash_dir, '--resume')
    assert 'Advance dataloader 2 steps' in resumed_log

    straight = load_checkpoint_file(osp.join(straight_dir, 'iter_6.pth'))
    resumed = load_checkpoint_file(osp.join(crash_dir, 'iter_6.pth'))
    assert straight['state_dict'].keys() == resumed['state_dict'].keys()
    for key, value in straight['state_dict'].items():
        assert torch.equal(value, resumed['state_dict'][key]), key
    assert final_metrics(resumed_log) == final_metrics(straight_log)
    assert np.array_equal(confusion(straight_dir), confusion(crash_dir))
    assert len(resumed[CHECKPOINT_KEY]) == 1  # one process, one state


_STALL_SCRIPT = '''\
import os, sys, time
sys.path.insert(0, {toy_dir!r})
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner
import mmflow_ext

calls = []


def stall(fd):
    calls.append(fd)
    if len(calls) == {stall_at}:
        print('WRITING', flush=True)
        time.sleep(600)


class StallSecondSave(Hook):
    priority = 'LOWEST'  # after epoch 1's checkpoint

    def after_train_epoch(self, runner):
        if runner.epoch == 0:  # the first epoch (counted after the hooks)
            os.fsync = stall  # the new bytes are written, not yet renamed


cfg = Config.fromfile({config!r})
cfg.work_dir = {work_dir!r}
cfg.train_cfg.max_epochs = 2
runner = Runner.from_cfg(cfg)
runner.register_hook(StallSecondSave())
runner.train()
'''


@pytest.mark.parametrize(
    'stall_at,what', [(1, 'epoch_2.pth'), (2, 'last_checkpoint')]
)
def test_kill_while_writing_a_checkpoint_keeps_the_previous_one(
    tmp_path, stall_at, what
):
    """A user's own Runner of our scope (our CheckpointHook): killed while
    writing epoch 2's checkpoint, or while writing ``last_checkpoint``
    after it, the pointer still names an intact checkpoint."""
    work_dir = tmp_path / 'work'
    script = tmp_path / 'train.py'
    script.write_text(
        _STALL_SCRIPT.format(
            toy_dir=TOY_DIR,
            stall_at=stall_at,
            config=TOY_CONFIG,
            work_dir=str(work_dir),
        )
    )
    run_until([str(script)], 'WRITING')
    leftovers = list(work_dir.glob(f'.{what}.*.tmp'))
    assert len(leftovers) == 1, leftovers  # the kill hit this write
    pointer = (work_dir / 'last_checkpoint').read_text()
    assert pointer == str(work_dir / 'epoch_1.pth')
    loaded = load_checkpoint_file(pointer)
    assert loaded['meta']['epoch'] == 1
    if what == 'last_checkpoint':  # the checkpoint itself was complete
        assert (
            load_checkpoint_file(work_dir / 'epoch_2.pth')['meta']['epoch']
            == 2
        )
    else:
        assert not (work_dir / 'epoch_2.pth').exists()
