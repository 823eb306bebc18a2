# Copyright (c) mmflow_ext contributors. All rights reserved.
import pytest
from mmengine.config import Config

from mmflow_ext.engine.hooks import enable_visualization
from mmflow_ext.registry import HOOKS

VISUALIZER = dict(
    type='ConcatImageVisualizer',
    fn_key='gt_path',
    img_keys=['gt_img', 'input', 'pred_img'],
)


def test_default_hook_of_a_config_object_gets_all_test_samples():
    cfg = Config(
        dict(
            visualizer=dict(
                VISUALIZER, vis_backends=[dict(type='LocalVisBackend')]
            ),
            default_hooks=dict(
                visualization=dict(
                    type='BasicVisualizationHook',
                    interval=dict(val=4),
                    max_samples=2,
                    on_test=False,
                )
            ),
        )
    )
    enable_visualization(cfg, show_dir='out/vis')
    hook_cfg = cfg.default_hooks.visualization
    assert hook_cfg.to_dict() == dict(
        type='BasicVisualizationHook',
        interval=dict(val=4, test=1),
        max_samples=dict(val=2, test=None),
        on_test=True,
        draw=True,
    )
    assert cfg.visualizer.save_dir == 'out/vis'
    assert len(cfg.visualizer.vis_backends) == 1  # not added twice
    hook = HOOKS.build(hook_cfg)
    assert hook.interval_of('test') == 1
    assert hook.max_samples_of('test') is None
    assert hook.interval_of('val') == 4 and hook.max_samples_of('val') == 2


def test_seg_hook_in_custom_hooks_keeps_its_val_interval_and_can_show():
    cfg = dict(
        visualizer=VISUALIZER,
        custom_hooks=[
            dict(type='EMAHook'),
            dict(type='mmflow_ext.SegVisualizationHook', draw=False),
        ],
    )
    enable_visualization(cfg, show=True, wait_time=2)
    hook_cfg = cfg['custom_hooks'][1]
    assert hook_cfg['interval'] == dict(val=50, test=1)
    assert hook_cfg['max_samples'] == dict(test=None)
    assert hook_cfg['draw'] and hook_cfg['show'] and hook_cfg['wait_time'] == 2
    assert 'save_dir' not in cfg['visualizer']
    assert HOOKS.build(hook_cfg).show


def test_missing_hook_or_visualizer():
    with pytest.raises(
        RuntimeError,
        match='has no hook of type '
        'BasicVisualizationHook or SegVisualizationHook',
    ):
        enable_visualization(
            dict(
                visualizer=VISUALIZER,
                default_hooks=dict(logger=dict(type='LoggerHook')),
            )
        )
    with pytest.raises(RuntimeError, match='has no `visualizer` dict'):
        enable_visualization(
            dict(
                default_hooks=dict(
                    visualization=dict(type='BasicVisualizationHook')
                )
            )
        )
