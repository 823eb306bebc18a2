# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Properties of the segmentation data flow on random inputs: packing keeps
every value, preprocessing is undone by cropping, post-processing undoes
padding, flips and resizing."""

import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from mmengine.structures import PixelData

from mmflow_ext.models.segmentors.base import BaseSegmentor
from mmflow_ext.registry import MODELS, TRANSFORMS
from mmflow_ext.structures import SegDataSample
from mmflow_ext.structures.padding import crop_padding, sample_padding

SETTINGS = settings(max_examples=30, deadline=None)
IMAGE_DTYPES = (np.uint8, np.uint16, np.float32)


@st.composite
def images(draw, channels=st.sampled_from([0, 1, 3, 4])):
    """An image array: ``(H, W)`` when channels is 0, else ``(H, W, C)``."""
    height, width = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    c = draw(channels)
    dtype = draw(st.sampled_from(IMAGE_DTYPES))
    shape = (height, width) if c == 0 else (height, width, c)
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    if dtype == np.float32:
        return rng.uniform(-5, 300, shape).astype(np.float32)
    return rng.integers(
        0, np.iinfo(dtype).max, shape, endpoint=True, dtype=dtype
    )


@SETTINGS
@given(
    img=images(),
    label_high=st.sampled_from([4, 255, 300, 70000]),
    seed=st.integers(0, 1000),
)
def test_pack_seg_inputs_keeps_every_value(img, label_high, seed):
    labels = (
        np.random.default_rng(seed)
        .integers(0, label_high, img.shape[:2], endpoint=True)
        .astype(np.int64)
    )
    expected_img = img.copy()
    packed = TRANSFORMS.build(dict(type='PackSegInputs'))(
        dict(img=img, gt_seg_map=labels, img_shape=img.shape[:2])
    )
    inputs = packed['inputs']
    chw = (
        expected_img[None]
        if expected_img.ndim == 2
        else expected_img.transpose(2, 0, 1)
    )
    assert inputs.dtype == torch.from_numpy(expected_img).dtype
    assert np.array_equal(inputs.numpy(), chw)
    gt = packed['data_samples'].gt_sem_seg.data
    assert np.array_equal(gt[0].numpy(), labels)
    high = int(labels.max())
    expected_dtype = (
        torch.uint8
        if high <= 255
        else torch.int16
        if high <= 32767
        else torch.int32
    )
    assert gt.dtype == expected_dtype


@st.composite
def seg_batches(draw):
    channels = draw(st.sampled_from([1, 3]))
    count = draw(st.integers(1, 3))
    dtype = draw(st.sampled_from([torch.uint8, torch.float32]))
    gen = torch.Generator().manual_seed(draw(st.integers(0, 10000)))
    batch = []
    for _ in range(count):
        h, w = draw(st.integers(1, 7)), draw(st.integers(1, 7))
        img = torch.randint(0, 256, (channels, h, w), generator=gen)
        labels = torch.randint(0, 6, (1, h, w), generator=gen)
        batch.append((img.to(dtype), labels.to(torch.uint8)))
    mean = [draw(st.floats(0, 255, width=32)) for _ in range(channels)]
    std = [draw(st.floats(0.5, 80, width=32)) for _ in range(channels)]
    return batch, mean, std


@SETTINGS
@given(
    data=seg_batches(),
    divisor=st.sampled_from([None, 1, 4, 5]),
    bgr_to_rgb=st.booleans(),
    pad_val=st.sampled_from([0, -3.5]),
)
def test_seg_preprocessor_crop_undoes_padding(
    data, divisor, bgr_to_rgb, pad_val
):
    batch, mean, std = data
    pre = MODELS.build(
        dict(
            type='SegDataPreProcessor',
            mean=mean,
            std=std,
            size_divisor=divisor,
            bgr_to_rgb=bgr_to_rgb,
            pad_val=pad_val,
            seg_pad_val=255,
        )
    )
    samples = []
    for _, labels in batch:
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(data=labels)
        samples.append(sample)
    out = pre(
        dict(inputs=[img for img, _ in batch], data_samples=samples),
        training=True,
    )
    inputs = out['inputs']
    height = max(img.shape[1] for img, _ in batch)
    width = max(img.shape[2] for img, _ in batch)
    if divisor:
        height, width = (
            -(-height // divisor) * divisor,
            -(-width // divisor) * divisor,
        )
    assert inputs.shape[-2:] == (height, width)
    m = torch.tensor(mean, dtype=torch.float32).view(-1, 1, 1)
    s = torch.tensor(std, dtype=torch.float32).view(-1, 1, 1)
    for i, ((img, labels), sample) in enumerate(
        zip(batch, out['data_samples'])
    ):
        h, w = img.shape[1:]
        if bgr_to_rgb and img.shape[0] == 3:
            img = img.flip(0)
        expected = (img.float() - m) / s
        assert torch.equal(inputs[i, :, :h, :w], expected)
        assert bool((inputs[i, :, h:] == pad_val).all())
        assert bool((inputs[i, :, :, w:] == pad_val).all())
        gt = sample.gt_sem_seg.data
        assert gt.dtype == torch.int64
        assert torch.equal(gt[:, :h, :w], labels.long())
        assert bool((gt[:, h:] == 255).all() and (gt[:, :, w:] == 255).all())
        assert sample.padding_size == (0, width - w, 0, height - h)
        assert sample.img_shape == (h, w)
        # the recorded padding, read back by the contract, crops exactly
        padding = sample_padding(sample.metainfo)
        assert torch.equal(
            crop_padding(inputs[i], padding, sample.pad_shape), expected
        )
        assert torch.equal(crop_padding(gt, padding), labels.long())


class LogitsOnly(BaseSegmentor):
    """The smallest segmentor: only its post-processing is used."""

    def extract_feat(self, inputs):
        return [inputs]

    def encode_decode(self, inputs, batch_data_samples):
        return inputs

    def loss(self, inputs, data_samples):
        return {}

    def predict(self, inputs, data_samples=None):
        return self.postprocess_result(inputs, data_samples)

    def _forward(self, inputs, data_samples=None):
        return inputs


FLIP_DIMS = {
    None: (),
    'horizontal': (2,),
    'vertical': (1,),
    'diagonal': (1, 2),
}


@SETTINGS
@given(
    classes=st.sampled_from([1, 2, 5]),
    height=st.integers(1, 8),
    width=st.integers(1, 8),
    bottom=st.integers(0, 4),
    right=st.integers(0, 4),
    flip=st.sampled_from(list(FLIP_DIMS)),
    ori=st.sampled_from([None, (3, 5), (11, 6)]),
    test_key=st.booleans(),
    seed=st.integers(0, 1000),
)
def test_postprocess_result_inverts_pad_flip_and_resize(
    classes, height, width, bottom, right, flip, ori, test_key, seed
):
    logits = torch.randn(
        classes, height, width, generator=torch.Generator().manual_seed(seed)
    )
    seen = logits.flip(FLIP_DIMS[flip]) if flip else logits
    padded = F.pad(seen, (0, right, 0, bottom), value=1e4)[None]
    ori_shape = ori or (height, width)
    meta = dict(
        ori_shape=ori_shape, flip=flip is not None, flip_direction=flip
    )
    meta['img_padding_size' if test_key else 'padding_size'] = (
        0,
        right,
        0,
        bottom,
    )
    sample = SegDataSample(metainfo=meta)
    result = LogitsOnly().postprocess_result(padded, [sample])[0]

    expected = logits
    if tuple(ori_shape) != (height, width):
        expected = F.interpolate(
            logits[None], ori_shape, mode='bilinear', align_corners=False
        )[0]
    if classes == 1:
        assert torch.equal(result.seg_logits.data, expected.sigmoid())
        assert torch.equal(
            result.pred_sem_seg.data, (expected.sigmoid() > 0.3).long()
        )
    else:
        assert torch.equal(result.seg_logits.data, expected)
        assert torch.equal(
            result.pred_sem_seg.data, expected.argmax(0, keepdim=True)
        )
