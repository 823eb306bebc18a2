# Copyright (c) mmflow_ext contributors. All rights reserved.
"""The TensorBoard backend (``pip install "mmflow_ext[tensorboard]"``):
a run with ``TensorboardVisBackend`` under our scope writes event files
whose scalars are the values of the JSON log."""

import glob
import json
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

pytest.importorskip('tensorboard', reason='needs the [tensorboard] extra')
from tensorboard.backend.event_processing.event_accumulator import (
    EventAccumulator,
)  # noqa: E402

TOY_DIR = osp.join(osp.dirname(osp.dirname(__file__)), 'data', 'toy')


def test_scalars_reach_tensorboard_as_logged(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(TOY_DIR)
    cfg = Config.fromfile(osp.join(TOY_DIR, 'toy_line_regression.py'))
    cfg.work_dir = str(tmp_path)
    cfg.train_cfg.max_epochs = 2
    cfg.visualizer = dict(
        type='Visualizer',
        vis_backends=[
            dict(type='LocalVisBackend'),
            dict(type='TensorboardVisBackend'),
        ],
    )
    Runner.from_cfg(cfg).train()

    (vis_data,) = glob.glob(osp.join(str(tmp_path), '*', 'vis_data'))
    logged = {}
    with open(osp.join(vis_data, 'scalars.json')) as f:
        for line in f:
            entry = json.loads(line)
            for key, value in entry.items():
                if key != 'step' and isinstance(value, float):
                    logged.setdefault(key, {})[entry['step']] = value
    events = glob.glob(osp.join(vis_data, 'events.out.tfevents.*'))
    assert len(events) == 1
    accumulator = EventAccumulator(events[0])
    accumulator.Reload()
    tags = set(accumulator.Tags()['scalars'])
    assert {'loss', 'lr', 'mse'} <= tags
    for tag in ('loss', 'mse'):
        written = {e.step: e.value for e in accumulator.Scalars(tag)}
        assert written.keys() == logged[tag].keys()
        for step, value in logged[tag].items():
            assert written[step] == pytest.approx(value, rel=1e-6)
