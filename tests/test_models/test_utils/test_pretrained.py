# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``init_cfg=dict(type='Pretrained')`` through the safe loader."""

import pytest
import torch

from mmflow_ext.compat import TRUST_ENV_VAR
from mmflow_ext.compat.checkpoint import UnsafeCheckpointError
from mmflow_ext.models.backbones import ResNetV1c
from mmflow_ext.models.editors import EDSRNet
from mmflow_ext.models.utils.pretrained import load_pretrained
from mmflow_ext.models.utils.shape_convert import nchw_to_nlc, nlc_to_nchw
from mmflow_ext.registry import MODELS


def small_resnet(**kwargs):
    return ResNetV1c(
        depth=18,
        num_stages=1,
        strides=(1,),
        dilations=(1,),
        out_indices=(0,),
        **kwargs,
    )


def test_loads_a_local_mmengine_checkpoint(tmp_path):
    source = small_resnet()
    for p in source.parameters():
        p.data.uniform_()
    path = tmp_path / 'r18.pth'
    torch.save(dict(meta=dict(), state_dict=source.state_dict()), path)
    net = small_resnet(init_cfg=dict(type='Pretrained', checkpoint=str(path)))
    net.init_weights()
    for key, value in source.state_dict().items():
        assert torch.equal(net.state_dict()[key], value), key


def test_prefix_and_module_prefix_and_deprecated_pretrained(tmp_path):
    source = small_resnet()
    for p in source.parameters():
        p.data.normal_()
    path = tmp_path / 'seg.pth'
    state = {f'module.backbone.{k}': v for k, v in source.state_dict().items()}
    state['module.decode_head.conv_seg.weight'] = torch.zeros(1)
    torch.save(state, path)
    net = small_resnet(
        init_cfg=dict(
            type='Pretrained', checkpoint=str(path), prefix='backbone'
        )
    )
    net.init_weights()
    assert torch.equal(net.stem[0].weight, source.stem[0].weight)
    with pytest.raises(ValueError, match="no key under the prefix 'neck'"):
        load_pretrained(net, dict(checkpoint=str(path), prefix='neck'))
    # ``pretrained=`` is the same Pretrained init (MMSeg's deprecated form)
    plain = tmp_path / 'plain.pth'
    torch.save(source.state_dict(), plain)
    old = small_resnet(pretrained=str(plain))
    assert old.init_cfg == dict(type='Pretrained', checkpoint=str(plain))
    old.init_weights()
    assert torch.equal(old.layer1[1].bn2.weight, source.layer1[1].bn2.weight)


def test_other_init_cfgs_run_first(tmp_path):
    source = EDSRNet(3, 3, mid_channels=4, num_blocks=1, upscale_factor=2)
    path = tmp_path / 'edsr.pth'
    torch.save(dict(state_dict={'conv_last.bias': torch.ones(3)}), path)
    net = MODELS.build(
        dict(
            type='EDSRNet',
            in_channels=3,
            out_channels=3,
            mid_channels=4,
            num_blocks=1,
            upscale_factor=2,
            init_cfg=[
                dict(type='Constant', val=0.5, layer='Conv2d'),
                dict(type='Pretrained', checkpoint=str(path)),
            ],
        )
    )
    net.init_weights()
    assert torch.all(net.conv_first.weight == 0.5)
    assert torch.all(net.conv_last.bias == 1)
    assert source.init_cfg is None


@pytest.mark.parametrize(
    'checkpoint,url_part,local',
    [
        (
            'open-mmlab://resnet50_v1c',
            'resnet50_v1c-2cccc1ad.pth',
            'checkpoints/resnet50_v1c-2cccc1ad.pth',
        ),
        (
            'https://download.openmmlab.com/mmsegmentation/v0.5/pretrain/'
            'segformer/mit_b0_20220624-7e0fe6dd.pth',
            'mit_b0_20220624',
            'checkpoints/mit_b0_20220624-7e0fe6dd.pth',
        ),
    ],
)
def test_remote_checkpoints_are_refused_with_the_file_to_fetch(
    checkpoint, url_part, local, monkeypatch
):
    def no_network(*args, **kwargs):
        raise AssertionError('tried to download')

    monkeypatch.setattr(torch.hub, 'load_state_dict_from_url', no_network)
    net = small_resnet(init_cfg=dict(type='Pretrained', checkpoint=checkpoint))
    with pytest.raises(ValueError) as info:
        net.init_weights()
    message = str(info.value)
    assert 'never downloads' in message and url_part in message
    assert f'put it at "{local}"' in message
    assert message.startswith('ResNetV1c: ')


def test_unknown_remote_name_and_missing_file(tmp_path):
    net = small_resnet()
    with pytest.raises(ValueError, match='remote name that mmflow_ext does'):
        load_pretrained(net, dict(checkpoint='open-mmlab://no_such_model'))
    missing = str(tmp_path / 'missing.pth')
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        load_pretrained(net, dict(checkpoint=missing))
    with pytest.raises(TypeError, match='needs a checkpoint path'):
        load_pretrained(net, dict(type='Pretrained'))


class Payload:
    def __reduce__(self):
        return (print, ('ran code',))


def test_code_in_a_checkpoint_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv(TRUST_ENV_VAR, raising=False)
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': Payload()}, str(path))
    with pytest.raises(UnsafeCheckpointError):
        load_pretrained(small_resnet(), dict(checkpoint=str(path)))


def test_shape_convert_round_trip():
    x = torch.arange(24.0).view(1, 2, 3, 4)
    tokens = nchw_to_nlc(x)
    assert tokens.shape == (1, 12, 2)
    assert torch.equal(tokens[0, 5], x[0, :, 1, 1])
    assert torch.equal(nlc_to_nchw(tokens, (3, 4)), x)
    with pytest.raises(ValueError, match='do not fill a 2×4 map'):
        nlc_to_nchw(tokens, (2, 4))
