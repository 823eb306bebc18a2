# Copyright (c) mmflow_ext contributors. All rights reserved.
import pytest
import torch
import torch.nn.functional as F

from mmflow_ext.models.editors import RecurrentVSRNet
from mmflow_ext.registry import MODELS


def _net(**kwargs):
    torch.manual_seed(0)
    kwargs = dict(dict(mid_channels=8, num_blocks=1), **kwargs)
    net = RecurrentVSRNet(**kwargs)
    # leave the starting point (bicubic) so that every path matters
    torch.nn.init.normal_(net.upsample[0].weight, std=0.05)
    return net.eval()


def test_registered_and_shapes():
    net = MODELS.build(
        dict(type='RecurrentVSRNet', mid_channels=4, upscale_factor=2)
    )
    assert net(torch.rand(2, 3, 3, 5, 6)).shape == (2, 3, 3, 10, 12)
    assert net(torch.rand(1, 3, 5, 6)).shape == (1, 3, 10, 12)
    same = RecurrentVSRNet(mid_channels=4, upscale_factor=1)
    assert same(torch.rand(1, 2, 3, 5, 6)).shape == (1, 2, 3, 5, 6)


def test_untrained_net_is_the_bicubic_upsampling():
    clip = torch.rand(2, 4, 3, 6, 5)
    out = RecurrentVSRNet(mid_channels=4, upscale_factor=4)(clip)
    bicubic = F.interpolate(
        clip.flatten(0, 1), scale_factor=4, mode='bicubic', align_corners=False
    ).view(2, 4, 3, 24, 20)
    assert torch.equal(out, bicubic)
    identity = RecurrentVSRNet(mid_channels=4, upscale_factor=1)
    assert torch.equal(identity(clip), clip)


def test_propagation_runs_both_ways():
    net = _net(upscale_factor=2)
    clip = torch.rand(1, 5, 3, 6, 6)
    base = net(clip)
    later = clip.clone()
    later[:, 4] = torch.rand(3, 6, 6)
    earlier = clip.clone()
    earlier[:, 0] = torch.rand(3, 6, 6)
    with torch.no_grad():
        # the first frame sees the last one (backward branch) ...
        assert not torch.allclose(net(later)[:, 0], base[:, 0])
        # ... and the last one the first (forward branch)
        assert not torch.allclose(net(earlier)[:, 4], base[:, 4])
    # the samples of a batch do not mix
    pair = torch.cat([clip, torch.rand(1, 5, 3, 6, 6)])
    assert torch.allclose(net(pair)[:1], base, atol=1e-6)


def test_image_input_is_a_one_frame_clip():
    net = _net()
    image = torch.rand(2, 3, 4, 5)
    assert torch.equal(net(image), net(image[:, None])[:, 0])


def test_errors():
    with pytest.raises(ValueError, match='upscale_factor must be >= 1'):
        RecurrentVSRNet(upscale_factor=0)
    with pytest.raises(ValueError, match=r'got shape \(3, 4, 5\)'):
        RecurrentVSRNet(mid_channels=4)(torch.rand(3, 4, 5))
