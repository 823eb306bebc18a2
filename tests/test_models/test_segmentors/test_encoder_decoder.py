# Copyright (c) mmflow_ext contributors. All rights reserved.
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.structures import PixelData

from mmflow_ext.models.heads import BaseDecodeHead
from mmflow_ext.models.segmentors import EncoderDecoder
from mmflow_ext.registry import MODELS
from mmflow_ext.structures import SegDataSample


class ListBackbone(nn.Module):
    """Hands the images on as the only feature level."""

    def forward(self, x):
        return [x]


class PixelHead(BaseDecodeHead):
    """Logits = the first ``num_classes`` input channels, pooled by
    ``pool``; records the crops and label dtypes it sees."""

    def __init__(self, pool=1, **kwargs):
        super().__init__(in_channels=1, channels=1, **kwargs)
        self.pool = pool
        self.scale = nn.Parameter(torch.ones(()))
        self.seen_shapes = []
        self.seen_label_dtypes = []

    def forward(self, inputs):
        x = inputs[0][:, : self.out_channels]
        self.seen_shapes.append(tuple(x.shape[2:]))
        if self.pool > 1:
            x = F.avg_pool2d(x, self.pool)
        return x * self.scale

    def loss_by_feat(self, seg_logits, batch_data_samples):
        self.seen_label_dtypes.append(
            self._stack_batch_gt(batch_data_samples).dtype
        )
        return super().loss_by_feat(seg_logits, batch_data_samples)


for _cls in (ListBackbone, PixelHead):
    if _cls.__name__ not in MODELS.module_dict:
        MODELS.register_module(module=_cls)


def build(test_cfg=None, auxiliary_head=None, pool=1, **head):
    return EncoderDecoder(
        backbone=dict(type='ListBackbone'),
        decode_head=dict(
            type='PixelHead', pool=pool, num_classes=3, dropout_ratio=0, **head
        ),
        auxiliary_head=auxiliary_head,
        test_cfg=test_cfg,
        data_preprocessor=dict(type='SegDataPreProcessor'),
    )


def labelled(labels, **metainfo):
    sample = SegDataSample(metainfo=metainfo)
    sample.gt_sem_seg = PixelData(data=labels)
    return sample


def test_loss_prefixes_heads_and_gets_int64_labels():
    aux = dict(type='PixelHead', num_classes=3, dropout_ratio=0)
    model = build(auxiliary_head=[aux, aux])
    images = [torch.randint(0, 255, (3, 4, 4), dtype=torch.uint8)]
    labels = torch.randint(0, 3, (1, 4, 4), dtype=torch.uint8)
    data = model.data_preprocessor(
        dict(inputs=images, data_samples=[labelled(labels)]), True
    )
    losses = model(**data, mode='loss')
    assert set(losses) == {
        'decode.loss_ce',
        'decode.acc_seg',
        'aux_0.loss_ce',
        'aux_0.acc_seg',
        'aux_1.loss_ce',
        'aux_1.acc_seg',
    }
    expected = F.cross_entropy(data['inputs'], labels.long().squeeze(1))
    assert losses['decode.loss_ce'].item() == pytest.approx(
        expected.item(), rel=1e-6
    )
    assert model.decode_head.seen_label_dtypes == [torch.int64]
    single = build(auxiliary_head=aux)
    assert 'aux.loss_ce' in single(**data, mode='loss')
    with pytest.raises(ValueError, match='loss mode needs data_samples'):
        model.loss(data['inputs'], None)


