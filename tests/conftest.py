# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Shared fixtures: run Python in a fresh subprocess, the toy task, and the
differential checks of our networks against the upstream packages (run where
``mmseg``/``mmagic`` import, e.g. the reference environment)."""

import importlib
import logging
import os
import os.path as osp
import socket
import subprocess
import sys
from typing import Callable, List, Optional, Sequence

import pytest
import torch
import torch.nn as nn
from mmengine.registry import DefaultScope

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
TOY_DIR = osp.join(REPO_ROOT, 'tests', 'data', 'toy')
TOY_CONFIG = osp.join(TOY_DIR, 'toy_line_regression.py')
ADAPTER_TESTS = osp.join(REPO_ROOT, 'tests', 'test_models', 'test_adapters')
#: set to 1 where the models extra must be importable (CI's models venv)
REQUIRE_MODELS_ENV_VAR = 'MMFLOW_EXT_REQUIRE_MODELS'


def pytest_collection_modifyitems(config, items):
    """Mark the adapter tests ``models`` (CI runs them in their own venv)."""
    for item in items:
        if str(item.fspath).startswith(ADAPTER_TESTS):
            item.add_marker(pytest.mark.models)


@pytest.fixture
def require_module() -> Callable:
    """Import a module of the models extra, or skip the test where it is
    absent; under ``MMFLOW_EXT_REQUIRE_MODELS=1`` fail instead, so a broken
    install cannot hide behind a skip."""

    def require(module: str):
        try:
            return importlib.import_module(module)
        except ImportError as error:
            if os.environ.get(REQUIRE_MODELS_ENV_VAR) == '1':
                pytest.fail(
                    f'{REQUIRE_MODELS_ENV_VAR}=1 but {module} fails: {error}'
                )
            pytest.skip(f'{module} is not installed (the models extra)')

    return require


def subprocess_env(extra_paths: Optional[List[str]] = None) -> dict:
    """Environment for child processes: one torch thread, toy modules on
    ``PYTHONPATH``."""
    env = dict(os.environ)
    env['OMP_NUM_THREADS'] = '1'
    paths = (extra_paths or []) + [env.get('PYTHONPATH', '')]
    env['PYTHONPATH'] = os.pathsep.join(p for p in paths if p)
    return env


def run_python(
    code: str, cwd: Optional[str] = None, timeout: int = 300
) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter and return the finished process.

    Args:
        code (str): Python source.
        cwd (str, optional): Working directory.
        timeout (int): Seconds before the child is killed.

    Returns:
        subprocess.CompletedProcess: With text ``stdout`` and ``stderr``.
    """
    return subprocess.run(
        [sys.executable, '-c', code],
        cwd=cwd,
        env=subprocess_env([TOY_DIR]),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_tool(
    args: List[str], cwd: Optional[str] = None, timeout: int = 600
) -> subprocess.CompletedProcess:
    """Run a command (``tools/*.py``, ``torchrun``) with the toy modules
    importable."""
    return subprocess.run(
        args,
        cwd=cwd,
        env=subprocess_env([TOY_DIR]),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def free_port() -> int:
    """A TCP port nobody listens on right now (for ``--master_port``; fixed
    ports collide between test runs)."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def runner_log(runner) -> str:
    """What ``runner`` logged, read from its logger's log file.

    Not ``log_dir/<timestamp>.log``: two Runners built within one second
    share a timestamp, so MMEngine hands the second the first one's logger
    and both write to the first one's file.
    """
    paths = [
        handler.baseFilename
        for handler in runner.logger.handlers
        if isinstance(handler, logging.FileHandler)
    ]
    assert paths, f'{runner.logger.name} has no log file'
    with open(paths[0]) as f:
        return f.read()


def tiny_edit_runner(cfg, work_dir: str, iters: int, **data):
    """A Runner for a few iterations of an editing job on tiny data.

    Args:
        cfg (Config): The job's config, changed in place.
        work_dir (str): The run's work dir.
        iters (int): Training iterations; validation and a checkpoint
            come at the last one.
        **data: Dataset arguments of both loaders (e.g. the embedded
            data's ``data_root``, ``num_train``, ``img_size``).

    Returns:
        Runner: The Runner, not started.
    """
    from mmengine.runner import Runner

    cfg.train_dataloader.dataset.update(data)
    cfg.val_dataloader.dataset.update(data)
    cfg.train_dataloader.batch_size = 2
    cfg.test_dataloader = cfg.val_dataloader
    cfg.train_cfg.max_iters = iters
    cfg.train_cfg.val_interval = iters
    cfg.param_scheduler.T_max = iters
    cfg.default_hooks.checkpoint.interval = iters
    cfg.work_dir = work_dir
    return Runner.from_cfg(cfg)


@pytest.fixture
def python_runner():
    """The :func:`run_python` helper."""
    return run_python


def randomized_state(module: nn.Module, seed: int = 0) -> dict:
    """The module's state dict with every float entry redrawn (variances
    positive), so that zero- or one-initialized weights and fresh
    batch-norm statistics cannot hide a wiring difference."""
    generator = torch.Generator().manual_seed(seed)
    state = {}
    for key, value in module.state_dict().items():
        if value.is_floating_point():
            drawn = torch.randn(value.shape, generator=generator) * 0.2
            value = (
                drawn.abs() + 0.5
                if key.endswith('running_var')
                else (drawn.to(value.dtype))
            )
        state[key] = value
    return state


@pytest.fixture(name='randomized_state')
def randomized_state_fixture() -> Callable:
    """:func:`randomized_state` as a fixture."""
    return randomized_state


def _flat(out) -> Sequence[torch.Tensor]:
    return [out] if isinstance(out, torch.Tensor) else list(out)


@pytest.fixture
def assert_upstream_parity() -> Callable:
    """``check(upstream_registry, ours_registry, cfg, *inputs)``: builds
    both networks from ``cfg``, copies upstream's (randomized) state into
    ours with ``strict=True`` and asserts equal parameter counts and equal
    eval-mode outputs. Returns ``(upstream, ours)``."""

    def check(
        upstream_registry, ours_registry, cfg: dict, *inputs, atol: float = 0.0
    ):
        with DefaultScope.overwrite_default_scope(upstream_registry.scope):
            upstream = upstream_registry.build(dict(cfg))
        with DefaultScope.overwrite_default_scope(ours_registry.scope):
            ours = ours_registry.build(dict(cfg))
        state = randomized_state(upstream)
        upstream.load_state_dict(state, strict=True)
        ours.load_state_dict(state, strict=True)
        # same keys in the same order (optimizer states follow it)
        assert list(ours.state_dict()) == list(state)
        assert [n for n, _ in ours.named_parameters()] == [
            n for n, _ in upstream.named_parameters()
        ]
        count = sum(p.numel() for p in upstream.parameters())
        assert sum(p.numel() for p in ours.parameters()) == count
        upstream.eval()
        ours.eval()
        with torch.no_grad():
            expected = _flat(upstream(*inputs))
            got = _flat(ours(*inputs))
        assert len(got) == len(expected)
        for a, b in zip(got, expected):
            assert a.shape == b.shape
            if atol:
                torch.testing.assert_close(a, b, rtol=0, atol=atol)
            else:
                assert torch.equal(a, b), (a - b).abs().max()
        return upstream, ours

    return check
