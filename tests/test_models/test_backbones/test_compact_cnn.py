# Copyright (c) mmflow_ext contributors. All rights reserved.
import pytest
import torch
import torch.nn as nn

from mmflow_ext.models.backbones import CompactCNN
from mmflow_ext.registry import MODELS


def test_output_shapes_strides_and_dilations():
    net = CompactCNN(
        channels=(8, 12, 16),
        strides=(1, 2, 1),
        dilations=(1, 1, 2),
        num_convs=(1, 2, 1),
        out_indices=(0, -1),
    )
    feats = net(torch.rand(2, 3, 32, 40))
    assert [tuple(f.shape) for f in feats] == [(2, 8, 16, 20), (2, 16, 8, 10)]
    assert [len(stage) for stage in net.stages] == [1, 2, 1]
    assert net.stages[2][0].conv.dilation == (2, 2)
    assert net.stages[2][0].conv.padding == (2, 2)


def test_resnet_stem_quarters_the_resolution():
    net = MODELS.build(
        dict(
            type='CompactCNN',
            resnet_stem=True,
            channels=(4,),
            strides=(1,),
            out_indices=(0,),
        )
    )
    assert net.stem[0].conv.kernel_size == (7, 7)
    assert tuple(net(torch.rand(1, 3, 32, 32))[0].shape) == (1, 4, 8, 8)


def test_norm_eval_keeps_batch_norm_in_eval_mode():
    net = CompactCNN(
        channels=(4,), strides=(1,), out_indices=(0,), norm_eval=True
    )
    net.train()
    norms = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    assert norms and not any(m.training for m in norms)
    assert net.stem.conv.training


@pytest.mark.parametrize(
    'kwargs, match',
    [
        (dict(strides=(1, 2)), r'strides needs one value per stage \(3\)'),
        (dict(num_convs=0), r'num_convs must be >= 1'),
        (dict(out_indices=(3,)), r'out_indices \[3\] out of range'),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        CompactCNN(**kwargs)