def test_whole_predict_crops_padding_and_resizes():
    model = build(pool=2)
    images = [
        torch.randint(0, 255, (3, 6, 4), dtype=torch.uint8),
        torch.randint(0, 255, (3, 4, 6), dtype=torch.uint8),
    ]
    samples = [
        labelled(torch.zeros(1, 6, 4, dtype=torch.uint8), ori_shape=(12, 8)),
        labelled(torch.zeros(1, 4, 6, dtype=torch.uint8), ori_shape=(4, 6)),
    ]
    data = model.data_preprocessor(dict(inputs=images, data_samples=samples))
    assert data['inputs'].shape == (2, 3, 6, 6)
    out = model(**data, mode='predict')
    full = F.interpolate(
        F.avg_pool2d(data['inputs'], 2), size=(6, 6), mode='bilinear'
    )
    first = F.interpolate(full[:1, :, :, :4], size=(12, 8), mode='bilinear')[0]
    assert torch.allclose(out[0].seg_logits.data, first)
    assert torch.allclose(out[1].seg_logits.data, full[1, :, :4])
    assert torch.equal(
        out[1].pred_sem_seg.data,
        out[1].seg_logits.data.argmax(0, keepdim=True),
    )
    assert out[0].gt_sem_seg.shape == (6, 4)


def test_predict_without_samples_and_tensor_mode():
    model = build(pool=2)
    inputs = torch.rand(2, 3, 4, 6)
    out = model(inputs, mode='predict')
    assert len(out) == 2 and out[0].seg_logits.shape == (4, 6)
    tensor = model(inputs, mode='tensor')
    assert tensor.shape == (2, 3, 2, 3)


def test_slide_inference_covers_image_with_overlapping_crops():
    model = build(test_cfg=dict(mode='slide', crop_size=(6, 4), stride=(4, 3)))
    inputs = torch.rand(1, 3, 10, 9)
    logits = model.inference(inputs, [dict(ori_shape=(10, 9))])
    # an identity head: averaging overlapping crops gives the input back
    torch.testing.assert_close(logits, inputs)
    # 2 rows x 3 columns of 6x4 crops; the last ones are shifted back
    assert model.decode_head.seen_shapes == [(6, 4)] * 6
    out = model.predict(
        inputs,
        [SegDataSample(metainfo=dict(ori_shape=(10, 9), img_shape=(10, 9)))],
    )
    torch.testing.assert_close(out[0].seg_logits.data, inputs[0])
    assert out[0].img_shape == (10, 9)  # crop shapes do not leak


def test_slide_crops_are_resized_to_their_own_shape():
    # the head outputs half-resolution logits; each crop's metainfo names
    # the crop as the padded input, so they come back at the crop's size
    model = build(
        test_cfg=dict(mode='slide', crop_size=(4, 4), stride=(2, 2)), pool=2
    )
    inputs = torch.full((1, 3, 6, 6), 2.0)
    meta = dict(ori_shape=(6, 6), img_shape=(6, 6), pad_shape=(6, 6))
    logits = model.slide_inference(inputs, [meta])
    assert logits.shape == (1, 3, 6, 6)
    torch.testing.assert_close(logits, inputs)
    assert model.decode_head.seen_shapes == [(4, 4)] * 4
    assert meta['pad_shape'] == (6, 6)  # the caller's metainfo is kept


def test_slide_crops_are_averaged_by_count():
    model = build(test_cfg=dict(mode='slide', crop_size=(2, 2), stride=(1, 1)))
    model.decode_head.scale.data.fill_(0.0)
    model.decode_head.forward = lambda feats: torch.ones(
        feats[0].shape[0], 3, 2, 2
    )
    logits = model.slide_inference(
        torch.zeros(1, 3, 3, 3), [dict(ori_shape=(3, 3))]
    )
    assert logits.unique().tolist() == [1.0]


def test_bad_test_cfg():
    with pytest.raises(ValueError, match='needs crop_size and stride'):
        build(test_cfg=dict(mode='slide', crop_size=(4, 4)))
    with pytest.raises(ValueError, match='test_cfg.mode must be'):
        build(test_cfg=dict(mode='sliding'))


def test_properties_follow_the_decode_head():
    model = build(align_corners=True)
    assert model.align_corners is True
    assert model.num_classes == model.out_channels == 3
    assert model.threshold == 0.3
    assert model.with_decode_head and not model.with_neck
