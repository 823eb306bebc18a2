# Copyright (c) mmflow_ext contributors. All rights reserved.
import pytest
import torch
import torch.nn as nn

from mmflow_ext.models.heads import FCNHead
from mmflow_ext.registry import MODELS


def test_fcn_head_layers_and_forward():
    head = MODELS.build(
        dict(
            type='FCNHead',
            in_channels=6,
            channels=4,
            num_convs=2,
            num_classes=3,
            dilation=2,
            norm_cfg=dict(type='BN'),
        )
    )
    assert len(head.convs) == 2
    assert head.convs[0].conv.dilation == (2, 2)
    assert head.conv_cat.conv.in_channels == 10
    assert head([torch.rand(2, 6, 5, 7)]).shape == (2, 3, 5, 7)
    identity = FCNHead(
        in_channels=4,
        channels=4,
        num_convs=0,
        concat_input=False,
        num_classes=2,
        dropout_ratio=0,
    )
    assert isinstance(identity.convs, nn.Identity)
    assert identity.dropout is None
    with pytest.raises(ValueError, match='num_convs=0 needs in_channels'):
        FCNHead(in_channels=3, channels=4, num_convs=0, num_classes=2)
    with pytest.raises(ValueError, match='dilation must be a positive int'):
        FCNHead(in_channels=3, channels=4, num_classes=2, dilation=0)
