# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Every path that loads a checkpoint refuses a pickle that would run code,
and the explicit opt-in (``--trust-checkpoint``, ``trust_checkpoint=True``)
loads it. No path executes text from a checkpoint (``meta['config']``),
and a checkpoint whose tensors do not fit the model is an error for
evaluation and inference unless partial loading is asked for."""

import fractions
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
import torch
from conftest import REPO_ROOT, TOY_CONFIG, TOY_DIR, run_tool
from mmengine.config import Config
from mmengine.runner import Runner

from mmflow_ext.compat import (
    TRUST_ENV_VAR,
    UnsafeCheckpointError,
    load_checkpoint_file,
    trusted_checkpoints,
)

MAIN_CONFIG = osp.join(
    REPO_ROOT, 'configs', 'segmentation', 'fcn-compactcnn_400it_shapes.py'
)


class CreateFile:
    """Unpickling it creates ``path``: a harmless stand-in for an
    attacker's command."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (self.path, 'w'))


@pytest.fixture(autouse=True)
def no_trust(monkeypatch):
    monkeypatch.delenv(TRUST_ENV_VAR, raising=False)


@pytest.fixture
def evil(tmp_path):
    """A checkpoint whose unpickling would create ``marker``."""
    marker = tmp_path / 'payload-ran'
    path = tmp_path / 'evil.pth'
    torch.save(
        dict(
            state_dict={},
            meta=dict(epoch=1, iter=6),
            payload=CreateFile(str(marker)),
        ),
        path,
    )
    return str(path), marker


