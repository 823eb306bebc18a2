# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``FiniteLossHook``: a non-finite loss stops training, or skips its step.

A NaN or infinite loss makes every weight NaN after the optimizer step, and
the run then trains on and saves NaN checkpoints. This hook looks at each
loss term right after the model's ``parse_losses`` (before backward and the
optimizer step) and

* ``on_non_finite='raise'`` (default): raises a :class:`FloatingPointError`
  naming the iteration and the non-finite loss terms, so the weights (and
  every checkpoint) stay finite;
* ``on_non_finite='skip'``: warns and skips that backward and optimizer
  step.

In distributed runs every rank takes the same decision (a one-number
all-reduce per loss), so no rank is left waiting in a collective.
"""

import logging
from typing import Dict, List

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapperDict

from mmflow_ext.engine.rank_agreement import gather_if_any_rank
from mmflow_ext.registry import HOOKS

__all__ = ['FiniteLossHook', 'non_finite_terms']

_ACTIONS = ('raise', 'skip')


def non_finite_terms(log_vars: Dict[str, torch.Tensor]) -> List[str]:
    """``'name=value'`` for each loss term (name containing ``loss``) that
    is not finite.

    Args:
        log_vars (dict): The second output of ``BaseModel.parse_losses``.

    Returns:
        list[str]: The non-finite terms, in order.

    Examples:
        >>> non_finite_terms({'loss': torch.tensor(float('nan')),
        ...                   'loss_ce': torch.tensor(float('inf')),
        ...                   'loss_aux': torch.tensor(1.0),
        ...                   'acc': torch.tensor(float('nan'))})
        ['loss=nan', 'loss_ce=inf']
    """
    return [
        f'{name}={float(value.detach().float().mean()):g}'
        for name, value in log_vars.items()
        if 'loss' in name
        and isinstance(value, torch.Tensor)
        and not bool(torch.isfinite(value.detach()).all())
    ]


@HOOKS.register_module()
class FiniteLossHook(Hook):
    """Stop (or skip the step) when a loss term is NaN or infinite.

    Args:
        on_non_finite (str): ``'raise'`` or ``'skip'``. Defaults to
            ``'raise'``.
    """

    priority = 'VERY_HIGH'

    def __init__(self, on_non_finite: str = 'raise') -> None:
        if on_non_finite not in _ACTIONS:
            raise ValueError(
                f'FiniteLossHook: on_non_finite must be one of '
                f'{_ACTIONS}, got {on_non_finite!r}'
            )
        self.on_non_finite = on_non_finite
        self._skip_next_step = False

    def before_train(self, runner) -> None:
        """Wrap the ``parse_losses`` of this Runner's model and the
        ``update_params`` of its optimizer wrappers (these objects only)."""
        model = (
            runner.model.module
            if is_model_wrapper(runner.model)
            else runner.model
        )
        parse_losses = model.parse_losses
        if getattr(parse_losses, '_finite_loss_hook', None) is self:
            return  # a second ``train()`` of the same Runner

        def checked_parse_losses(losses):
            loss, log_vars = parse_losses(losses)
            self._check(runner, log_vars)
            return loss, log_vars

        checked_parse_losses._finite_loss_hook = self
        model.parse_losses = checked_parse_losses
        wrappers = (
            runner.optim_wrapper.values()
            if isinstance(runner.optim_wrapper, OptimWrapperDict)
            else [runner.optim_wrapper]
        )
        for optim_wrapper in wrappers:
            self._guard(optim_wrapper)

    def _guard(self, optim_wrapper) -> None:
        update_params = optim_wrapper.update_params

        def guarded_update_params(loss, *args, **kwargs):
            if self._skip_next_step:
                self._skip_next_step = False
                optim_wrapper.zero_grad()
                return None
            return update_params(loss, *args, **kwargs)

        optim_wrapper.update_params = guarded_update_params

    def _check(self, runner, log_vars: Dict[str, torch.Tensor]) -> None:
        bad = non_finite_terms(log_vars)
        per_rank = gather_if_any_rank(bad)
        if per_rank is None:
            return
        where = '; '.join(
            f'rank {rank}: {", ".join(terms)}'
            for rank, terms in enumerate(per_rank)
            if terms
        )
        if len(per_rank) == 1:
            where = ', '.join(bad)
        message = (
            f'non-finite loss at iteration {runner.iter + 1} '
            f'(epoch {runner.epoch + 1}): {where}'
        )
        if self.on_non_finite == 'raise':
            raise FloatingPointError(
                f'{message}. Training stopped before this step changed the '
                'weights; the last checkpoint is finite. Set '
                "FiniteLossHook(on_non_finite='skip') to skip such steps."
            )
        if get_rank() == 0:
            print_log(
                f'{message}; skipping this step.',
                logger='current',
                level=logging.WARNING,
            )
        self._skip_next_step = True
