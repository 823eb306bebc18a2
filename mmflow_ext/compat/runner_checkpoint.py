# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Secure checkpoint loading and resuming for one Runner.

MMEngine's Runner loads checkpoints through ``torch.load`` (which refuses
its own checkpoints on torch >= 2.6), executes ``meta['config']`` of a
resumed checkpoint as Python (``Config.fromstring``), and fails with
``Checkpoint file "" does not exist`` when ``last_checkpoint`` is empty or
the newest checkpoint truncated. :func:`install_secure_loading` replaces
``load_checkpoint`` and ``load_or_resume`` **of one Runner instance**:

* files are read with :func:`~.checkpoint.load_checkpoint_file`
  (``weights_only`` with the data-only types MMEngine writes);
* ``meta['config']`` is dropped with a warning before ``Runner.resume``
  sees it, so no text from a checkpoint is ever executed;
* optionally (``strict``), a checkpoint whose tensors do not fit the model
  is an error (see :mod:`.checkpoint_fit`);
* automatic resume (``resume=True`` without ``load_from``) tries the file
  ``last_checkpoint`` names and then the ``iter_N``/``epoch_N`` files of the
  work dir, newest first, skipping truncated ones with a warning that names
  them.

Our ``CheckpointHook`` installs it in ``before_run`` (which ``train``,
``val`` and ``test`` call before ``load_or_resume``), and our tools right
after building the Runner.
"""

import logging
import os
import os.path as osp
import re
import types
from typing import Any, Callable, List, Optional, Union

from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner.checkpoint import (
    _load_checkpoint,
    _load_checkpoint_to_model,
)

from .checkpoint import CorruptCheckpointError, load_checkpoint_file
from .checkpoint_fit import DEFAULT_REVISE_KEYS, check_fits

__all__ = ['install_secure_loading', 'resume_candidates']

#: attribute marking a Runner whose loading is ours
_INSTALLED = '_mmflow_ext_secure_loading'
#: checkpoint names of MMEngine's CheckpointHook (default templates)
_STEP_CHECKPOINT = re.compile(r'^(?:iter|epoch)_(\d+)\.pth$')


def _is_local(filename: str) -> bool:
    return '://' not in filename


def load_runner_checkpoint(filename: str, map_location: Any) -> dict:
    """Read a checkpoint for a Runner: local files securely, other schemes
    (``http://``, ``s3://``...) with MMEngine's loaders; then drop the
    executable ``meta['config']``.

    Args:
        filename (str): Path or URL.
        map_location (Any): As :func:`torch.load`.

    Returns:
        dict: The checkpoint.
    """
    if _is_local(filename):
        checkpoint = load_checkpoint_file(filename, map_location)
    else:
        checkpoint = _load_checkpoint(filename, map_location=map_location)
    meta = checkpoint.get('meta') if isinstance(checkpoint, dict) else None
    if isinstance(meta, dict) and 'config' in meta:
        meta.pop('config')
        print_log(
            f'Ignoring meta["config"] of checkpoint "{filename}": '
            'mmflow_ext never executes text from a checkpoint (MMEngine\'s '
            'resume would run it as Python).',
            logger='current',
            level=logging.WARNING,
        )
    return checkpoint


def resume_candidates(work_dir: str) -> List[str]:
    """Checkpoints to resume from, best first: the one ``last_checkpoint``
    names, then ``iter_N.pth``/``epoch_N.pth`` of ``work_dir`` by N,
    highest first.

    Args:
        work_dir (str): The run's work dir.

    Returns:
        list[str]: Existing files, each once.
    """
    candidates = []
    pointer = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer) as f:
            named = f.read().strip()
        if named and osp.isfile(named):
            candidates.append(named)
        else:
            print_log(
                f'"{pointer}" names no existing checkpoint ({named!r}); '
                'looking for the newest checkpoint in the work dir.',
                logger='current',
                level=logging.WARNING,
            )
    steps = []
    if osp.isdir(work_dir):
        for name in os.listdir(work_dir):
            match = _STEP_CHECKPOINT.match(name)
            if match:
                steps.append((int(match.group(1)), osp.join(work_dir, name)))
    for _, path in sorted(steps, reverse=True):
        if not any(osp.samefile(path, seen) for seen in candidates):
            candidates.append(path)
    return candidates


def _load_checkpoint_method(require_fit: bool) -> Callable:
    """``Runner.load_checkpoint`` (same signature) over
    :func:`load_runner_checkpoint`."""

    def load_checkpoint(
        runner,
        filename: str,
        map_location: Union[str, Callable] = 'cpu',
        strict: bool = False,
        revise_keys: list = list(DEFAULT_REVISE_KEYS),
    ):
        checkpoint = load_runner_checkpoint(filename, map_location)
        runner.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        model = (
            runner.model.module
            if is_model_wrapper(runner.model)
            else runner.model
        )
        if require_fit:
            check_fits(model, checkpoint, filename, revise_keys)
        checkpoint = _load_checkpoint_to_model(
            model, checkpoint, strict, revise_keys=revise_keys
        )
        runner._has_loaded = True
        runner.logger.info(f'Load checkpoint from {filename}')
        return checkpoint

    return load_checkpoint


def _resume_newest_intact(runner) -> None:
    candidates = resume_candidates(runner.work_dir)
    if not candidates:
        runner.logger.info(
            f'No checkpoint to resume from in {runner.work_dir}; starting '
            'from scratch.'
        )
        return
    damaged = []
    for path in candidates:
        try:
            runner.resume(path)
        except CorruptCheckpointError as error:
            damaged.append(path)
            print_log(
                f'Cannot resume from "{path}": {error}. Trying the next '
                'newest checkpoint.',
                logger='current',
                level=logging.WARNING,
            )
            continue
        runner.logger.info(
            f'Auto resumed from the latest intact checkpoint {path}.'
        )
        return
    raise CorruptCheckpointError(
        f'no checkpoint in {runner.work_dir} can be resumed from; all are '
        f'damaged: {", ".join(damaged)}'
    )


def _load_or_resume(runner) -> None:
    if runner._has_loaded:
        return
    if runner._resume and runner._load_from is None:
        _resume_newest_intact(runner)
    elif runner._resume:
        runner.resume(runner._load_from)
    elif runner._load_from is not None:
        runner.load_checkpoint(runner._load_from)
    else:
        return
    runner._has_loaded = True


def install_secure_loading(runner, strict: Optional[bool] = None) -> None:
    """Make ``runner`` load and resume checkpoints securely (see the module
    docstring); other Runners are untouched. Idempotent.

    Args:
        runner (Runner): The Runner.
        strict (bool, optional): Refuse a ``load_from`` checkpoint whose
            tensors do not fit the model. None keeps an earlier choice
            (False on the first call): MMEngine loads partially, which
            fine-tuning from a checkpoint with another head relies on.
    """
    previous = getattr(runner, _INSTALLED, None)
    if previous is not None and strict is None:
        return
    strict = bool(strict if strict is not None else previous)
    runner.load_checkpoint = types.MethodType(
        _load_checkpoint_method(strict), runner
    )
    runner.load_or_resume = types.MethodType(_load_or_resume, runner)
    setattr(runner, _INSTALLED, strict)
    if previous is None:
        print_log(
            'mmflow_ext: this Runner loads checkpoints with the secure '
            'loader (weights_only; meta["config"] never executed; resume '
            'skips truncated checkpoints) and its CheckpointHook writes '
            'atomically. See docs/reliability.md.',
            logger='current',
        )
