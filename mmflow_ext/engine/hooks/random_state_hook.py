# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``RandomStateHook``: a resumed run draws the random numbers that the
uninterrupted run would have drawn.

MMEngine seeds the generators once when the Runner starts. A run resumed
from a checkpoint is seeded again and then replays the data loader up to
the checkpoint's iteration, so the data-side draws match, but every draw
made by the model (dropout, random batch augments) restarts from the seed.
This hook stores the states of Python's ``random``, NumPy's global
generator and torch's CPU (and CUDA) generators of every rank in each
checkpoint and puts them back at the point where the resumed run rejoins
the original one.
"""

import logging
import random
from typing import Any, Dict, Iterator, List, Optional, Sequence

import numpy as np
import torch
from mmengine.dist import all_gather_object, get_dist_info
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.runner import IterBasedTrainLoop

from mmflow_ext.registry import HOOKS

__all__ = ['RandomStateHook', 'get_random_states', 'set_random_states']

#: key of the per-rank states in a checkpoint
CHECKPOINT_KEY = 'random_states'

RandomStates = Dict[str, Any]


def get_random_states() -> RandomStates:
    """The states of every global random generator of this process.

    The values are plain Python objects and tensors, so a checkpoint that
    holds them still loads with ``torch.load(weights_only=True)``.

    Returns:
        dict: ``python``, ``numpy``, ``torch`` and, when CUDA is available,
        ``cuda`` (one state per device).

    Examples:
        >>> states = get_random_states()
        >>> first = np.random.rand(), random.random(), torch.rand(1).item()
        >>> set_random_states(states)
        >>> (np.random.rand(), random.random(), torch.rand(1).item()) == first
        True
    """
    numpy_state = np.random.get_state(legacy=False)
    states = dict(
        python=random.getstate(),
        numpy=dict(
            bit_generator=numpy_state['bit_generator'],
            key=numpy_state['state']['key'].tolist(),
            pos=int(numpy_state['state']['pos']),
            has_gauss=int(numpy_state['has_gauss']),
            gauss=float(numpy_state['gauss']),
        ),
        torch=torch.get_rng_state(),
    )
    if torch.cuda.is_available():
        states['cuda'] = torch.cuda.get_rng_state_all()
    return states


def set_random_states(states: RandomStates) -> None:
    """Put back states taken by :func:`get_random_states`.

    Args:
        states (dict): The states. CUDA states are restored only when this
            process sees as many devices as the one that saved them.

    Raises:
        KeyError: When ``python``, ``numpy`` or ``torch`` is missing.
    """
    missing = [k for k in ('python', 'numpy', 'torch') if k not in states]
    if missing:
        raise KeyError(
            f'random states lack {missing}; got keys {sorted(states)}'
        )
    python_state = states['python']
    random.setstate((python_state[0], tuple(python_state[1]), python_state[2]))
    numpy_state = states['numpy']
    np.random.set_state(
        dict(
            bit_generator=numpy_state['bit_generator'],
            state=dict(
                key=np.asarray(numpy_state['key'], dtype=np.uint32),
                pos=numpy_state['pos'],
            ),
            has_gauss=numpy_state['has_gauss'],
            gauss=numpy_state['gauss'],
        )
    )
    torch.set_rng_state(states['torch'])
    cuda_states = states.get('cuda')
    if (
        cuda_states is not None
        and torch.cuda.is_available()
        and len(cuda_states) == torch.cuda.device_count()
    ):
        torch.cuda.set_rng_state_all(cuda_states)


class _RestoreAfterReplay:
    """Wraps the data iterator of an :class:`IterBasedTrainLoop` that is
    about to skip ``skip`` batches on resume: once they have been drawn,
    the saved states are set and the loop gets its own iterator back."""

    def __init__(
        self, loop: IterBasedTrainLoop, skip: int, states: RandomStates
    ) -> None:
        self._loop = loop
        self._iterator = loop.dataloader_iterator
        self._remaining = skip
        self._states = states

    def __iter__(self) -> Iterator:
        return self

    def __next__(self) -> Any:
        batch = next(self._iterator)
        self._remaining -= 1
        if self._remaining == 0:
            set_random_states(self._states)
            self._loop.dataloader_iterator = self._iterator
        return batch


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Save the random states of every rank in checkpoints and restore them
    on resume, so that a resumed CPU run equals an uninterrupted one.

    - After each training iteration and epoch the states of all ranks are
      taken (gathered to every rank when distributed); a checkpoint saved
      then stores them under ``'random_states'``, one entry per rank.
    - Validation during training leaves the states as it found them, so
      the states at a checkpoint are those the next iteration starts from.
    - On resume (not on ``load_from``), each rank gets its own states
      back: an iteration-based loop first replays the batches it has
      already trained on (which repeats their data-side draws) and the
      states are set right after that replay; an epoch-based loop gets
      them before its next epoch starts.

    A checkpoint saved by a different number of processes, or without
    states, resumes with freshly seeded generators and a warning.

    Add it to a config with ``custom_hooks = [dict(type='RandomStateHook')]``
    and set ``randomness = dict(seed=...)``.

    Examples:
        >>> hook = RandomStateHook()
        >>> checkpoint = dict(meta=dict(iter=3))
        >>> hook.before_save_checkpoint(None, checkpoint)
        >>> sorted(checkpoint['random_states'][0])[:3]
        ['numpy', 'python', 'torch']
    """

    priority = 'LOW'  # after the other hooks, before ``CheckpointHook``

    def __init__(self) -> None:
        self._snapshot: Optional[List[RandomStates]] = None
        self._resumed_states: Optional[List[RandomStates]] = None
        self._resumed_iter: Optional[int] = None
        self._before_val: Optional[RandomStates] = None

    def _take_snapshot(self) -> None:
        self._snapshot = all_gather_object(get_random_states())

    def after_train_iter(
        self,
        runner,
        batch_idx: int,
        data_batch: Optional[dict] = None,
        outputs: Optional[dict] = None,
    ) -> None:
        """Take the states a checkpoint of this iteration stores."""
        self._take_snapshot()

    def after_train_epoch(self, runner) -> None:
        """Take the states a checkpoint of this epoch stores."""
        self._take_snapshot()

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Store the states of every rank in ``checkpoint``.

        Args:
            runner (Runner): The runner.
            checkpoint (dict): The checkpoint being saved.
        """
        states = self._snapshot
        if states is None:
            states = [get_random_states()]
        checkpoint[CHECKPOINT_KEY] = states

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Keep the states of a loaded checkpoint until training starts
        (only a resume uses them)."""
        self._resumed_states = checkpoint.get(CHECKPOINT_KEY)
        self._resumed_iter = checkpoint.get('meta', {}).get('iter')

    def before_train(self, runner) -> None:
        """Restore this rank's states when the run was resumed."""
        states, saved_iter = self._resumed_states, self._resumed_iter
        self._resumed_states = self._resumed_iter = None
        if runner.iter == 0 or runner.iter != saved_iter:
            return  # a fresh run, or weights loaded with ``load_from``
        rank, world_size = get_dist_info()
        reason = self._unusable_reason(states, world_size)
        if reason is not None:
            print_log(
                f'RandomStateHook: {reason}; the resumed run continues with '
                'freshly seeded generators, so its random draws differ from '
                'an uninterrupted run',
                logger='current',
                level=logging.WARNING,
            )
            return
        loop = runner.train_loop
        if isinstance(loop, IterBasedTrainLoop) and loop.iter > 0:
            loop.dataloader_iterator = _RestoreAfterReplay(
                loop, loop.iter, states[rank]
            )
        else:
            set_random_states(states[rank])

    @staticmethod
    def _unusable_reason(
        states: Optional[Sequence[RandomStates]], world_size: int
    ) -> Optional[str]:
        if states is None:
            return 'the checkpoint holds no random states'
        if len(states) != world_size:
            return (
                f'the checkpoint holds the random states of '
                f'{len(states)} processes, this run has {world_size}'
            )
        return None

    def before_val(self, runner) -> None:
        """Remember the states validation starts from."""
        self._before_val = get_random_states()

    def after_val(self, runner) -> None:
        """Put back the states validation started from."""
        if self._before_val is not None:
            set_random_states(self._before_val)
            self._before_val = None
