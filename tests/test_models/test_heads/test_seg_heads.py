# Copyright (c) mmflow_ext contributors. All rights reserved.
"""PSPHead, ASPPHead, DepthwiseSeparableASPPHead, UPerHead, SegformerHead."""

import pytest
import torch

from mmflow_ext.models.heads import (
    ASPPHead,
    DepthwiseSeparableASPPHead,
    PSPHead,
    SegformerHead,
    UPerHead,
)
from mmflow_ext.registry import MODELS

BN = dict(type='BN')
MULTI = dict(in_channels=[8, 16, 32, 64], in_index=[0, 1, 2, 3])
# (config, parameters, state-dict entries), measured on MMSegmentation 1.2.2
HEADS = [
    (
        dict(
            type='PSPHead',
            in_channels=64,
            in_index=3,
            channels=16,
            pool_scales=(1, 2, 3, 6),
        ),
        22773,
        32,
    ),
    (
        dict(
            type='ASPPHead',
            in_channels=64,
            in_index=3,
            channels=16,
            dilations=(1, 2, 3),
        ),
        29941,
        32,
    ),
    (
        dict(
            type='DepthwiseSeparableASPPHead',
            in_channels=64,
            in_index=3,
            channels=16,
            dilations=(1, 2, 3),
            c1_in_channels=8,
            c1_channels=4,
        ),
        16041,
        74,
    ),
    (dict(type='UPerHead', channels=16, **MULTI), 40021, 74),
    (dict(type='SegformerHead', channels=16, **MULTI), 3189, 32),
]


def features(batch=2):
    generator = torch.Generator().manual_seed(0)
    return [
        torch.randn(batch, c, s, s, generator=generator)
        for c, s in ((8, 16), (16, 8), (32, 4), (64, 4))
    ]


@pytest.mark.parametrize('cfg,params,entries', HEADS)
def test_sizes_and_keys_match_upstream(cfg, params, entries):
    head = MODELS.build(dict(cfg, num_classes=5, norm_cfg=BN))
    assert sum(p.numel() for p in head.parameters()) == params
    keys = list(head.state_dict())
    assert len(keys) == entries
    assert keys[:2] == ['conv_seg.weight', 'conv_seg.bias']


def test_key_names():
    psp = PSPHead(in_channels=4, channels=2, num_classes=3, norm_cfg=BN)
    assert {
        'psp_modules.3.1.conv.weight',
        'psp_modules.0.1.bn.running_var',
        'bottleneck.conv.weight',
    } <= set(psp.state_dict())
    sep = DepthwiseSeparableASPPHead(
        in_channels=4,
        channels=2,
        num_classes=3,
        c1_in_channels=2,
        c1_channels=2,
        norm_cfg=BN,
    )
    assert {
        'image_pool.1.conv.weight',
        'aspp_modules.0.conv.weight',
        'aspp_modules.1.depthwise_conv.conv.weight',
        'aspp_modules.3.pointwise_conv.bn.weight',
        'c1_bottleneck.conv.weight',
        'sep_bottleneck.1.depthwise_conv.bn.bias',
    } <= set(sep.state_dict())
    uper = UPerHead(channels=2, num_classes=3, norm_cfg=BN, **MULTI)
    assert {
        'lateral_convs.2.conv.weight',
        'fpn_convs.0.conv.weight',
        'fpn_bottleneck.conv.weight',
    } <= set(uper.state_dict())
    assert len(uper.lateral_convs) == 3
    seg = SegformerHead(channels=2, num_classes=3, norm_cfg=BN, **MULTI)
    assert {'convs.3.conv.weight', 'fusion_conv.bn.weight'} <= set(
        seg.state_dict()
    )


@pytest.mark.parametrize(
    'cfg,size',
    [
        (HEADS[0][0], 4),
        (HEADS[1][0], 4),
        (HEADS[2][0], 16),
        (HEADS[3][0], 16),
        (HEADS[4][0], 16),
    ],
)
def test_forward_backward_shapes(cfg, size):
    head = MODELS.build(dict(cfg, num_classes=5, norm_cfg=BN))
    feats = [f.requires_grad_() for f in features()]
    out = head(feats)
    assert out.shape == (2, 5, size, size)
    out.mean().backward()
    assert all(p.grad is not None for p in head.parameters())


def test_sep_aspp_without_low_level_fusion():
    head = DepthwiseSeparableASPPHead(
        in_channels=64,
        in_index=3,
        channels=16,
        dilations=(1, 2),
        c1_in_channels=0,
        c1_channels=0,
        num_classes=5,
    )
    assert head.c1_bottleneck is None
    assert head(features()).shape == (2, 5, 4, 4)


def test_aspp_pooled_branch_is_global():
    # a constant image-pool branch: shifting the input's mean changes it
    head = ASPPHead(
        in_channels=2,
        channels=1,
        num_classes=1,
        dilations=(1,),
        dropout_ratio=0,
        act_cfg=None,
        out_channels=1,
        threshold=0.5,
    )
    x = torch.zeros(1, 2, 3, 3)
    x[0, :, 0, 0] = 9.0
    pooled = head.image_pool(x)
    assert pooled.shape == (1, 1, 1, 1)
    conv = head.image_pool[1].conv
    expected = conv.weight.flatten() @ torch.tensor([1.0, 1.0]) + conv.bias
    torch.testing.assert_close(pooled.flatten(), expected)


def test_bad_arguments():
    with pytest.raises(TypeError, match='pool_scales must be a list'):
        PSPHead(in_channels=4, channels=2, num_classes=3, pool_scales=3)
    with pytest.raises(TypeError, match='dilations must be a list'):
        ASPPHead(in_channels=4, channels=2, num_classes=3, dilations=6)
    with pytest.raises(ValueError, match='c1_in_channels must be >= 0'):
        DepthwiseSeparableASPPHead(
            in_channels=4,
            channels=2,
            num_classes=3,
            c1_in_channels=-1,
            c1_channels=2,
        )
    with pytest.raises(TypeError, match='sequences of one length'):
        SegformerHead(
            in_channels=[2, 4], in_index=[0], channels=2, num_classes=3
        )


@pytest.mark.parametrize(
    'cfg',
    [c for c, _, _ in HEADS]
    + [
        dict(type='FCNHead', in_channels=32, in_index=2, channels=16),
        dict(
            type='UPerHead',
            channels=8,
            pool_scales=(1, 3),
            align_corners=True,
            **MULTI,
        ),
    ],
)
def test_matches_mmseg(cfg, assert_upstream_parity):
    pytest.importorskip('mmseg.models')
    from mmseg.registry import MODELS as UPSTREAM

    assert_upstream_parity(
        UPSTREAM, MODELS, dict(cfg, num_classes=5, norm_cfg=BN), features(1)
    )
