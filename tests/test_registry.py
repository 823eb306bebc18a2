# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Registry resolution, each case in a fresh interpreter so that nothing a
previous test imported can make it pass."""

import textwrap

import pytest


def check(python_runner, code: str) -> str:
    """Run ``code``; return the last line it printed (MMEngine may log
    warnings to stdout before it)."""
    result = python_runner(textwrap.dedent(code))
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip().splitlines()[-1]


def test_default_scope_builds_without_importing_the_package(python_runner):
    out = check(
        python_runner,
        """
        import sys
        from mmengine.registry import MODELS, TRANSFORMS, init_default_scope
        init_default_scope('mmflow_ext')
        assert 'mmflow_ext' not in sys.modules
        pack = TRANSFORMS.build(dict(type='PackSegInputs'))
        pre = MODELS.build(dict(type='SegDataPreProcessor', mean=[0, 0, 0],
                                std=[1, 1, 1]))
        print(type(pack).__module__, type(pre).__module__)
        """,
    )
    assert out.split() == [
        'mmflow_ext.datasets.transforms.seg_formatting',
        'mmflow_ext.models.data_preprocessors.seg_data_preprocessor',
    ]


def test_runner_config_with_default_scope_only(python_runner):
    out = check(
        python_runner,
        """
        import sys
        from mmengine.config import Config
        from mmengine.registry import METRICS, init_default_scope
        cfg = Config(dict(default_scope='mmflow_ext',
                          metric=dict(type='IoUMetric')))
        init_default_scope(cfg.default_scope)
        metric = METRICS.build(cfg.metric)
        print(type(metric).__name__, 'mmflow_ext' in sys.modules)
        """,
    )
    assert out.split() == ['IoUMetric', 'True']


def test_prefixed_type_from_another_scope(python_runner):
    out = check(
        python_runner,
        """
        from mmengine.registry import METRICS, init_default_scope
        init_default_scope('mmengine')
        metric = METRICS.build(dict(type='mmflow_ext.IoUMetric'))
        print(type(metric).__module__)
        """,
    )
    assert out.strip() == 'mmflow_ext.evaluation.metrics.iou_metric'


def test_mmcv_and_mmengine_types_resolve_under_our_scope(python_runner):
    out = check(
        python_runner,
        """
        from mmengine.registry import (HOOKS, OPTIM_WRAPPERS, TRANSFORMS,
                                       init_default_scope)
        import torch
        init_default_scope('mmflow_ext')
        names = []
        for cfg in [dict(type='LoadImageFromFile'),
                    dict(type='RandomFlip', prob=0.5),
                    dict(type='Resize', scale=(8, 8))]:
            names.append(type(TRANSFORMS.build(cfg)).__name__)
        names.append(type(HOOKS.build(dict(type='CheckpointHook'))).__name__)
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
        wrapper = OPTIM_WRAPPERS.build(dict(type='OptimWrapper'),
                                       default_args=dict(optimizer=opt))
        names.append(type(wrapper).__name__)
        print(' '.join(names))
        """,
    )
    assert out.split() == [
        'LoadImageFromFile',
        'RandomFlip',
        'Resize',
        'CheckpointHook',
        'OptimWrapper',
    ]


@pytest.mark.parametrize(
    'misspelt,suggestion',
    [('PackSegInput', 'PackSegInputs'), ('RandomFlp', 'RandomFlip')],
)
def test_misspelt_type_names_registry_scope_and_close_names(
    python_runner, misspelt, suggestion
):
    result = python_runner(
        textwrap.dedent(f"""
        from mmengine.registry import TRANSFORMS, init_default_scope
        init_default_scope('mmflow_ext')
        TRANSFORMS.build(dict(type='{misspelt}'))
        """)
    )
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert 'KeyError' in last_line
    assert f'"{misspelt}" is not registered' in last_line
    assert 'registry of scope "mmflow_ext"' in last_line
    assert '"transform" registry' in last_line
    assert f'Did you mean: {suggestion}' in last_line
