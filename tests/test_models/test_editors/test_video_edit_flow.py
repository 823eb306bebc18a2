# Copyright (c) mmflow_ext contributors. All rights reserved.
"""(N, T, C, H, W) clips through DataPreprocessor, BaseEditModel predict,
destruct and the 5-D PSNR / SSIM convention; side by side with MMagic's
where it imports (``PYTHONPATH=. /work/refenv/bin/python -m pytest
THIS_FILE``)."""

import numpy as np
import pytest
import torch

from mmflow_ext.evaluation.functional import ssim
from mmflow_ext.evaluation.metrics import PSNR, SSIM
from mmflow_ext.models import BaseEditModel, DataPreprocessor
from mmflow_ext.models.editors import RecurrentVSRNet
from mmflow_ext.structures import DataSample

PRE = dict(mean=[0.0, 0.0, 0.0], std=[255.0, 255.0, 255.0])
META = dict(img_channel_order='bgr', img_color_type='color')


def _clips(shape, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, shape, generator=gen, dtype=torch.uint8)


def _generator(scale):
    torch.manual_seed(0)
    net = RecurrentVSRNet(mid_channels=8, num_blocks=1, upscale_factor=scale)
    torch.nn.init.normal_(net.upsample[0].weight, std=0.05)
    return net


def _samples(sample_cls, gt):
    return [sample_cls(gt_img=g.clone(), metainfo=dict(META)) for g in gt]


def _model(scale, pad_size_divisor):
    return BaseEditModel(
        generator=_generator(scale),
        pixel_loss=dict(type='L1Loss'),
        data_preprocessor=DataPreprocessor(
            pad_size_divisor=pad_size_divisor, **PRE
        ),
    ).eval()


def test_video_batch_predict_and_destruct_by_hand():
    video = _clips((2, 3, 3, 6, 7))
    gt = _clips((2, 3, 3, 24, 28), seed=1)
    model = _model(4, pad_size_divisor=4)
    data = model.data_preprocessor(
        dict(inputs=video.clone(), data_samples=_samples(DataSample, gt))
    )
    assert data['inputs'].shape == (2, 3, 3, 8, 8)
    # a stacked 5-D batch: 3 values per sample (0, bottom, right)
    paddings = data['data_samples'].metainfo['padding_size']
    assert [p.tolist() for p in paddings] == [[0.0, 2.0, 1.0]] * 2
    assert torch.equal(data['inputs'][..., :6, :7], video.float() / 255)
    assert (data['inputs'][..., 6:, :] == 0).all()

    with torch.no_grad():
        preds = model(**data, mode='predict')
        raw = model.generator(data['inputs'])
    assert len(preds) == 2
    for i, pred in enumerate(preds):
        # the output's padding is the input's scaled by 4: (0, 8, 4)
        expected = (raw[i, ..., :24, :28] * 255).clamp(0, 255)
        assert pred.output.pred_img.shape == (3, 3, 24, 28)
        assert torch.allclose(pred.output.pred_img, expected, atol=1e-4)
        assert torch.allclose(pred.input, video[i].float(), atol=1e-4)
        assert torch.equal(pred.gt_img, gt[i])

    # PSNR / SSIM of a clip: the mean of its frames' values
    psnr_metric, ssim_metric = PSNR(), SSIM()
    dicts = [p.to_dict() for p in preds]
    psnr_metric.process(None, dicts)
    ssim_metric.process(None, dicts)
    frames = [
        (gt[i, t].double(), preds[i].output.pred_img[t].double())
        for i in range(2)
        for t in range(3)
    ]
    by_hand_psnr = [
        10 * np.log10(255.0**2 / float(((a - b) ** 2).mean()))
        for a, b in frames
    ]
    by_hand_ssim = [ssim(a, b, input_order='CHW') for a, b in frames]
    assert psnr_metric.compute_metrics(psnr_metric.results)[
        'PSNR'
    ] == pytest.approx(float(np.mean(by_hand_psnr)), abs=1e-9)
    assert ssim_metric.compute_metrics(ssim_metric.results)[
        'SSIM'
    ] == pytest.approx(float(np.mean(by_hand_ssim)), abs=1e-9)


def test_video_training_loss_is_l1_over_the_clip():
    video = _clips((2, 4, 3, 4, 4))
    gt = _clips((2, 4, 3, 16, 16), seed=1)
    model = _model(4, pad_size_divisor=1).train()
    data = model.data_preprocessor(
        dict(inputs=video, data_samples=_samples(DataSample, gt)), True
    )
    loss = model(**data, mode='loss')['loss']
    expected = (model.generator(video.float() / 255) - gt.float() / 255).abs()
    assert loss.item() == pytest.approx(expected.mean().item(), rel=1e-5)


