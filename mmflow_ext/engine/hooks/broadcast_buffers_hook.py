# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``BroadcastBuffersHook``: every rank validates the model that rank 0
saves."""

import torch
from mmengine.dist import broadcast, is_distributed
from mmengine.hooks import Hook

from mmflow_ext.registry import HOOKS

__all__ = ['BroadcastBuffersHook', 'broadcast_buffers']


def broadcast_buffers(model: torch.nn.Module, src: int = 0) -> None:
    """Copy the buffers of rank ``src`` into ``model`` on every rank.

    A no-op when not distributed.

    Args:
        model (nn.Module): The model, wrapped or not (same buffers).
        src (int): The rank whose buffers win. Defaults to 0.

    Examples:
        >>> bn = torch.nn.BatchNorm2d(2)
        >>> broadcast_buffers(bn)  # one process: nothing to do
        >>> bn.running_var.tolist()
        [1.0, 1.0]
    """
    if not is_distributed():
        return
    for buffer in model.buffers():
        broadcast(buffer, src)


@HOOKS.register_module()
class BroadcastBuffersHook(Hook):
    """Give every rank the buffers of rank 0 (BN running statistics)
    before each validation and at the end of training.

    MMEngine wraps models in DDP with ``broadcast_buffers=False``, so each
    rank updates its running statistics from its own batches only. Rank 0
    saves the checkpoints, but without this hook every other rank validates
    with statistics of its own: the metrics of a multi-process validation
    then match no saved model. With it, the model validated on every rank
    is the one in the checkpoint, and a multi-process validation gives the
    metrics of a one-process test of that checkpoint. Gradients do not
    change (training-mode normalization uses batch statistics).

    Add it to a config with
    ``custom_hooks = [dict(type='BroadcastBuffersHook')]``.
    """

    priority = 'NORMAL'

    def before_val(self, runner) -> None:
        """Broadcast rank 0's buffers before validating."""
        broadcast_buffers(runner.model)

    def after_train(self, runner) -> None:
        """Broadcast rank 0's buffers once training ends."""
        broadcast_buffers(runner.model)
