# Copyright (c) mmflow_ext contributors. All rights reserved.
import pytest
import torch
from mmengine.registry import DefaultScope

from mmflow_ext.models.data_preprocessors.data_preprocessor import (
    DataPreprocessor,
)
from mmflow_ext.models.editors import BaseEditModel
from mmflow_ext.structures import DataSample


class _Double(torch.nn.Module):
    """A generator whose output is known: twice its input, upscaled x2."""

    def forward(self, x):
        return torch.nn.functional.interpolate(x * 2, scale_factor=2)


def _model(**kwargs):
    return BaseEditModel(
        generator=_Double(),
        pixel_loss=dict(type='L1Loss'),
        data_preprocessor=dict(
            type='DataPreprocessor',
            mean=[0, 0, 0],
            std=[255, 255, 255],
            **kwargs,
        ),
    )


def _batch(training):
    img = torch.full((3, 2, 3), 60, dtype=torch.uint8)
    gt = torch.full((3, 4, 6), 100, dtype=torch.uint8)
    samples = [
        DataSample(gt_img=gt, metainfo=dict(gt_path=f'{i}.png'))
        for i in range(2)
    ]
    return _model().data_preprocessor(
        dict(inputs=[img, img], data_samples=samples), training
    )


def test_builds_without_any_default_scope(monkeypatch):
    monkeypatch.setattr(
        DefaultScope, 'get_current_instance', classmethod(lambda cls: None)
    )
    model = BaseEditModel(
        generator=dict(type='SRCNNNet', channels=(3, 4, 4, 3)),
        pixel_loss=dict(type='L1Loss'),
    )
    assert isinstance(model.data_preprocessor, DataPreprocessor)
    assert type(model.generator).__name__ == 'SRCNNNet'


def test_tensor_and_loss_modes():
    model = _model()
    batch = _batch(training=True)
    feats = model(**batch, mode='tensor')
    assert torch.allclose(feats, torch.full((2, 3, 4, 6), 120 / 255))
    loss = model(**batch, mode='loss')
    assert loss['loss'].item() == pytest.approx(20 / 255)
    dict_inputs = model(dict(img=batch['inputs']), mode='tensor')
    assert torch.equal(dict_inputs, feats)
    with pytest.raises(ValueError, match="Invalid mode 'train'"):
        model(**batch, mode='train')


def test_predict_returns_per_sample_images():
    model = _model()
    batch = _batch(training=False)
    with torch.no_grad():
        preds = model(**batch, mode='predict')
    assert len(preds) == 2
    first = preds[0]
    assert first.gt_path == '0.png' and preds[1].gt_path == '1.png'
    pred_img = first.output.pred_img
    assert pred_img.shape == (3, 4, 6) and pred_img.dtype == torch.float32
    assert torch.allclose(pred_img, torch.full((3, 4, 6), 120.0))
    assert not pred_img.requires_grad and pred_img.device.type == 'cpu'
    assert torch.allclose(first.input, torch.full((3, 2, 3), 60.0))
    assert first.gt_img.dtype == torch.uint8
    as_dict = first.to_dict()
    assert as_dict['output']['pred_img'].shape == (3, 4, 6)


def test_predict_with_unstacked_samples_and_grads_detached():
    model = BaseEditModel(
        generator=dict(type='ESPCNNet', mid_channels=4, upscale_factor=2),
        pixel_loss=dict(type='L1Loss'),
        data_preprocessor=dict(
            type='DataPreprocessor', stack_data_sample=False
        ),
    )
    batch = model.data_preprocessor(
        dict(
            inputs=[torch.zeros(3, 2, 2, dtype=torch.uint8)],
            data_samples=[DataSample(gt_img=torch.zeros(3, 4, 4))],
        )
    )
    preds = model(**batch, mode='predict')
    assert preds[0].output.pred_img.shape == (3, 4, 4)
    assert not preds[0].output.pred_img.requires_grad
    assert preds[0].output.pred_img.min() >= 0


def test_video_batches_predict_per_frame_images():
    # (N, T, C, H, W) through the preprocessor and predict: padding_size in
    # MMagic's 3-value form, the padding (scaled x2) cropped off the output
    model = BaseEditModel(
        generator=_Frames(),
        pixel_loss=dict(type='L1Loss'),
        data_preprocessor=dict(
            type='DataPreprocessor',
            mean=[0, 0, 0],
            std=[255, 255, 255],
            pad_size_divisor=4,
        ),
    )
    video = torch.randint(0, 256, (2, 3, 3, 5, 6), dtype=torch.uint8)
    batch = model.data_preprocessor(dict(inputs=video))
    assert batch['inputs'].shape == (2, 3, 3, 8, 8)
    assert [p.tolist() for p in batch['data_samples'].padding_size] == [
        [0, 3, 2]
    ] * 2
    with torch.no_grad():
        preds = model(**batch, mode='predict')
    assert len(preds) == 2
    expected = torch.nn.functional.interpolate(
        video[1].float() * 2, scale_factor=2
    ).clamp(0, 255)
    assert torch.equal(preds[1].output.pred_img, expected)
    assert torch.equal(preds[1].input, video[1].float())


class _Frames(torch.nn.Module):
    """Twice the input, upscaled x2, frame by frame."""

    def forward(self, x):
        n, t = x.shape[:2]
        out = torch.nn.functional.interpolate(
            x.flatten(0, 1) * 2, scale_factor=2
        )
        return out.view((n, t) + out.shape[1:])
