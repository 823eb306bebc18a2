# Copyright (c) mmflow_ext contributors. All rights reserved.
import pytest
import torch
import torch.nn as nn

from mmflow_ext.models.backbones import ResNet, ResNetV1c, ResNetV1d
from mmflow_ext.registry import MODELS

# parameters and state-dict entries of MMSegmentation 1.2.2's networks
UPSTREAM_SIZES = [
    (dict(type='ResNet', depth=18), 11176512, 120),
    (dict(type='ResNetV1c', depth=18), 11195744, 132),
    (dict(type='ResNetV1c', depth=34), 21303904, 228),
    (dict(type='ResNet', depth=50), 23508032, 318),
    (dict(type='ResNetV1c', depth=50), 23527264, 330),
    (dict(type='ResNetV1d', depth=50), 23527264, 330),
    (dict(type='ResNetV1c', depth=101), 42519392, 636),
]


@pytest.mark.parametrize('cfg,params,entries', UPSTREAM_SIZES)
def test_sizes_match_upstream(cfg, params, entries):
    net = MODELS.build(cfg)
    assert sum(p.numel() for p in net.parameters()) == params
    assert len(net.state_dict()) == entries


def test_state_dict_key_names_of_the_variants():
    v1c = ResNetV1c(depth=50).state_dict()
    assert list(v1c)[:7] == [
        'stem.0.weight',
        'stem.1.weight',
        'stem.1.bias',
        'stem.1.running_mean',
        'stem.1.running_var',
        'stem.1.num_batches_tracked',
        'stem.3.weight',
    ]
    assert 'stem.7.weight' in v1c and 'conv1.weight' not in v1c
    assert v1c['layer2.0.downsample.0.weight'].shape == (512, 256, 1, 1)
    assert list(v1c)[-6:] == [
        'layer4.2.conv3.weight',
        'layer4.2.bn3.weight',
        'layer4.2.bn3.bias',
        'layer4.2.bn3.running_mean',
        'layer4.2.bn3.running_var',
        'layer4.2.bn3.num_batches_tracked',
    ]
    # V1d: an average pool (no weights) before the shortcut convolution
    v1d = ResNetV1d(depth=50).state_dict()
    assert v1d['layer2.0.downsample.1.weight'].shape == (512, 256, 1, 1)
    assert 'layer2.0.downsample.2.running_var' in v1d
    plain = ResNet(depth=18).state_dict()
    assert {'conv1.weight', 'bn1.weight', 'layer1.0.bn2.bias'} <= set(plain)


def test_dilated_d8_shapes_and_contract_dilation():
    net = ResNetV1c(
        depth=18,
        dilations=(1, 1, 2, 4),
        strides=(1, 2, 1, 1),
        contract_dilation=True,
    )
    outs = net(torch.rand(1, 3, 64, 64))
    assert [tuple(o.shape) for o in outs] == [
        (1, 64, 16, 16),
        (1, 128, 8, 8),
        (1, 256, 8, 8),
        (1, 512, 8, 8),
    ]
    # contracted first dilation, then the stage's dilation
    assert net.layer4[0].conv1.dilation == (2, 2)
    assert net.layer4[1].conv1.dilation == (4, 4)
    assert net.layer4[0].conv1.padding == (2, 2)


def test_num_stages_out_indices_and_caffe_style():
    net = ResNet(
        depth=50,
        num_stages=3,
        strides=(1, 2, 2),
        dilations=(1, 1, 1),
        out_indices=(2,),
        style='caffe',
    )
    (out,) = net(torch.rand(1, 3, 32, 32))
    assert out.shape == (1, 1024, 2, 2)
    assert net.feat_dim == 1024
    assert net.layer2[0].conv1.stride == (2, 2)
    assert net.layer2[0].conv2.stride == (1, 1)
    assert not hasattr(net, 'layer4')


def test_forward_backward_reaches_every_parameter():
    net = ResNetV1d(depth=18)
    outs = net(torch.rand(2, 3, 32, 32))
    sum(o.mean() for o in outs).backward()
    assert all(p.grad is not None for p in net.parameters())


