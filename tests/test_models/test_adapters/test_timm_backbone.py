# Copyright (c) mmflow_ext contributors. All rights reserved.
import pytest
import torch

from mmflow_ext.registry import MODELS


@pytest.fixture(autouse=True)
def timm(require_module):
    return require_module('timm')


def test_resnet18_features():
    backbone = MODELS.build(
        dict(type='TimmBackbone', model_name='resnet18', out_indices=(1, 4))
    )
    assert backbone.channels == [64, 512]
    assert backbone.reductions == [4, 32]
    feats = backbone(torch.zeros(2, 3, 64, 64))
    assert [tuple(f.shape) for f in feats] == [(2, 64, 16, 16), (2, 512, 2, 2)]


def test_output_stride_8_dilates():
    backbone = MODELS.build(
        dict(
            type='TimmBackbone',
            model_name='resnet18',
            out_indices=(1, 2, 3, 4),
            output_stride=8,
        )
    )
    feats = backbone(torch.zeros(1, 3, 64, 64))
    # stages 3 and 4 keep stride 8 (dilated) instead of 16 and 32
    assert [f.shape[-1] for f in feats] == [16, 8, 8, 8]
    assert backbone.timm_model.layer4[0].conv1.dilation == (2, 2)


def test_checkpoint_path_round_trip(tmp_path, timm):
    full = timm.create_model('resnet18', pretrained=False)
    path = tmp_path / 'resnet18.pth'
    torch.save(dict(state_dict=full.state_dict()), path)
    backbone = MODELS.build(
        dict(
            type='TimmBackbone',
            model_name='resnet18',
            out_indices=(4,),
            checkpoint_path=str(path),
        )
    )
    loaded = backbone.timm_model.state_dict()
    for key, value in full.state_dict().items():
        if not key.startswith('fc.'):
            assert torch.equal(loaded[key], value), key


def test_errors():
    with pytest.raises(ValueError, match="Did you mean: 'resnet18'"):
        MODELS.build(dict(type='TimmBackbone', model_name='resnet81'))
    with pytest.raises(ValueError, match='never downloads'):
        MODELS.build(
            dict(type='TimmBackbone', model_name='resnet18', pretrained=True)
        )


def test_in_encoder_decoder():
    model = MODELS.build(
        dict(
            type='EncoderDecoder',
            data_preprocessor=dict(type='SegDataPreProcessor', size=(64, 64)),
            backbone=dict(
                type='TimmBackbone',
                model_name='resnet18',
                out_indices=(1, 2, 3, 4),
                output_stride=8,
            ),
            decode_head=dict(
                type='FCNHead',
                in_channels=512,
                in_index=3,
                channels=16,
                num_convs=1,
                num_classes=3,
            ),
        )
    )
    logits = model(torch.zeros(1, 3, 64, 64), mode='tensor')
    assert tuple(logits.shape) == (1, 3, 8, 8)
