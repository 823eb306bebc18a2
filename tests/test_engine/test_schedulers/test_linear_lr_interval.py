# Copyright (c) mmflow_ext contributors. All rights reserved.
"""LinearLrInterval: the learning rates of MMagic's CycleGAN schedule."""

import pytest
import torch
from mmengine import MessageHub
from mmengine.registry import DefaultScope

from mmflow_ext.engine.schedulers import LinearLrInterval
from mmflow_ext.registry import PARAM_SCHEDULERS

# horse2zebra's schedule, scaled down 1000x in iterations
CFG = dict(
    type='LinearLrInterval',
    interval=2,
    by_epoch=False,
    start_factor=0.0002,
    end_factor=0,
    begin=10,
    end=20,
)


def _lrs(registry, scope, iters=24):
    optimizer = torch.optim.Adam(
        [torch.nn.Parameter(torch.zeros(1))], lr=0.0002
    )
    hub = MessageHub.get_current_instance()
    with DefaultScope.overwrite_default_scope(scope):
        scheduler = registry.build(dict(CFG, optimizer=optimizer))
    lrs = []
    for it in range(iters):
        hub.update_info('iter', it)
        lrs.append(optimizer.param_groups[0]['lr'])
        scheduler.step()
    return lrs


def test_schedule_by_hand():
    lrs = _lrs(PARAM_SCHEDULERS, 'mmflow_ext')
    assert lrs[:10] == [0.0002] * 10  # inactive before begin
    # the first active step scales by start_factor (as MMagic does)
    assert lrs[10] == pytest.approx(0.0002 * 0.0002)
    # then the value is 2e-4 * (1 - ((it - 1 - 10) // 2) / 5)
    assert lrs[11:13] == pytest.approx([0.0002] * 2)
    assert lrs[13:15] == pytest.approx([0.0002 * 4 / 5] * 2)
    assert lrs[19] == pytest.approx(0.0002 * 1 / 5)
    assert lrs[20:] == [lrs[19]] * 4  # frozen after end


def test_matches_mmagic():
    pytest.importorskip('mmagic.engine')
    from mmagic.registry import PARAM_SCHEDULERS as UPSTREAM

    assert _lrs(PARAM_SCHEDULERS, 'mmflow_ext') == _lrs(UPSTREAM, 'mmagic')


def test_bad_interval():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    with pytest.raises(ValueError, match='interval must be a positive int'):
        LinearLrInterval(opt, interval=0)
    with pytest.raises(ValueError, match='interval 20 is longer than'):
        LinearLrInterval(opt, interval=20, begin=0, end=10)
