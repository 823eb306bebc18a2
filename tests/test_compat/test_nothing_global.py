# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Importing mmflow_ext (and building its registries' types) changes
nothing in MMEngine: every function the compat layer used to patch is still
MMEngine's own."""

import json

import pytest
from conftest import TOY_CONFIG

#: prints, for each formerly patched entry point, whether it is MMEngine's
_PROBE = '''
import json
from mmengine.dist import utils as dist_utils
from mmengine.fileio.backends import LocalBackend
from mmengine.model import MMDistributedDataParallel
from mmengine.runner.checkpoint import CheckpointLoader
import mmengine.hooks.checkpoint_hook as checkpoint_hook_module


def snapshot():
    return dict(
        put=LocalBackend.put, put_text=LocalBackend.put_text,
        schemes=dict(CheckpointLoader._schemes),
        init_dist=dist_utils.init_dist,
        init_pytorch=dist_utils._init_dist_pytorch,
        init_slurm=dist_utils._init_dist_slurm,
        ddp_init=MMDistributedDataParallel.__init__,
        hook=checkpoint_hook_module.CheckpointHook.__dict__.copy())


before = snapshot()
import mmflow_ext
{extra}
after = snapshot()
print(json.dumps(dict(
    same={{k: before[k] == after[k] for k in before}},
    modules=dict(put=LocalBackend.put.__module__,
                 ddp_init=MMDistributedDataParallel.__init__.__module__,
                 init_pytorch=dist_utils._init_dist_pytorch.__module__,
                 local_scheme=CheckpointLoader._schemes[''].__module__))))
'''

#: after import, also build a Runner of our scope and train it once
_TRAIN = '''
from mmengine.config import Config
from mmengine.runner import Runner
cfg = Config.fromfile({config!r})
cfg.work_dir = {work_dir!r}
cfg.train_cfg.max_epochs = 1
Runner.from_cfg(cfg).train()
'''


@pytest.mark.slow
@pytest.mark.parametrize(
    'extra',
    ['', 'import mmflow_ext.engine, mmflow_ext.models, mmflow_ext.apis'],
)
def test_import_patches_nothing(python_runner, extra):
    result = python_runner(_PROBE.format(extra=extra))
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report['same'] == {
        key: True
        for key in (
            'put',
            'put_text',
            'schemes',
            'init_dist',
            'init_pytorch',
            'init_slurm',
            'ddp_init',
            'hook',
        )
    }
    assert report['modules'] == dict(
        put='mmengine.fileio.backends.local_backend',
        ddp_init='mmengine.model.wrappers.distributed',
        init_pytorch='mmengine.dist.utils',
        local_scheme='mmengine.runner.checkpoint',
    )


@pytest.mark.slow
def test_training_a_runner_of_our_scope_patches_nothing(
    python_runner, tmp_path
):
    train = _TRAIN.format(config=TOY_CONFIG, work_dir=str(tmp_path))
    result = python_runner(_PROBE.format(extra=train))
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert all(report['same'].values()), report
