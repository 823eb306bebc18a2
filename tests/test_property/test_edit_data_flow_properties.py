# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Properties of the editing data flow: ``DataSample`` stack/split and the
preprocessor's normalize -> destruct round trip."""

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from mmflow_ext.registry import MODELS
from mmflow_ext.structures import DataSample

SETTINGS = settings(max_examples=25, deadline=None)


@SETTINGS
@given(
    count=st.integers(1, 4),
    channels=st.sampled_from([1, 3]),
    height=st.integers(1, 6),
    width=st.integers(1, 6),
    with_label=st.booleans(),
    seed=st.integers(0, 1000),
)
def test_data_sample_stack_split_round_trip(
    count, channels, height, width, with_label, seed
):
    gen = torch.Generator().manual_seed(seed)
    samples = []
    for i in range(count):
        fields = dict(
            gt_img=torch.randint(
                0,
                256,
                (channels, height, width),
                generator=gen,
                dtype=torch.uint8,
            ),
            metainfo=dict(gt_path=f'gt/{i:04d}.png', sample_idx=i),
        )
        sample = DataSample(**fields)
        if with_label:
            sample.set_gt_label(int(torch.randint(0, 5, (), generator=gen)))
        samples.append(sample)
    batch = DataSample.stack(samples)
    assert len(batch) == count
    parts = batch.split()
    assert len(parts) == count
    for original, part in zip(samples, parts):
        assert torch.equal(part.gt_img, original.gt_img)
        assert part.metainfo == original.metainfo
        if with_label:
            assert torch.equal(part.gt_label.label, original.gt_label.label)
        else:
            assert 'gt_label' not in part


@st.composite
def edit_batches(draw):
    channels = draw(st.sampled_from([1, 3]))
    count = draw(st.integers(1, 3))
    same_size = draw(st.booleans())
    gen = torch.Generator().manual_seed(draw(st.integers(0, 10000)))
    shape = (draw(st.integers(1, 7)), draw(st.integers(1, 7)))
    images = []
    for _ in range(count):
        if not same_size:
            shape = (draw(st.integers(1, 7)), draw(st.integers(1, 7)))
        images.append(
            torch.randint(
                0, 256, (channels,) + shape, generator=gen, dtype=torch.uint8
            )
        )
    return images


@SETTINGS
@given(
    images=edit_batches(),
    mean=st.sampled_from([None, 127.5, 'rgb']),
    divisor=st.sampled_from([1, 4]),
    order=st.sampled_from([None, 'RGB', 'BGR']),
)
def test_edit_preprocessor_normalize_then_destruct_round_trip(
    images, mean, divisor, order
):
    channels = images[0].shape[0]
    if mean == 'rgb':
        mean, std = (
            ([10.0, 120.0, 200.0], [50.0, 60.0, 70.0])
            if channels == 3
            else (33.0, 12.0)
        )
    else:
        std = None if mean is None else 127.5
    pre = MODELS.build(
        dict(
            type='DataPreprocessor',
            mean=mean,
            std=std,
            pad_size_divisor=divisor,
            output_channel_order=order,
            data_keys=None,
        )
    )
    samples = [DataSample() for _ in images]
    out = pre(dict(inputs=images, data_samples=samples))
    restored = pre.destruct(out['inputs'], out['data_samples'])
    if isinstance(restored, torch.Tensor):
        restored = list(restored)
    assert len(restored) == len(images)
    for original, back in zip(images, restored):
        assert back.shape == original.shape
        assert back.dtype == torch.float32
        np.testing.assert_allclose(
            back.numpy(), original.float().numpy(), atol=1e-3
        )


@SETTINGS
@given(
    images=edit_batches(),
    frames=st.sampled_from([0, 2]),
    divisor=st.sampled_from([1, 4]),
    scale=st.sampled_from([1, 2, 3]),
    as_tensor=st.booleans(),
)
def test_edit_destruct_crops_upscaled_outputs_to_the_content(
    images, frames, divisor, scale, as_tensor
):
    """An output ``scale`` times the padded input (nearest upsampling)
    comes back as the upsampled image, for images and (T, C, H, W)
    videos, stacked tensors or lists."""
    if frames:
        images = [img[None].repeat(frames, 1, 1, 1) for img in images]
    if as_tensor:
        images = [images[0]] * len(images)
    pre = MODELS.build(
        dict(
            type='DataPreprocessor',
            mean=None,
            std=None,
            pad_size_divisor=divisor,
            data_keys=None,
        )
    )
    inputs = torch.stack(images) if as_tensor else images
    out = pre(dict(inputs=inputs, data_samples=[DataSample() for _ in images]))
    batch = out['inputs']
    expected_values = 3 if as_tensor else images[0].ndim
    for padding in out['data_samples'].padding_size:
        assert padding.shape == (expected_values,)

    def upscale(x):
        flat = x.reshape((-1,) + tuple(x.shape[-3:]))
        up = torch.nn.functional.interpolate(flat.float(), scale_factor=scale)
        return up.reshape(tuple(x.shape[:-2]) + tuple(up.shape[-2:]))

    restored = pre.destruct(upscale(batch), out['data_samples'])
    if isinstance(restored, torch.Tensor):
        restored = list(restored)
    assert len(restored) == len(images)
    for original, back in zip(images, restored):
        assert torch.equal(back, upscale(original))
