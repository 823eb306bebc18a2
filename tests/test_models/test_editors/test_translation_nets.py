# Copyright (c) mmflow_ext contributors. All rights reserved.
"""UnetGenerator, ResnetGenerator and PatchDiscriminator against MMagic."""

import pytest
import torch
from mmengine.registry import DefaultScope

from mmflow_ext.models.editors import (
    PatchDiscriminator,
    ResnetGenerator,
    UnetGenerator,
)
from mmflow_ext.models.editors.translation_nets import generation_init_weights
from mmflow_ext.registry import MODELS

# MMagic's base_pix2pix / base_cyclegan networks with small channels
UNET = dict(
    type='UnetGenerator',
    in_channels=3,
    out_channels=3,
    num_down=5,
    base_channels=4,
    norm_cfg=dict(type='BN'),
    use_dropout=True,
    init_cfg=dict(type='normal', gain=0.02),
)
RESNET = dict(
    type='ResnetGenerator',
    in_channels=3,
    out_channels=3,
    base_channels=4,
    norm_cfg=dict(type='IN'),
    use_dropout=False,
    num_blocks=2,
    padding_mode='reflect',
    init_cfg=dict(type='normal', gain=0.02),
)
PATCH = dict(
    type='PatchDiscriminator',
    in_channels=6,
    base_channels=4,
    num_conv=3,
    norm_cfg=dict(type='BN'),
    init_cfg=dict(type='normal', gain=0.02),
)

CASES = [
    (UNET, 3, 32),
    (dict(UNET, num_down=7, norm_cfg=dict(type='IN')), 3, 128),
    (RESNET, 3, 20),
    (
        dict(
            RESNET,
            norm_cfg=dict(type='BN'),
            use_dropout=True,
            padding_mode='zeros',
            num_blocks=0,
        ),
        3,
        16,
    ),
    (PATCH, 6, 32),
    (dict(PATCH, in_channels=3, norm_cfg=dict(type='IN'), num_conv=4), 3, 64),
]


@pytest.mark.parametrize('cfg,channels,size', CASES)
def test_matches_mmagic(cfg, channels, size, assert_upstream_parity):
    pytest.importorskip('mmagic.models')
    from mmagic.registry import MODELS as UPSTREAM

    torch.manual_seed(0)
    inputs = torch.rand(2, channels, size, size)
    assert_upstream_parity(UPSTREAM, MODELS, cfg, inputs, atol=1e-6)


@pytest.mark.parametrize('cfg', [UNET, RESNET, PATCH])
def test_init_matches_mmagic(cfg):
    pytest.importorskip('mmagic.models')
    from mmagic.registry import MODELS as UPSTREAM

    with DefaultScope.overwrite_default_scope('mmagic'):
        ref = UPSTREAM.build(dict(cfg))
    with DefaultScope.overwrite_default_scope('mmflow_ext'):
        ours = MODELS.build(dict(cfg))
    torch.manual_seed(3)
    ref.init_weights()
    torch.manual_seed(3)
    ours.init_weights()
    ref_state = ref.state_dict()
    for key, value in ours.state_dict().items():
        assert torch.equal(value, ref_state[key]), key


def test_shapes_and_keys():
    unet = UnetGenerator(3, 2, num_down=5, base_channels=4)
    assert unet(torch.rand(1, 3, 32, 32)).shape == (1, 2, 32, 32)
    keys = list(unet.state_dict())
    assert keys[0] == 'model.model.0.conv.weight'
    assert 'model.model.1.model.0.bn.running_mean' in keys
    res = ResnetGenerator(3, 3, base_channels=4, num_blocks=1)
    assert res(torch.rand(1, 3, 12, 12)).shape == (1, 3, 12, 12)
    assert 'model.3.block.0.conv.weight' in res.state_dict()
    disc = PatchDiscriminator(6, base_channels=4, num_conv=3)
    # 32 -> 16 -> 8 -> 4 (stride 2), then two stride-1 4x4 convs: 3, 2
    assert disc(torch.rand(1, 6, 32, 32)).shape == (1, 1, 2, 2)
    assert list(disc.state_dict())[-1] == 'model.4.bias'


def test_init_weights():
    torch.manual_seed(0)
    disc = PatchDiscriminator(3, base_channels=4, init_cfg=None)
    disc.init_weights()  # MMagic fails on init_cfg=None
    conv = disc.model[0].conv
    assert conv.weight.std().item() == pytest.approx(0.02, rel=0.3)
    assert torch.all(conv.bias == 0)
    bn = disc.model[1].norm
    assert bn.weight.mean().item() == pytest.approx(1.0, abs=0.02)
    with pytest.raises(ValueError, match="init_type must be one of .*'foo'"):
        generation_init_weights(disc, init_type='foo')


def test_bad_arguments():
    with pytest.raises(
        TypeError, match="norm_cfg must be a dict with a 'type"
    ):
        UnetGenerator(3, 3, norm_cfg='BN')
    with pytest.raises(ValueError, match='num_down must be at least 5, got 4'):
        UnetGenerator(3, 3, num_down=4)
    with pytest.raises(ValueError, match='num_blocks must be non-negative'):
        ResnetGenerator(3, 3, num_blocks=-1)
