# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``LinearLrInterval``: the stepwise linear decay of MMagic's CycleGAN and
pix2pix configs."""

from mmengine import MessageHub
from mmengine.optim import LinearLR

from mmflow_ext.registry import PARAM_SCHEDULERS

__all__ = ['LinearLrInterval']


@PARAM_SCHEDULERS.register_module()
class LinearLrInterval(LinearLR):
    """MMagic's ``LinearLrInterval``: while active (``begin <= iter <
    end``), the learning rate *is* (not scales by)
    ``start_factor + (end_factor - start_factor) * f`` with
    ``f = ((iter - begin) // interval) / ((end - begin) // interval)``,
    read from the message hub's ``iter`` (``epoch`` with ``by_epoch``),
    so the configs set ``start_factor`` to the base rate. As in MMagic, the
    first active step instead scales the rate by ``start_factor``
    (:class:`~mmengine.optim.LinearLR`'s first value), for one step.

    Args:
        *args, **kwargs: Those of :class:`~mmengine.optim.LinearLR`.
        interval (int): Iterations (epochs) between changes. Defaults to 1.

    Raises:
        ValueError: For a non-positive ``interval`` or one longer than
            ``end - begin``.
    """

    def __init__(self, *args, interval: int = 1, **kwargs) -> None:
        if not isinstance(interval, int) or interval < 1:
            raise ValueError(
                f'LinearLrInterval: interval must be a positive int, got '
                f'{interval!r}'
            )
        self.interval = interval
        super().__init__(*args, **kwargs)
        if (self.end - self.begin) // interval == 0:
            raise ValueError(
                f'LinearLrInterval: interval {interval} is longer than '
                f'end - begin = {self.end - self.begin}'
            )

    def _get_value(self) -> list:
        """The values of the current step (see the class docstring)."""
        groups = self.optimizer.param_groups
        if self.last_step == 0:
            return [g[self.param_name] * self.start_factor for g in groups]
        hub = MessageHub.get_current_instance()
        progress = hub.get_info('epoch' if self.by_epoch else 'iter')
        steps = (self.end - self.begin) // self.interval
        factor = (max(0, progress - self.begin) // self.interval) / steps
        value = self.start_factor + (self.end_factor - self.start_factor) * (
            factor
        )
        return [value for _ in groups]
