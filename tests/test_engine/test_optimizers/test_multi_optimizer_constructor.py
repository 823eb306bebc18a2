# Copyright (c) mmflow_ext contributors. All rights reserved.
"""MultiOptimWrapperConstructor: one wrapper per sub-module, regex and
list ``modules``, one wrapper over several modules, clear errors."""

import pytest
import torch
import torch.nn as nn
from mmengine.optim import OptimWrapper, OptimWrapperDict

from mmflow_ext.engine.optimizers import MultiOptimWrapperConstructor
from mmflow_ext.registry import OPTIM_WRAPPER_CONSTRUCTORS


class GAN(nn.Module):
    def __init__(self):
        super().__init__()
        self.generator = nn.Linear(2, 2)
        self.discriminator = nn.Linear(2, 1)
        self.text_encoder = nn.Sequential(nn.Embedding(5, 2))


def _ids(params):
    return sorted(id(p) for p in params)


def test_one_wrapper_per_submodule():
    model = GAN()
    built = OPTIM_WRAPPER_CONSTRUCTORS.build(
        dict(
            type='MultiOptimWrapperConstructor',
            optim_wrapper_cfg=dict(
                generator=dict(optimizer=dict(type='Adam', lr=1e-4)),
                discriminator=dict(
                    type='OptimWrapper',
                    accumulative_counts=2,
                    optimizer=dict(type='SGD', lr=0.1),
                ),
            ),
        )
    )(model)
    assert isinstance(built, OptimWrapperDict)
    gen, disc = built['generator'], built['discriminator']
    assert isinstance(gen.optimizer, torch.optim.Adam)
    assert isinstance(disc.optimizer, torch.optim.SGD)
    assert disc._accumulative_counts == 2
    assert _ids(gen.optimizer.param_groups[0]['params']) == _ids(
        model.generator.parameters()
    )


def test_modules_by_list_and_regex_and_single_wrapper():
    model = GAN()
    built = MultiOptimWrapperConstructor(
        dict(
            both=dict(
                modules=['generator', r'text_encoder\.0'],
                optimizer=dict(type='SGD', lr=0.1),
            )
        )
    )(model)
    expected = list(model.generator.parameters()) + list(
        model.text_encoder[0].parameters()
    )
    assert _ids(built['both'].optimizer.param_groups[0]['params']) == _ids(
        expected
    )
    single = MultiOptimWrapperConstructor(
        dict(
            modules=['generator', 'discriminator'],
            optimizer=dict(type='SGD', lr=0.1),
        )
    )(model)
    assert type(single) is OptimWrapper
    assert len(single.optimizer.param_groups[0]['params']) == 4


def test_errors_name_the_fault():
    with pytest.raises(TypeError, match='got list'):
        MultiOptimWrapperConstructor([])
    with pytest.raises(ValueError, match='paramwise_cfg should be set'):
        MultiOptimWrapperConstructor({}, paramwise_cfg=dict(a=1))
    with pytest.raises(ValueError, match="'gen'.*matches 'gen'"):
        MultiOptimWrapperConstructor(
            dict(gen=dict(optimizer=dict(type='SGD', lr=0.1)))
        )(GAN())