@pytest.fixture
def toy_runner(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(TOY_DIR)

    def build(**overrides) -> Runner:
        cfg = Config.fromfile(TOY_CONFIG)
        cfg.work_dir = str(tmp_path / 'work')
        cfg.merge_from_dict(overrides)
        return Runner.from_cfg(cfg)

    return build


def assert_refused(message: str, path: str, marker) -> None:
    """The message names the file and the code-carrying global, and the
    payload did not run."""
    assert f'Refusing to load checkpoint "{path}"' in message, message[-3000:]
    assert 'builtins.open' in message or 'io.open' in message
    assert not marker.exists()


def test_load_from_refuses(evil, toy_runner):
    path, marker = evil
    runner = toy_runner(load_from=path)
    with pytest.raises(UnsafeCheckpointError) as info:
        runner.test()
    assert_refused(str(info.value), path, marker)


def test_auto_resume_refuses_the_latest_checkpoint(evil, toy_runner, tmp_path):
    path, marker = evil
    work_dir = tmp_path / 'work'
    work_dir.mkdir()
    (work_dir / 'last_checkpoint').write_text(path)
    runner = toy_runner(resume=True)
    with pytest.raises(UnsafeCheckpointError) as info:
        runner.train()
    assert_refused(str(info.value), path, marker)


@pytest.mark.slow
def test_train_tool_resume_refuses(evil, tmp_path):
    path, marker = evil
    result = run_tool(
        [
            sys.executable,
            osp.join(REPO_ROOT, 'tools', 'train.py'),
            TOY_CONFIG,
            '--work-dir',
            str(tmp_path / 'work'),
            '--resume',
            path,
        ]
    )
    log = result.stdout + result.stderr
    assert result.returncode != 0
    assert 'UnsafeCheckpointError' in log
    assert_refused(log, path, marker)


def test_init_model_refuses_and_the_opt_in_loads(evil):
    apis = pytest.importorskip('mmflow_ext.apis')
    path, marker = evil
    with pytest.raises(UnsafeCheckpointError) as info:
        apis.init_model(MAIN_CONFIG, path)
    assert_refused(str(info.value), path, marker)
    apis.init_model(
        MAIN_CONFIG, path, trust_checkpoint=True, allow_partial_load=True
    )
    assert marker.exists()  # the refusal above is what kept it from running


@pytest.fixture
def toy_checkpoint_with_fraction(toy_runner, tmp_path):
    """A real toy checkpoint whose meta carries a ``fractions.Fraction``:
    harmless, but outside the data-only types a safe load allows."""
    runner = toy_runner(train_cfg=dict(max_epochs=1))
    runner.train()
    with trusted_checkpoints():
        checkpoint = load_checkpoint_file(
            osp.join(runner.work_dir, 'epoch_1.pth')
        )
    checkpoint['meta']['ratio'] = fractions.Fraction(1, 3)
    path = str(tmp_path / 'with_fraction.pth')
    torch.save(checkpoint, path)
    return path


@pytest.mark.slow
def test_test_tool_refuses_and_trust_checkpoint_loads(
    toy_checkpoint_with_fraction, tmp_path
):
    path = toy_checkpoint_with_fraction
    command = [
        sys.executable,
        osp.join(REPO_ROOT, 'tools', 'test.py'),
        TOY_CONFIG,
        path,
        '--work-dir',
        str(tmp_path / 'test'),
    ]
    refused = run_tool(command)
    log = refused.stdout + refused.stderr
    assert refused.returncode != 0
    assert 'UnsafeCheckpointError' in log
    assert f'Refusing to load checkpoint "{path}"' in log, log[-3000:]
    assert 'fractions.Fraction' in log and '--trust-checkpoint' in log

    trusted = run_tool(command + ['--trust-checkpoint'])
    log = trusted.stdout + trusted.stderr
    assert trusted.returncode == 0, log[-3000:]
    assert 'mse' in log.lower()


# --- meta['config'] is Python text: it must never be executed -------------


def config_payload(marker) -> str:
    """A config text whose execution creates ``marker``."""
    return (
        f"written = open({str(marker)!r}, 'w').write('ran')\n"
        'gpu_ids = [0, 1, 2]\n'
    )


def test_the_config_payload_is_live(tmp_path):
    """Control: MMEngine's ``Config.fromstring`` (what ``Runner.resume``
    calls on ``meta['config']``) does run the text."""
    marker = tmp_path / 'ran'
    Config.fromstring(config_payload(marker), file_format='.py')
    assert marker.exists()


@pytest.fixture
def config_text_checkpoint(toy_runner, tmp_path):
    """A real toy checkpoint (plain data: it passes the safe load) whose
    ``meta['config']`` is the payload."""
    runner = toy_runner(train_cfg=dict(max_epochs=1))
    runner.train()
    checkpoint = load_checkpoint_file(osp.join(runner.work_dir, 'epoch_1.pth'))
    marker = tmp_path / 'config-ran'
    checkpoint['meta']['config'] = config_payload(marker)
    path = str(tmp_path / 'config_text.pth')
    torch.save(checkpoint, path)
    load_checkpoint_file(path)  # passes the weights_only load
    return path, marker


def test_resume_never_executes_meta_config(
    config_text_checkpoint, toy_runner, tmp_path
):
    path, marker = config_text_checkpoint
    runner = toy_runner(
        resume=True,
        load_from=path,
        train_cfg=dict(max_epochs=2),
        work_dir=str(tmp_path / 'resumed'),
    )
    runner.train()
    assert runner.epoch == 2  # resumed at 1, trained one more
    assert not marker.exists()


def test_load_from_never_executes_meta_config(
    config_text_checkpoint, toy_runner
):
    path, marker = config_text_checkpoint
    toy_runner(load_from=path).test()
    assert not marker.exists()


def test_init_model_never_executes_meta_config(tmp_path):
    apis = pytest.importorskip('mmflow_ext.apis')
    marker = tmp_path / 'config-ran'
    model = apis.init_model(MAIN_CONFIG)
    path = str(tmp_path / 'seg.pth')
    torch.save(
        dict(
            meta=dict(config=config_payload(marker)),
            state_dict=model.state_dict(),
        ),
        path,
    )
    apis.init_model(MAIN_CONFIG, path)
    assert not marker.exists()


@pytest.mark.slow
def test_tools_never_execute_meta_config(config_text_checkpoint, tmp_path):
    """``tools/train.py --resume``, ``tools/test.py`` and ``tools/infer.py``
    (the latter on a segmentation checkpoint with the payload)."""
    path, marker = config_text_checkpoint
    resumed = run_tool(
        [
            sys.executable,
            osp.join(REPO_ROOT, 'tools', 'train.py'),
            TOY_CONFIG,
            '--work-dir',
            str(tmp_path / 'train'),
            '--resume',
            path,
            '--cfg-options',
            'train_cfg.max_epochs=2',
        ]
    )
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert 'Ignoring meta["config"]' in resumed.stdout + resumed.stderr
    tested = run_tool(
        [
            sys.executable,
            osp.join(REPO_ROOT, 'tools', 'test.py'),
            TOY_CONFIG,
            path,
            '--work-dir',
            str(tmp_path / 'test'),
        ]
    )
    assert tested.returncode == 0, tested.stderr[-3000:]
    apis = pytest.importorskip('mmflow_ext.apis')
    seg = str(tmp_path / 'seg.pth')
    torch.save(
        dict(
            meta=dict(config=config_payload(marker)),
            state_dict=apis.init_model(MAIN_CONFIG).state_dict(),
        ),
        seg,
    )
    image = tmp_path / 'in' / 'a.png'
    image.parent.mkdir()
    cv2.imwrite(str(image), np.zeros((8, 8, 3), np.uint8))
    inferred = run_tool(
        [
            sys.executable,
            osp.join(REPO_ROOT, 'tools', 'infer.py'),
            MAIN_CONFIG,
            seg,
            str(image),
            '--out-dir',
            str(tmp_path / 'out'),
        ]
    )
    assert inferred.returncode == 0, inferred.stderr[-3000:]
    assert (tmp_path / 'out' / 'a.png').is_file()
    assert not marker.exists()


# --- tensors that do not fit the model -------------------------------------


@pytest.fixture
def misfit_checkpoint(tmp_path):
    """A segmentation checkpoint with one tensor missing, one extra and the
    classifier for another number of classes."""
    apis = pytest.importorskip('mmflow_ext.apis')
    state = apis.init_model(MAIN_CONFIG).state_dict()
    conv_seg = [k for k in state if k.endswith('conv_seg.weight')][0]
    dropped = [k for k in state if k.endswith('conv_seg.bias')][0]
    state[conv_seg] = torch.zeros(9, *state[conv_seg].shape[1:])
    state.pop(dropped)
    state['stray.weight'] = torch.zeros(1)
    path = str(tmp_path / 'misfit.pth')
    torch.save(dict(state_dict=state), path)
    return path, conv_seg, dropped


def test_init_model_refuses_a_misfit_unless_partial(misfit_checkpoint):
    apis = pytest.importorskip('mmflow_ext.apis')
    path, conv_seg, dropped = misfit_checkpoint
    with pytest.raises(ValueError) as info:
        apis.init_model(MAIN_CONFIG, path)
    message = str(info.value)
    assert f'checkpoint "{path}" does not fit the model' in message
    assert f'missing in the checkpoint: {dropped}' in message
    assert 'not in the model: stray.weight' in message
    assert f'of another shape: {conv_seg}: checkpoint (9,' in message
    assert '--allow-partial-load' in message
    model = apis.init_model(MAIN_CONFIG, path, allow_partial_load=True)
    assert model.state_dict()[conv_seg].shape[0] != 9


@pytest.mark.slow
def test_test_and_infer_tools_refuse_a_misfit(misfit_checkpoint, tmp_path):
    path, conv_seg, dropped = misfit_checkpoint
    image = tmp_path / 'a.png'
    cv2.imwrite(str(image), np.zeros((8, 8, 3), np.uint8))
    commands = dict(
        test=[
            osp.join(REPO_ROOT, 'tools', 'test.py'),
            MAIN_CONFIG,
            path,
            '--work-dir',
            str(tmp_path / 'test'),
            '--cfg-options',
            f'test_dataloader.dataset.data_root={tmp_path / "shapes"}',
            'test_dataloader.dataset.num_val=2',
            'test_dataloader.num_workers=0',
            'test_dataloader.persistent_workers=False',
        ],
        infer=[
            osp.join(REPO_ROOT, 'tools', 'infer.py'),
            MAIN_CONFIG,
            path,
            str(image),
            '--out-dir',
            str(tmp_path / 'out'),
        ],
    )
    for name, command in commands.items():
        refused = run_tool([sys.executable] + command)
        log = refused.stdout + refused.stderr
        assert refused.returncode != 0, (name, log[-3000:])
        assert f'checkpoint "{path}" does not fit the model' in log, log[
            -3000:
        ]
        assert f'missing in the checkpoint: {dropped}' in log
        partial = run_tool(
            [sys.executable] + command + ['--allow-partial-load']
        )
        assert partial.returncode == 0, (name, partial.stderr[-3000:])
