# Copyright (c) mmflow_ext contributors. All rights reserved.
import pytest
import torch

from mmflow_ext.models.backbones import MixVisionTransformer
from mmflow_ext.registry import MODELS

MIT_B0 = dict(
    type='MixVisionTransformer',
    in_channels=3,
    embed_dims=32,
    num_stages=4,
    num_layers=[2, 2, 2, 2],
    num_heads=[1, 2, 5, 8],
    patch_sizes=[7, 3, 3, 3],
    sr_ratios=[8, 4, 2, 1],
    out_indices=(0, 1, 2, 3),
    mlp_ratio=4,
    qkv_bias=True,
    drop_rate=0.0,
    attn_drop_rate=0.0,
    drop_path_rate=0.1,
)


def test_mit_b0_and_b1_sizes_match_upstream():
    b0 = MODELS.build(MIT_B0)
    # measured on MMSegmentation 1.2.2
    assert sum(p.numel() for p in b0.parameters()) == 3319392
    b1 = MODELS.build(dict(MIT_B0, embed_dims=64))
    assert sum(p.numel() for p in b1.parameters()) == 13151424
    keys = list(b0.state_dict())
    assert len(keys) == 160
    assert keys[:4] == [
        'layers.0.0.projection.weight',
        'layers.0.0.projection.bias',
        'layers.0.0.norm.weight',
        'layers.0.0.norm.bias',
    ]
    assert {
        'layers.0.1.0.attn.attn.in_proj_weight',
        'layers.0.1.0.attn.attn.out_proj.bias',
        'layers.0.1.0.attn.sr.weight',
        'layers.0.1.1.ffn.layers.1.weight',
        'layers.3.2.bias',
    } <= set(keys)
    # no spatial reduction in the last stage
    assert 'layers.3.1.0.attn.sr.weight' not in keys


def test_shapes_forward_backward():
    net = MODELS.build(MIT_B0)
    outs = net(torch.rand(2, 3, 64, 48))
    assert [tuple(o.shape) for o in outs] == [
        (2, 32, 16, 12),
        (2, 64, 8, 6),
        (2, 160, 4, 3),
        (2, 256, 2, 2),
    ]
    sum(o.mean() for o in outs).backward()
    assert all(p.grad is not None for p in net.parameters())


def test_default_init_and_stochastic_depth():
    net = MixVisionTransformer(
        embed_dims=8, num_layers=[1, 1, 1, 1], drop_path_rate=0.3
    )
    net.init_weights()
    assert torch.all(net.layers[0][0].norm.weight == 1)
    rates = [
        layer.ffn.dropout_layer.drop_prob
        for _, blocks, _ in net.layers
        for layer in blocks
    ]
    assert rates == pytest.approx([0.0, 0.1, 0.2, 0.3])


def test_bad_arguments():
    with pytest.raises(ValueError, match='num_stages=4 entries'):
        MixVisionTransformer(num_layers=[1, 1])
    with pytest.raises(ValueError, match='below num_stages'):
        MixVisionTransformer(out_indices=(4,))


@pytest.mark.parametrize(
    'cfg',
    [
        MIT_B0,
        dict(MIT_B0, embed_dims=16, out_indices=(1, 3), qkv_bias=False),
    ],
)
def test_matches_mmseg(cfg, assert_upstream_parity):
    pytest.importorskip('mmseg.models')
    from mmseg.registry import MODELS as UPSTREAM

    assert_upstream_parity(UPSTREAM, MODELS, cfg, torch.rand(1, 3, 64, 64))
