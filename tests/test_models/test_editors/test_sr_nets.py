# Copyright (c) mmflow_ext contributors. All rights reserved.
"""EDSRNet, RRDBNet and NAFNet."""

import pytest
import torch

from mmflow_ext.models.editors import EDSRNet, NAFNet, RRDBNet
from mmflow_ext.models.editors.nafnet_net import LayerNorm2d
from mmflow_ext.registry import MODELS

EDSR_X2 = dict(
    type='EDSRNet',
    in_channels=3,
    out_channels=3,
    mid_channels=64,
    num_blocks=16,
    upscale_factor=2,
    res_scale=1,
    rgb_mean=[0.4488, 0.4371, 0.4040],
    rgb_std=[1.0, 1.0, 1.0],
)
NAFNET_SIDD = dict(
    type='NAFNet',
    img_channels=3,
    mid_channels=64,
    enc_blk_nums=[2, 2, 4, 8],
    middle_blk_num=12,
    dec_blk_nums=[2, 2, 2, 2],
)


@pytest.mark.parametrize(
    'cfg,params,entries',
    [
        (EDSR_X2, 1369859, 72),
        (dict(type='RRDBNet', in_channels=3, out_channels=3), 16697987, 702),
        (NAFNET_SIDD, 115982915, 664),
    ],
)
def test_sizes_match_upstream(cfg, params, entries):
    # measured on MMagic 1.2.0 (the EDSR x2 and NAFNet SIDD configs)
    net = MODELS.build(cfg)
    assert sum(p.numel() for p in net.parameters()) == params
    assert len(net.state_dict()) == entries


def test_edsr_keys_shapes_and_normalization():
    net = EDSRNet(3, 3, mid_channels=8, num_blocks=2, upscale_factor=4)
    keys = list(net.state_dict())
    assert keys[:4] == [
        'conv_first.weight',
        'conv_first.bias',
        'body.0.conv1.weight',
        'body.0.conv1.bias',
    ]
    assert {
        'conv_after_body.weight',
        'upsample.0.upsample_conv.weight',
        'upsample.1.upsample_conv.bias',
        'conv_last.weight',
    } <= set(keys)
    assert 'mean' not in keys and 'std' not in keys
    x = torch.rand(2, 3, 5, 6, requires_grad=True)
    out = net(x)
    assert out.shape == (2, 3, 20, 24)
    out.mean().backward()
    assert all(p.grad is not None for p in net.parameters())
    # a zero network returns the mean (normalize, de-normalize)
    for p in net.parameters():
        p.data.zero_()
    mean = torch.tensor([0.4488, 0.4371, 0.4040]).view(1, 3, 1, 1)
    torch.testing.assert_close(net(x), mean.expand(2, 3, 20, 24))
    assert EDSRNet(3, 3, 8, 1, upscale_factor=3)(x).shape == (2, 3, 15, 18)
    with pytest.raises(ValueError, match='scale 5 is not supported'):
        EDSRNet(3, 3, 8, 1, upscale_factor=5)


@pytest.mark.parametrize('scale', [1, 2, 4])
def test_rrdb_scales(scale):
    net = RRDBNet(
        3,
        3,
        mid_channels=8,
        num_blocks=1,
        growth_channels=4,
        upscale_factor=scale,
    )
    assert net.conv_first.in_channels == 3 * (4 // scale) ** 2
    out = net(torch.rand(1, 3, 8, 12))
    assert out.shape == (1, 3, 8 * scale, 12 * scale)
    out.mean().backward()
    assert all(p.grad is not None for p in net.parameters())


def test_rrdb_errors_and_keys():
    with pytest.raises(ValueError, match='Unsupported scale factor 3'):
        RRDBNet(3, 3, upscale_factor=3)
    net = RRDBNet(
        3, 3, mid_channels=8, num_blocks=1, growth_channels=4, upscale_factor=2
    )
    with pytest.raises(ValueError, match='divisible by 2'):
        net(torch.rand(1, 3, 5, 6))
    assert {
        'body.0.rdb3.conv5.weight',
        'conv_body.bias',
        'conv_up2.weight',
        'conv_hr.weight',
    } <= set(net.state_dict())


def test_layernorm2d_forward_and_backward():
    norm = LayerNorm2d(3)
    norm.weight.data = torch.tensor([1.0, 2.0, 3.0])
    norm.bias.data = torch.tensor([0.0, 1.0, 0.0])
    x = torch.randn(2, 3, 4, 5, dtype=torch.float64, requires_grad=True)
    expected = torch.nn.functional.layer_norm(
        x.permute(0, 2, 3, 1),
        (3,),
        norm.weight.double(),
        norm.bias.double(),
        eps=1e-6,
    ).permute(0, 3, 1, 2)
    torch.testing.assert_close(norm.double()(x), expected)
    # gradients flow (upstream's custom backward fails on torch 2)
    assert torch.autograd.gradcheck(norm, (x,))


def test_nafnet_pads_and_crops():
    net = NAFNet(
        mid_channels=4,
        middle_blk_num=1,
        enc_blk_nums=[1, 1],
        dec_blk_nums=[1, 1],
    )
    assert net.padder_size == 4
    x = torch.rand(1, 3, 7, 9)
    # zero-initialized block scales: each block starts as the identity
    out = net(x)
    assert out.shape == x.shape
    out.mean().backward()
    assert net.intro.weight.grad is not None
    with pytest.raises(ValueError, match='same number of levels'):
        NAFNet(enc_blk_nums=[1], dec_blk_nums=[])


@pytest.mark.parametrize(
    'cfg,shape',
    [
        (dict(EDSR_X2, mid_channels=16, num_blocks=2), (1, 3, 12, 10)),
        (
            dict(
                EDSR_X2,
                mid_channels=16,
                num_blocks=2,
                upscale_factor=3,
                res_scale=0.1,
            ),
            (1, 3, 12, 10),
        ),
        (
            dict(
                type='RRDBNet',
                in_channels=3,
                out_channels=3,
                mid_channels=8,
                num_blocks=2,
                growth_channels=4,
                upscale_factor=2,
            ),
            (1, 3, 8, 12),
        ),
        (
            dict(
                type='RRDBNet',
                in_channels=3,
                out_channels=3,
                mid_channels=8,
                num_blocks=1,
                growth_channels=4,
                upscale_factor=1,
            ),
            (1, 3, 8, 12),
        ),
        (
            dict(
                NAFNET_SIDD,
                mid_channels=8,
                middle_blk_num=2,
                enc_blk_nums=[1, 2],
                dec_blk_nums=[1, 1],
            ),
            (1, 3, 10, 13),
        ),
    ],
)
def test_matches_mmagic(cfg, shape, assert_upstream_parity):
    pytest.importorskip('mmagic.models')
    from mmagic.registry import MODELS as UPSTREAM

    x = torch.rand(shape, generator=torch.Generator().manual_seed(0))
    assert_upstream_parity(UPSTREAM, MODELS, cfg, x)
