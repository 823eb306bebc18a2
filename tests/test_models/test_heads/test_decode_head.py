# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``BaseDecodeHead``: losses, predictions and input selection."""

import math

import pytest
import torch
from mmengine.structures import PixelData

from mmflow_ext.models.heads import BaseDecodeHead, FCNHead
from mmflow_ext.structures import SegDataSample


class ConstantHead(BaseDecodeHead):
    """Returns fixed logits, to test the loss/predict plumbing."""

    def __init__(self, logits, **kwargs):
        super().__init__(in_channels=1, channels=1, **kwargs)
        self.logits = logits

    def forward(self, inputs):
        return self.logits


def sample_with(labels):
    sample = SegDataSample()
    sample.gt_sem_seg = PixelData(data=labels)
    return sample


def test_loss_by_feat_resizes_logits_to_labels_and_sums_same_names():
    logits = torch.zeros(1, 2, 1, 1)
    logits[0, 1] = 1.0
    head = ConstantHead(
        logits,
        num_classes=2,
        dropout_ratio=0,
        loss_decode=[
            dict(type='CrossEntropyLoss'),
            dict(type='CrossEntropyLoss', loss_weight=2.0),
        ],
    )
    labels = torch.tensor([[[0, 1], [1, 255]]])  # int64, as preprocessed
    losses = head.loss([None], [sample_with(labels)], train_cfg=None)
    lse = math.log(1 + math.e)
    # the 1x1 logits are upsampled to 2x2; ignored pixel counts as 0
    per_label = {0: lse - 0.0, 1: lse - 1.0}
    expected = (per_label[0] + 2 * per_label[1]) / 4
    assert set(losses) == {'loss_ce', 'acc_seg'}
    assert losses['loss_ce'].item() == pytest.approx(3 * expected, rel=1e-5)
    # argmax is class 1 everywhere: 2 of the 3 valid pixels are right
    assert losses['acc_seg'].item() == pytest.approx(200 / 3, rel=1e-5)


def test_predict_by_feat_targets():
    head = ConstantHead(torch.rand(1, 3, 2, 2), num_classes=3)
    out = head.predict(
        [None], [dict(img_shape=(3, 5), pad_shape=(4, 6))], test_cfg=None
    )
    assert out.shape == (1, 3, 4, 6)
    out = head.predict_by_feat(
        torch.rand(1, 3, 2, 2), [dict(img_shape=(3, 5))]
    )
    assert out.shape == (1, 3, 3, 5)
    # the target is pad_shape whatever the type of img_shape: a crop of
    # sliding inference sets pad_shape to its own shape (see
    # test_encoder_decoder), no torch.Size is sniffed
    out = head.predict_by_feat(
        torch.rand(1, 3, 2, 2),
        [dict(img_shape=torch.Size((7, 7)), pad_shape=(9, 9))],
    )
    assert out.shape == (1, 3, 9, 9)
    with pytest.raises(KeyError, match='neither "pad_shape" nor'):
        head.predict_by_feat(torch.rand(1, 3, 2, 2), [dict()])


def test_binary_head_and_channel_checks():
    with pytest.warns(UserWarning, match='threshold of the binary head'):
        head = ConstantHead(None, num_classes=2, out_channels=1)
    assert head.threshold == 0.3 and head.conv_seg.out_channels == 1
    with pytest.raises(
        ValueError, match='out_channels must equal num_classes, or be 1'
    ):
        ConstantHead(None, num_classes=3, out_channels=2)
    with pytest.raises(TypeError, match='loss_decode must be a dict'):
        ConstantHead(None, num_classes=3, loss_decode='ce')


def test_input_transforms():
    feats = [torch.ones(1, 2, 4, 4), torch.full((1, 3, 2, 2), 2.0)]
    head = FCNHead(
        in_channels=[2, 3],
        in_index=[0, 1],
        channels=4,
        num_classes=3,
        input_transform='resize_concat',
    )
    assert head.in_channels == 5
    merged = head._transform_inputs(feats)
    assert merged.shape == (1, 5, 4, 4)
    assert merged[:, 2:].unique().tolist() == [2.0]
    head = ConstantHead(None, num_classes=3)
    head._init_inputs([2, 3], [1, 0], 'multiple_select')
    assert head.in_channels == [2, 3]
    assert [f.shape[1] for f in head._transform_inputs(feats)] == [3, 2]
    with pytest.raises(
        TypeError, match='in_channels and in_index must be ints'
    ):
        FCNHead(in_channels=[2], channels=4, num_classes=3)
    with pytest.raises(ValueError, match='input_transform must be'):
        FCNHead(
            in_channels=2, channels=4, num_classes=3, input_transform='concat'
        )