@pytest.fixture(scope='module')
def mmagic():
    pytest.importorskip('mmagic.models')
    from mmagic.models import BaseEditModel as UpstreamModel
    from mmagic.models import DataPreprocessor as UpstreamPreprocessor
    from mmagic.registry import MODELS as UPSTREAM_MODELS
    from mmagic.structures import DataSample as UpstreamSample

    UPSTREAM_MODELS.register_module(
        name='mmflow_ext_RecurrentVSRNet', module=RecurrentVSRNet, force=True
    )
    return UpstreamModel, UpstreamSample, UpstreamPreprocessor


def upstream_metrics():
    from mmagic.evaluation import metrics

    return metrics


def _upstream_model(mmagic, ours, pad_size_divisor):
    UpstreamModel, _, UpstreamPreprocessor = mmagic
    net = ours.generator
    theirs = UpstreamModel(
        generator=dict(
            type='mmflow_ext_RecurrentVSRNet',
            mid_channels=8,
            num_blocks=1,
            upscale_factor=net.upscale_factor,
        ),
        pixel_loss=dict(type='L1Loss'),
        data_preprocessor=UpstreamPreprocessor(
            pad_size_divisor=pad_size_divisor, **PRE
        ),
    ).eval()
    theirs.generator.load_state_dict(net.state_dict())
    return theirs


def _predict(model, sample_cls, video, gt):
    data = model.data_preprocessor(
        dict(inputs=video.clone(), data_samples=_samples(sample_cls, gt))
    )
    with torch.no_grad():
        return data, model(**data, mode='predict')


@pytest.mark.parametrize(
    'scale, divisor, shape',
    [
        (1, 4, (2, 3, 3, 14, 13)),
        (4, 1, (2, 3, 3, 6, 7)),
        (4, 4, (1, 2, 3, 8, 8)),
    ],
    ids=['x1-padded', 'x4-unpadded', 'x4-divisible'],
)
def test_video_flow_matches_mmagic(mmagic, scale, divisor, shape):
    UpstreamSample = mmagic[1]
    video = _clips(shape)
    gt = _clips(shape[:3] + (shape[3] * scale, shape[4] * scale), seed=1)
    ours = _model(scale, divisor)
    theirs = _upstream_model(mmagic, ours, divisor)
    our_data, our_preds = _predict(ours, DataSample, video, gt)
    their_data, their_preds = _predict(theirs, UpstreamSample, video, gt)
    assert torch.equal(our_data['inputs'], their_data['inputs'])
    assert [p.tolist() for p in our_data['data_samples'].padding_size] == [
        p.tolist() for p in their_data['data_samples'].padding_size
    ]
    assert len(our_preds) == len(their_preds) == shape[0]
    for mine, up in zip(our_preds, their_preds):
        assert torch.equal(mine.output.pred_img, up.output.pred_img)
        assert torch.equal(mine.input, up.input)
        # and the metrics agree on the 5-D samples
        for cls in ('PSNR', 'SSIM'):
            our_metric = {'PSNR': PSNR, 'SSIM': SSIM}[cls]()
            their_metric = getattr(upstream_metrics(), cls)()
            our_metric.process(None, [mine.to_dict()])
            their_metric.process(None, [up.to_dict()])
            # MMagic's per-clip value passes through float32
            assert our_metric.results[0][cls] == pytest.approx(
                their_metric.results[0][cls], rel=1e-6
            )


def test_upscaled_padding_is_scaled_unlike_mmagic(mmagic):
    """The documented difference (docs/migration.md): MMagic crops an
    upscaled output by the input's padding, ours by the padding scaled to
    the output."""
    UpstreamSample = mmagic[1]
    video = _clips((2, 2, 3, 6, 7))
    gt = _clips((2, 2, 3, 24, 28), seed=1)
    ours = _model(4, 4)
    theirs = _upstream_model(mmagic, ours, 4)
    _, our_preds = _predict(ours, DataSample, video, gt)
    _, their_preds = _predict(theirs, UpstreamSample, video, gt)
    mine, up = our_preds[0].output.pred_img, their_preds[0].output.pred_img
    assert mine.shape == (2, 3, 24, 28)
    assert up.shape == (2, 3, 30, 31)  # 32 - 2, 32 - 1
    assert torch.equal(mine, up[..., :24, :28])
