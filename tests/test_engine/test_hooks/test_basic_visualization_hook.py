# Copyright (c) mmflow_ext contributors. All rights reserved.
import uuid
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.structures import BaseDataElement
from mmengine.visualization import BaseVisBackend, Visualizer

from mmflow_ext.engine.hooks import BasicVisualizationHook
from mmflow_ext.registry import HOOKS
from mmflow_ext.visualization import ConcatImageVisualizer


class RecordingBackend(BaseVisBackend):
    """Keeps (name, step, row shape) of every image it is given."""

    def __init__(self):
        super().__init__(save_dir=None)
        self.images = []
        self.pixels = []

    @property
    def experiment(self):
        return self

    def _init_env(self):
        pass

    def add_image(self, name, image, step=0, **kwargs):
        self.images.append((name, step, image.shape))
        self.pixels.append(image.copy())


def make_runner(iteration=0):
    backend = RecordingBackend()
    visualizer = ConcatImageVisualizer(
        name=f'vis_{uuid.uuid4().hex}',
        fn_key='gt_path',
        img_keys=['gt_img'],
        vis_backends=[backend],
    )
    return SimpleNamespace(iter=iteration, visualizer=visualizer), backend


def gt_img(i):
    """Sample ``i``'s BGR float image: channel c of pixel (y, x) holds
    ``10 i + 4 y + 2 x + c``."""
    y, x, c = torch.meshgrid(
        torch.arange(2), torch.arange(2), torch.arange(3), indexing='ij'
    )
    return (10 * i + 4 * y + 2 * x + c).permute(2, 0, 1).float()


def batch(first, size=2):
    return [
        BaseDataElement(metainfo=dict(gt_path=f'gt/{i}.png'), gt_img=gt_img(i))
        for i in range(first, first + size)
    ]


def run_loop(hook, runner, mode, num_batches, size=2):
    getattr(hook, f'before_{mode}_epoch')(runner)
    for batch_idx in range(num_batches):
        getattr(hook, f'after_{mode}_iter')(
            runner, batch_idx, None, batch(batch_idx * size, size)
        )


def test_registered_and_mmagic_defaults_draw_every_sample():
    hook = HOOKS.build(dict(type='BasicVisualizationHook'))
    assert isinstance(hook, BasicVisualizationHook)
    runner, backend = make_runner(iteration=300)
    run_loop(hook, runner, 'val', num_batches=2)
    assert backend.images == [(f'{i}', 300, (2, 2, 3)) for i in range(4)]
    # each row is the sample's image as H x W x 3 uint8, written out by hand
    for i, row in enumerate(backend.pixels):
        expected = np.array(
            [
                [
                    [10 * i + 4 * y + 2 * x + c for c in range(3)]
                    for x in range(2)
                ]
                for y in range(2)
            ],
            dtype=np.uint8,
        )
        assert row.dtype == np.uint8
        np.testing.assert_array_equal(row, expected)


def test_interval_selects_batches_from_the_first():
    hook = BasicVisualizationHook(interval=2)
    runner, backend = make_runner()
    run_loop(hook, runner, 'test', num_batches=5, size=1)
    assert [name for name, _, _ in backend.images] == ['0', '2', '4']


def test_interval_per_mode_and_defaults_to_1():
    hook = BasicVisualizationHook(interval=dict(val=3))
    runner, backend = make_runner()
    run_loop(hook, runner, 'val', num_batches=4, size=1)
    run_loop(hook, runner, 'test', num_batches=2, size=1)
    assert [name for name, _, _ in backend.images] == ['0', '3', '0', '1']


def test_max_samples_per_loop_run():
    hook = BasicVisualizationHook(max_samples=dict(val=3))
    runner, backend = make_runner(iteration=10)
    run_loop(hook, runner, 'val', num_batches=4)
    runner.iter = 20
    run_loop(hook, runner, 'val', num_batches=4)
    run_loop(hook, runner, 'test', num_batches=3)
    names = [f'{name}_{step}' for name, step, _ in backend.images]
    assert names == ['0_10', '1_10', '2_10', '0_20', '1_20', '2_20'] + [
        f'{i}_20' for i in range(6)
    ]


def test_switches():
    runner, backend = make_runner()
    run_loop(BasicVisualizationHook(on_val=False), runner, 'val', 2)
    run_loop(BasicVisualizationHook(on_test=False), runner, 'test', 2)
    with pytest.warns(
        UserWarning,
        match=r'\(draw=False\): no image will be '
        'saved',
    ):
        hook = BasicVisualizationHook(draw=False)
    run_loop(hook, runner, 'val', 2)
    assert backend.images == []


@pytest.mark.parametrize(
    'kwargs, message',
    [
        (
            dict(on_train=True),
            r'\(on_train=True\) is not supported: training '
            'iterations return losses',
        ),
        (
            dict(interval=0),
            r'interval must be an int >= 1, or a dict of them per '
            'mode; got 0',
        ),
        (dict(interval=dict(vall=2)), 'interval has an unknown mode "vall"'),
        (dict(max_samples=-1), r'max_samples must be an int >= 0 or None'),
        (dict(max_samples=True), r'max_samples must be an int >= 0 or None'),
    ],
)
def test_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        BasicVisualizationHook(**kwargs)


def test_needs_a_concat_image_visualizer():
    runner = SimpleNamespace(
        iter=0, visualizer=Visualizer(name=f'plain_{uuid.uuid4().hex}')
    )
    with pytest.raises(
        TypeError,
        match='draws with a ConcatImageVisualizer; '
        "the runner's visualizer is a Visualizer",
    ):
        BasicVisualizationHook().after_val_iter(runner, 0, None, batch(0))


def test_show_displays_each_row(monkeypatch):
    runner, backend = make_runner()
    shown = []
    monkeypatch.setattr(
        runner.visualizer,
        'show',
        lambda image, win_name, wait_time: shown.append(
            (image.shape, win_name, wait_time)
        ),
    )
    hook = BasicVisualizationHook(show=True, wait_time=0.5, max_samples=1)
    run_loop(hook, runner, 'test', num_batches=1)
    assert shown == [((2, 2, 3), 'test_0', 0.5)]
    assert len(backend.images) == 1


def test_nothing_drawn_off_the_main_process(monkeypatch):
    import mmflow_ext.engine.hooks.basic_visualization_hook as module

    monkeypatch.setattr(module, 'is_main_process', lambda: False)
    runner, backend = make_runner()
    run_loop(BasicVisualizationHook(), runner, 'val', 2)
    assert backend.images == []


def test_training_iterations_are_left_alone():
    runner, backend = make_runner()
    hook = BasicVisualizationHook()
    hook.before_train_iter(runner, 0, None)
    hook.after_train_iter(runner, 0, None, dict(loss=torch.tensor(1.0)))
    assert backend.images == []


def test_a_test_run_does_not_build_the_train_loop():
    runner, backend = make_runner(iteration=99)
    # a Runner keeps an unbuilt train loop as its config; reading
    # runner.iter would build it (and its dataset) in a test run
    runner._train_loop = dict(type='IterBasedTrainLoop')
    run_loop(BasicVisualizationHook(), runner, 'test', num_batches=1)
    assert runner._train_loop == dict(type='IterBasedTrainLoop')
    assert [(name, step) for name, step, _ in backend.images] == [
        ('0', 0),
        ('1', 0),
    ]
