# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Shared fixtures: run Python in a fresh subprocess, and the toy task."""
import os
import os.path as osp
import subprocess
import sys
from typing import List, Optional

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
TOY_DIR = osp.join(REPO_ROOT, 'tests', 'data', 'toy')
TOY_CONFIG = osp.join(TOY_DIR, 'toy_line_regression.py')


def subprocess_env(extra_paths: Optional[List[str]] = None) -> dict:
    """Environment for child processes: one torch thread, toy modules on
    ``PYTHONPATH``."""
    env = dict(os.environ)
    env['OMP_NUM_THREADS'] = '1'
    paths = (extra_paths or []) + [env.get('PYTHONPATH', '')]
    env['PYTHONPATH'] = os.pathsep.join(p for p in paths if p)
    return env


def run_python(code: str,
               cwd: Optional[str] = None,
               timeout: int = 300) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter and return the finished process.

    Args:
        code (str): Python source.
        cwd (str, optional): Working directory.
        timeout (int): Seconds before the child is killed.

    Returns:
        subprocess.CompletedProcess: With text ``stdout`` and ``stderr``.
    """
    return subprocess.run([sys.executable, '-c', code],
                          cwd=cwd,
                          env=subprocess_env([TOY_DIR]),
                          capture_output=True,
                          text=True,
                          timeout=timeout)


def run_tool(args: List[str],
             cwd: Optional[str] = None,
             timeout: int = 600) -> subprocess.CompletedProcess:
    """Run a command (``tools/*.py``, ``torchrun``) with the toy modules
    importable."""
    return subprocess.run(
        args,
        cwd=cwd,
        env=subprocess_env([TOY_DIR]),
        capture_output=True,
        text=True,
        timeout=timeout)


@pytest.fixture
def python_runner():
    """The :func:`run_python` helper."""
    return run_python
