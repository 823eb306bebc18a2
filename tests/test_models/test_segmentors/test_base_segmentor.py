# Copyright (c) mmflow_ext contributors. All rights reserved.
import pytest
import torch
import torch.nn.functional as F
from mmengine.structures import PixelData

from mmflow_ext.models.segmentors import BaseSegmentor, channel_argmax
from mmflow_ext.structures import SegDataSample


class PostProcessOnly(BaseSegmentor):
    """Concrete segmentor for testing the base class."""

    def extract_feat(self, inputs):
        return [inputs]

    def encode_decode(self, inputs, batch_img_metas):
        return inputs

    def loss(self, inputs, data_samples):
        return dict(loss=inputs.sum())

    def predict(self, inputs, data_samples=None):
        return self.postprocess_result(inputs, data_samples)

    def _forward(self, inputs, data_samples=None):
        return inputs * 2


def sample(**metainfo):
    return SegDataSample(metainfo=metainfo)


def grid_logits(channels, height, width):
    """Logits whose values tell their position: c * 100 + y * 10 + x."""
    c = torch.arange(channels).view(-1, 1, 1) * 100.0
    y = torch.arange(height).view(1, -1, 1) * 10.0
    x = torch.arange(width).view(1, 1, -1) * 1.0
    return (c + y + x).unsqueeze(0)


def test_crop_uses_img_padding_size_before_padding_size():
    model = PostProcessOnly()
    logits = grid_logits(2, 4, 5)
    s = sample(
        ori_shape=(2, 3),
        img_padding_size=(1, 1, 0, 2),
        padding_size=(0, 0, 0, 0),
    )
    out = model.postprocess_result(logits, [s])[0]
    assert out is s
    expected = logits[0, :, 0:2, 1:4]
    assert torch.equal(out.seg_logits.data, expected)
    assert out.pred_sem_seg.data.tolist() == [[[1, 1, 1], [1, 1, 1]]]
    # training-style metainfo: padding_size
    s = sample(ori_shape=(3, 4), padding_size=(0, 1, 0, 1))
    out = model.postprocess_result(logits, [s])[0]
    assert torch.equal(out.seg_logits.data, logits[0, :, :3, :4])


@pytest.mark.parametrize(
    'direction, dims',
    [('horizontal', (2,)), ('vertical', (1,)), ('diagonal', (1, 2))],
)
def test_flip_is_undone(direction, dims):
    model = PostProcessOnly()
    logits = grid_logits(2, 3, 4)
    s = sample(ori_shape=(3, 4), flip=True, flip_direction=direction)
    out = model.postprocess_result(logits, [s])[0]
    assert torch.equal(out.seg_logits.data, logits[0].flip(dims=dims))


def test_bad_flip_direction():
    s = sample(ori_shape=(1, 1), flip=True, flip_direction='sideways')
    with pytest.raises(ValueError, match='flip_direction must be'):
        PostProcessOnly().postprocess_result(torch.zeros(1, 2, 1, 1), [s])
    with pytest.raises(KeyError, match='no "ori_shape"'):
        PostProcessOnly().postprocess_result(
            torch.zeros(1, 2, 1, 1), [sample()]
        )


def test_resize_to_ori_shape_after_crop_and_flip():
    model = PostProcessOnly()
    logits = torch.rand(1, 3, 6, 8)
    s = sample(
        ori_shape=(9, 11),
        img_padding_size=(0, 2, 0, 1),
        flip=True,
        flip_direction='horizontal',
    )
    out = model.postprocess_result(logits, [s])[0]
    expected = F.interpolate(
        logits[:, :, :5, :6].flip(3),
        size=(9, 11),
        mode='bilinear',
        align_corners=False,
    )[0]
    assert torch.equal(out.seg_logits.data, expected)
    assert torch.equal(out.pred_sem_seg.data, expected.argmax(0, keepdim=True))
    model.align_corners = True
    out = model.postprocess_result(logits, [sample(ori_shape=(12, 3))])[0]
    expected = F.interpolate(
        logits, size=(12, 3), mode='bilinear', align_corners=True
    )[0]
    assert torch.equal(out.seg_logits.data, expected)


def test_mixed_sizes_in_one_batch_keep_gt_and_metainfo():
    model = PostProcessOnly()
    logits = torch.rand(2, 2, 4, 4)
    gt = PixelData(data=torch.zeros(1, 4, 2, dtype=torch.uint8))
    first = sample(ori_shape=(4, 2), img_padding_size=(0, 2, 0, 0))
    first.gt_sem_seg = gt
    second = sample(ori_shape=(3, 4), img_padding_size=(0, 0, 0, 1))
    out = model.postprocess_result(logits, [first, second])
    assert out[0].seg_logits.shape == (4, 2)
    assert out[1].seg_logits.shape == (3, 4)
    assert torch.equal(out[1].seg_logits.data, logits[1, :, :3])
    assert out[0].gt_sem_seg is gt
    assert out[0].img_padding_size == (0, 2, 0, 0)


def test_one_channel_uses_sigmoid_and_threshold():
    model = PostProcessOnly()
    model.threshold = 0.5
    logits = torch.tensor([[[[-1.0, 0.0, 0.1, 3.0]]]], requires_grad=True)
    out = model.postprocess_result(logits * 1, [sample(ori_shape=(1, 4))])
    probs = out[0].seg_logits.data
    assert not probs.requires_grad
    assert torch.equal(probs, torch.sigmoid(logits.detach()[0]))
    assert out[0].pred_sem_seg.data.tolist() == [[[0, 0, 1, 1]]]
    assert out[0].pred_sem_seg.data.dtype == torch.int64


def test_without_samples_new_ones_hold_the_logits_as_they_are():
    model = PostProcessOnly()
    logits = grid_logits(3, 2, 2).repeat(2, 1, 1, 1)
    out = model.postprocess_result(logits)
    assert len(out) == 2 and all(isinstance(s, SegDataSample) for s in out)
    assert torch.equal(out[1].seg_logits.data, logits[1])
    assert out[1].pred_sem_seg.data.tolist() == [[[2, 2], [2, 2]]]
    with pytest.raises(ValueError, match='got 2 logits but 1 data_samples'):
        model.postprocess_result(logits, [sample(ori_shape=(2, 2))])


def test_forward_modes():
    model = PostProcessOnly()
    inputs = torch.ones(1, 2, 1, 1)
    assert model(inputs, mode='loss')['loss'].item() == 2.0
    assert torch.equal(model(inputs, mode='tensor'), inputs * 2)
    assert model(inputs, mode='predict')[0].pred_sem_seg.shape == (1, 1)
    with pytest.raises(RuntimeError, match='Invalid mode "train"'):
        model(inputs, mode='train')
    assert not model.with_neck and not model.with_auxiliary_head
    assert not model.with_decode_head


def test_channel_argmax_matches_argmax_and_picks_first_of_ties():
    gen = torch.Generator().manual_seed(0)
    logits = torch.randint(0, 4, (7, 16, 16), generator=gen).float()
    assert torch.equal(
        channel_argmax(logits), logits.argmax(dim=0, keepdim=True)
    )
    assert channel_argmax(torch.zeros(3, 1, 2)).tolist() == [[[0, 0]]]
