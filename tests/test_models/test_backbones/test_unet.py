# Copyright (c) mmflow_ext contributors. All rights reserved.
import pytest
import torch

from mmflow_ext.models.backbones import UNet
from mmflow_ext.registry import MODELS

# the backbone of MMSegmentation's unet-s5-d16 configs
UNET_S5 = dict(
    type='UNet',
    in_channels=3,
    base_channels=64,
    num_stages=5,
    strides=(1, 1, 1, 1, 1),
    enc_num_convs=(2, 2, 2, 2, 2),
    dec_num_convs=(2, 2, 2, 2),
    downsamples=(True, True, True, True),
    enc_dilations=(1, 1, 1, 1, 1),
    dec_dilations=(1, 1, 1, 1),
    with_cp=False,
    conv_cfg=None,
    norm_cfg=dict(type='BN', requires_grad=True),
    act_cfg=dict(type='ReLU'),
    upsample_cfg=dict(type='InterpConv'),
    norm_eval=False,
)
SMALL = dict(UNET_S5, base_channels=4)


def test_unet_s5_size_matches_upstream():
    net = MODELS.build(UNET_S5)
    # measured on MMSegmentation 1.2.2
    assert sum(p.numel() for p in net.parameters()) == 28949568
    keys = list(net.state_dict())
    assert len(keys) == 132
    assert {
        'encoder.0.0.convs.0.conv.weight',
        'encoder.1.1.convs.1.bn.bias',
        'decoder.0.conv_block.convs.0.conv.weight',
        'decoder.3.upsample.interp_upsample.1.conv.weight',
    } <= set(keys)


def test_shapes_backward_and_divisibility():
    net = MODELS.build(SMALL)
    outs = net(torch.rand(2, 3, 32, 32))
    assert [tuple(o.shape[1:]) for o in outs] == [
        (64, 2, 2),
        (32, 4, 4),
        (16, 8, 8),
        (8, 16, 16),
        (4, 32, 32),
    ]
    sum(o.mean() for o in outs).backward()
    assert all(p.grad is not None for p in net.parameters())
    with pytest.raises(
        ValueError, match='divisible by the whole downsample rate 16'
    ):
        net(torch.rand(1, 3, 24, 24))


def test_strides_deconv_and_no_upsampling():
    net = UNet(
        base_channels=4,
        num_stages=3,
        strides=(1, 2, 1),
        enc_num_convs=(1, 1, 1),
        dec_num_convs=(1, 1),
        downsamples=(False, False),
        enc_dilations=(1, 1, 1),
        dec_dilations=(1, 1),
        upsample_cfg=dict(type='DeconvModule'),
    )
    assert type(net.decoder[0].upsample).__name__ == 'DeconvModule'
    # stage 2 neither strides nor pools: a 1×1 projection, no upsampling
    assert type(net.decoder[1].upsample).__name__ == 'ConvModule'
    outs = net(torch.rand(1, 3, 8, 8))
    assert [tuple(o.shape[1:]) for o in outs] == [
        (16, 4, 4),
        (8, 4, 4),
        (4, 8, 8),
    ]


def test_bad_arguments():
    with pytest.raises(ValueError, match=r'strides \(1, 1\) needs 5'):
        UNet(strides=(1, 1))
    with pytest.raises(NotImplementedError, match='dcn and plugins'):
        UNet(dcn=dict(type='DCN'))
    with pytest.raises(ValueError, match='even difference'):
        MODELS.build(
            dict(
                type='DeconvModule',
                in_channels=2,
                out_channels=2,
                kernel_size=3,
            )
        )


@pytest.mark.parametrize(
    'cfg',
    [
        SMALL,
        dict(
            SMALL,
            num_stages=4,
            strides=(1, 2, 1, 2),
            enc_num_convs=(1, 2, 1, 2),
            dec_num_convs=(2, 1, 1),
            downsamples=(False, True, False),
            enc_dilations=(1, 1, 2, 2),
            dec_dilations=(1, 2, 1),
            upsample_cfg=dict(type='DeconvModule'),
        ),
    ],
)
def test_matches_mmseg(cfg, assert_upstream_parity):
    pytest.importorskip('mmseg.models')
    from mmseg.registry import MODELS as UPSTREAM

    assert_upstream_parity(UPSTREAM, MODELS, cfg, torch.rand(1, 3, 32, 32))
