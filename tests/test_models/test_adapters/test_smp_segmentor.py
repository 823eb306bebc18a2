# Copyright (c) mmflow_ext contributors. All rights reserved.
import pytest
import torch
from mmengine.optim import OptimWrapper
from mmengine.structures import PixelData

from mmflow_ext.registry import MODELS
from mmflow_ext.structures import SegDataSample


@pytest.fixture(autouse=True)
def smp(require_module):
    return require_module('segmentation_models_pytorch')


def _model(**kwargs):
    cfg = dict(
        type='SMPSegmentor',
        arch='Unet',
        encoder_name='resnet18',
        num_classes=3,
        data_preprocessor=dict(
            type='SegDataPreProcessor',
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375],
            size_divisor=32,
        ),
    )
    return MODELS.build(dict(cfg, **kwargs))


def _batch():
    inputs, samples = [], []
    for h, w in ((40, 50), (36, 30)):
        inputs.append(torch.randint(0, 256, (3, h, w), dtype=torch.uint8))
        sample = SegDataSample(
            metainfo=dict(ori_shape=(h, w), img_shape=(h, w))
        )
        sample.gt_sem_seg = PixelData(data=torch.randint(0, 3, (1, h, w)))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def test_train_step_and_predict():
    torch.manual_seed(0)
    model = _model()
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
    log_vars = model.train_step(_batch(), optim)
    assert set(log_vars) == {'loss', 'decode.loss_ce', 'decode.acc_seg'}
    assert torch.isfinite(log_vars['loss'])
    model.eval()
    results = model.test_step(_batch())
    for result, shape in zip(results, ((40, 50), (36, 30))):
        assert isinstance(result, SegDataSample)
        assert tuple(result.seg_logits.data.shape) == (3, *shape)
        assert tuple(result.pred_sem_seg.data.shape) == (1, *shape)
        assert torch.equal(
            result.pred_sem_seg.data, result.seg_logits.data.argmax(0, True)
        )
        assert 'gt_sem_seg' in result


def test_errors():
    with pytest.raises(
        ValueError,
        match="Unknown smp architecture 'unte'. Did you mean: 'unet'",
    ):
        _model(arch='Unte')
    with pytest.raises(ValueError, match="Did you mean: 'resnet18'"):
        MODELS.build(
            dict(
                type='SMPSegmentor',
                arch='Unet',
                encoder_name='resnet81',
                num_classes=3,
            )
        )
    with pytest.raises(ValueError, match='never downloads'):
        _model(encoder_weights='imagenet')
