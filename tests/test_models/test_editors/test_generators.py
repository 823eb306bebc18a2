# Copyright (c) mmflow_ext contributors. All rights reserved.
import pytest
import torch
import torch.nn.functional as F

from mmflow_ext.models.editors import ESPCNNet, SRCNNNet


def test_srcnn_shapes_and_arguments():
    net = SRCNNNet(
        channels=(1, 4, 2, 1), kernel_sizes=(3, 1, 3), upscale_factor=3
    )
    assert net(torch.zeros(2, 1, 4, 5)).shape == (2, 1, 12, 15)
    with pytest.raises(ValueError, match='channels must have 4 values'):
        SRCNNNet(channels=(3, 3, 3))
    with pytest.raises(ValueError, match='kernel_sizes must have 3 values'):
        SRCNNNet(kernel_sizes=(9, 5))


def test_espcn_residual_starts_from_bicubic():
    net = ESPCNNet(mid_channels=4, upscale_factor=2)
    for conv in net.body:
        if isinstance(conv, torch.nn.Conv2d):
            torch.nn.init.zeros_(conv.weight)
            torch.nn.init.zeros_(conv.bias)
    x = torch.rand(1, 3, 5, 5)
    bicubic = F.interpolate(
        x, scale_factor=2, mode='bicubic', align_corners=False
    )
    assert torch.equal(net(x), bicubic)
    identity = ESPCNNet(mid_channels=4, upscale_factor=1)
    assert identity(x).shape == x.shape
    plain = ESPCNNet(mid_channels=4, upscale_factor=2, residual=False)
    assert plain(x).shape == (1, 3, 10, 10)
    with pytest.raises(ValueError, match='residual=True needs'):
        ESPCNNet(in_channels=1, out_channels=3)