def test_gradient_checkpointing_gives_the_same_gradients():
    torch.manual_seed(0)
    plain = ResNetV1c(
        depth=18,
        num_stages=2,
        strides=(1, 2),
        dilations=(1, 1),
        out_indices=(1,),
    )
    checkpointed = ResNetV1c(
        depth=18,
        num_stages=2,
        strides=(1, 2),
        dilations=(1, 1),
        out_indices=(1,),
        with_cp=True,
    )
    checkpointed.load_state_dict(plain.state_dict())
    x = torch.rand(2, 3, 32, 32)
    for net in (plain, checkpointed):
        net(x.clone().requires_grad_())[0].sum().backward()
    torch.testing.assert_close(
        checkpointed.layer2[0].conv1.weight.grad,
        plain.layer2[0].conv1.weight.grad,
    )


def test_norm_eval_and_frozen_stages():
    net = ResNetV1c(depth=18, norm_eval=True, frozen_stages=1)
    net.train()
    norms = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    assert norms and not any(m.training for m in norms)
    assert net.layer2.training
    assert not any(p.requires_grad for p in net.stem.parameters())
    assert not any(p.requires_grad for p in net.layer1.parameters())
    assert all(p.requires_grad for p in net.layer2.parameters())


def test_zero_init_residual_zeroes_the_last_norm():
    net = ResNetV1c(depth=50)
    net.init_weights()
    assert torch.count_nonzero(net.layer1[0].bn3.weight) == 0
    assert torch.all(net.layer1[0].bn1.weight == 1)
    basic = ResNetV1c(depth=18)
    basic.init_weights()
    assert torch.count_nonzero(basic.layer3[1].bn2.weight) == 0
    kept = ResNetV1c(depth=18, zero_init_residual=False)
    kept.init_weights()
    assert torch.all(kept.layer3[1].bn2.weight == 1)


def test_syncbn_config_runs_on_cpu_single_process():
    net = ResNetV1c(depth=18, norm_cfg=dict(type='SyncBN'))
    assert isinstance(net.stem[1], nn.SyncBatchNorm)
    net.train()
    sum(o.mean() for o in net(torch.rand(2, 3, 32, 32))).backward()
    assert net.stem[1].num_batches_tracked == 1


def test_bad_arguments():
    with pytest.raises(KeyError, match='invalid depth 20'):
        ResNet(depth=20)
    with pytest.raises(ValueError, match='one entry per stage'):
        ResNet(depth=18, num_stages=3)
    with pytest.raises(NotImplementedError, match='dcn='):
        ResNet(depth=50, dcn=dict(type='DCN'))
    with pytest.raises(ValueError, match='cannot be set at the same time'):
        ResNet(depth=18, pretrained='a.pth', init_cfg=dict(type='Kaiming'))


UPSTREAM_CONFIGS = [
    dict(
        type='ResNetV1c',
        depth=18,
        dilations=(1, 1, 2, 4),
        strides=(1, 2, 1, 1),
        contract_dilation=True,
    ),
    dict(
        type='ResNetV1c',
        depth=50,
        dilations=(1, 1, 2, 4),
        strides=(1, 2, 1, 1),
        contract_dilation=True,
    ),
    dict(type='ResNetV1d', depth=50),
    dict(type='ResNetV1d', depth=34, out_indices=(1, 3), num_stages=4),
    dict(type='ResNet', depth=50, style='caffe'),
    dict(
        type='ResNetV1c',
        depth=50,
        multi_grid=(1, 2, 4),
        dilations=(1, 1, 1, 2),
        strides=(1, 2, 2, 1),
    ),
]


@pytest.mark.parametrize('cfg', UPSTREAM_CONFIGS)
def test_matches_mmseg(cfg, assert_upstream_parity):
    pytest.importorskip('mmseg.models')
    from mmseg.registry import MODELS as UPSTREAM

    assert_upstream_parity(UPSTREAM, MODELS, cfg, torch.rand(1, 3, 64, 64))
