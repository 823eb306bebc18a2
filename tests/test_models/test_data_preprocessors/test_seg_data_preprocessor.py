# Copyright (c) mmflow_ext contributors. All rights reserved.
import pytest
import torch
import torch.nn.functional as F
from mmengine.structures import PixelData

from mmflow_ext.models.data_preprocessors.seg_data_preprocessor import (
    SegDataPreProcessor,
)
from mmflow_ext.registry import MODELS
from mmflow_ext.structures import SegDataSample


def make_sample(labels=None, **metainfo):
    sample = SegDataSample(metainfo=metainfo)
    if labels is not None:
        sample.gt_sem_seg = PixelData(data=labels)
    return sample


def hwc_view(chw):
    """The image as PackSegInputs hands it over: a CHW view of HWC data."""
    return chw.permute(1, 2, 0).contiguous().permute(2, 0, 1)


def test_train_batch_normalizes_converts_and_pads_by_hand():
    img = torch.tensor(
        [[[10, 20]], [[30, 40]], [[50, 60]]], dtype=torch.uint8
    )  # 3x1x2
    labels = torch.tensor([[[1, 2]]], dtype=torch.uint8)
    pre = SegDataPreProcessor(
        mean=[1.0, 2.0, 3.0],
        std=[2.0, 4.0, 8.0],
        bgr_to_rgb=True,
        size=(2, 3),
        pad_val=-1,
        seg_pad_val=7,
    )
    out = pre(
        dict(inputs=[hwc_view(img)], data_samples=[make_sample(labels)]),
        training=True,
    )
    # channels reversed first, then mean/std of the new order
    expected = torch.tensor(
        [
            [[(50 - 1) / 2, (60 - 1) / 2, -1], [-1, -1, -1]],
            [[(30 - 2) / 4, (40 - 2) / 4, -1], [-1, -1, -1]],
            [[(10 - 3) / 8, (20 - 3) / 8, -1], [-1, -1, -1]],
        ]
    )
    assert out['inputs'].dtype == torch.float32
    torch.testing.assert_close(out['inputs'][0], expected, rtol=0, atol=0)
    sample = out['data_samples'][0]
    assert sample.gt_sem_seg.data.dtype == torch.int64
    assert sample.gt_sem_seg.data.tolist() == [[[1, 2, 7], [7, 7, 7]]]
    assert sample.img_shape == (1, 2)
    assert sample.pad_shape == (2, 3)
    assert sample.padding_size == (0, 1, 0, 1)


def test_rgb_to_bgr_single_value_mean_and_no_normalization():
    img = torch.arange(6, dtype=torch.uint8).view(3, 1, 2)
    pre = SegDataPreProcessor(mean=[1.0], std=[0.5], rgb_to_bgr=True)
    out = pre(dict(inputs=[img]))['inputs'][0]
    assert out.tolist() == [[[6.0, 8.0]], [[2.0, 4.0]], [[-2.0, 0.0]]]
    plain = SegDataPreProcessor()(dict(inputs=[img]))['inputs'][0]
    assert plain.tolist() == img.float().tolist()
    # one-channel images are not converted
    gray = torch.tensor([[[4, 8]]], dtype=torch.uint8)
    conv = SegDataPreProcessor(bgr_to_rgb=True)(dict(inputs=[gray]))
    assert conv['inputs'].tolist() == [[[[4.0, 8.0]]]]


def reference(images, labels, size_hw, mean, std, pad_val, seg_pad_val):
    """The straightforward per-sample version (cast, normalize, pad)."""
    mean_t = torch.tensor(mean).view(-1, 1, 1)
    std_t = torch.tensor(std).view(-1, 1, 1)
    out_imgs, out_labels = [], []
    for img, lab in zip(images, labels):
        x = (img[[2, 1, 0]].float() - mean_t) / std_t
        pad = (0, size_hw[1] - x.shape[-1], 0, size_hw[0] - x.shape[-2])
        out_imgs.append(F.pad(x, pad, value=pad_val))
        out_labels.append(F.pad(lab.long(), pad, value=seg_pad_val))
    return torch.stack(out_imgs), out_labels


def test_bit_exact_with_reference_for_every_uint8_value():
    mean, std = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]
    gen = torch.Generator().manual_seed(0)
    # every value 0..255 in every channel, large enough for several blocks
    base = torch.arange(256, dtype=torch.uint8).repeat(3, 300, 3)
    images = [
        hwc_view(base[:, :300, :700]),
        torch.randint(0, 256, (3, 257, 768), dtype=torch.uint8, generator=gen),
    ]
    labels = [
        torch.randint(0, 19, (1, 300, 700), dtype=torch.uint8, generator=gen),
        torch.randint(0, 19, (1, 257, 768), dtype=torch.uint8, generator=gen),
    ]
    pre = SegDataPreProcessor(
        mean=mean, std=std, bgr_to_rgb=True, size_divisor=32, pad_val=3
    )
    out = pre(
        dict(inputs=images, data_samples=[make_sample(x) for x in labels]),
        training=True,
    )
    ref_imgs, ref_labels = reference(
        images, labels, (320, 768), mean, std, 3, 255
    )
    assert out['inputs'].shape == (2, 3, 320, 768)
    assert torch.equal(out['inputs'], ref_imgs)
    for sample, ref in zip(out['data_samples'], ref_labels):
        assert torch.equal(sample.gt_sem_seg.data, ref)
    assert [s.padding_size for s in out['data_samples']] == [
        (0, 68, 0, 20),
        (0, 0, 0, 63),
    ]


def test_float_inputs_match_reference():
    img = torch.rand(3, 5, 4, dtype=torch.float64) * 255
    pre = SegDataPreProcessor(mean=[1.5, 2.5, 3.5], std=[3.0, 7.0, 9.0])
    out = pre(dict(inputs=[img]))['inputs'][0]
    mean = torch.tensor([1.5, 2.5, 3.5]).view(-1, 1, 1)
    std = torch.tensor([3.0, 7.0, 9.0]).view(-1, 1, 1)
    assert torch.equal(out, (img.float() - mean) / std)


def test_train_without_size_pads_to_batch_maximum():
    images = [
        torch.ones(1, 2, 3, dtype=torch.uint8),
        torch.full((1, 3, 2), 2, dtype=torch.uint8),
    ]
    samples = [
        make_sample(torch.zeros(1, 2, 3, dtype=torch.uint8)),
        make_sample(torch.ones(1, 3, 2, dtype=torch.uint8)),
    ]
    out = SegDataPreProcessor()(
        dict(inputs=images, data_samples=samples), training=True
    )
    assert out['inputs'].tolist() == [
        [[[1, 1, 1], [1, 1, 1], [0, 0, 0]]],
        [[[2, 2, 0], [2, 2, 0], [2, 2, 0]]],
    ]
    assert out['data_samples'][1].gt_sem_seg.data.tolist() == [
        [[1, 1, 255], [1, 1, 255], [1, 1, 255]]
    ]
    assert [s.padding_size for s in out['data_samples']] == [
        (0, 0, 0, 1),
        (0, 1, 0, 0),
    ]
    assert [s.pad_shape for s in out['data_samples']] == [(3, 3), (3, 3)]


def test_edge_and_depth_maps_are_padded_too():
    sample = make_sample(torch.zeros(1, 1, 1, dtype=torch.uint8))
    sample.gt_edge_map = PixelData(data=torch.ones(1, 1, 1, dtype=torch.uint8))
    sample.gt_depth_map = PixelData(data=torch.full((1, 1, 1), 0.5))
    out = SegDataPreProcessor(size=(1, 2), seg_pad_val=9)(
        dict(inputs=[torch.zeros(1, 1, 1)], data_samples=[sample]),
        training=True,
    )['data_samples'][0]
    assert out.gt_edge_map.data.tolist() == [[[1, 9]]]
    assert out.gt_edge_map.data.dtype == torch.int64
    assert out.gt_depth_map.data.tolist() == [[[0.5, 9.0]]]
    assert out.gt_depth_map.data.dtype == torch.float32


def test_test_batch_of_mixed_sizes_records_padding():
    images = [
        torch.ones(1, 2, 3, dtype=torch.uint8),
        torch.ones(1, 4, 1, dtype=torch.uint8),
    ]
    labels = torch.zeros(1, 2, 3, dtype=torch.uint8)
    samples = [make_sample(labels), make_sample()]
    out = SegDataPreProcessor(mean=[0.0], std=[1.0])(
        dict(inputs=images, data_samples=samples)
    )
    assert out['inputs'].shape == (2, 1, 4, 3)
    assert out['inputs'][1, 0].tolist() == [[1, 0, 0]] * 4
    first, second = out['data_samples']
    assert first.img_padding_size == (0, 0, 0, 2)
    assert second.img_padding_size == (0, 2, 0, 0)
    assert first.pad_shape == second.pad_shape == (4, 3)
    # test labels are kept as they are (no padding, no widening)
    assert first.gt_sem_seg.data is labels
    assert 'padding_size' not in first


def test_test_cfg_size_divisor_and_size():
    img = torch.ones(1, 5, 6, dtype=torch.uint8)
    pre = SegDataPreProcessor(test_cfg=dict(size_divisor=4))
    out = pre(dict(inputs=[img], data_samples=[make_sample()]))
    assert out['inputs'].shape == (1, 1, 8, 8)
    assert out['data_samples'][0].img_padding_size == (0, 2, 0, 3)
    pre = SegDataPreProcessor(test_cfg=dict(size=(6, 7), pad_val=5))
    out = pre(dict(inputs=[img]))
    assert out['data_samples'] is None  # works without samples
    assert out['inputs'][0, 0, 5].tolist() == [5.0] * 7


def test_callers_samples_are_not_mutated():
    labels = torch.tensor([[[1]]], dtype=torch.uint8)
    sample = make_sample(labels, img_shape=(1, 1))
    data = dict(
        inputs=[torch.zeros(1, 1, 1, dtype=torch.uint8)], data_samples=[sample]
    )
    out = SegDataPreProcessor(size=(2, 2))(data, training=True)
    assert out['data_samples'][0] is not sample
    assert sample.gt_sem_seg.data is labels
    assert sample.gt_sem_seg.data.dtype == torch.uint8
    assert set(sample.metainfo_keys()) == {'img_shape'}
    assert out['data_samples'][0].gt_sem_seg.shape == (2, 2)


class AddOne:
    """A batch augment that adds one to the inputs."""

    def __call__(self, inputs, data_samples):
        return inputs + 1, data_samples


def test_batch_augments_from_configs_and_callables():
    if 'TestAddOneAugment' not in MODELS.module_dict:
        MODELS.register_module('TestAddOneAugment', module=AddOne)
    pre = SegDataPreProcessor(
        batch_augments=[dict(type='TestAddOneAugment'), AddOne()]
    )
    data = dict(inputs=[torch.zeros(1, 1, 2)])
    assert pre(data, training=True)['inputs'].tolist() == [[[[2.0, 2.0]]]]
    assert pre(data, training=False)['inputs'].tolist() == [[[[0.0, 0.0]]]]
    with pytest.raises(TypeError, match='must be config dicts or callables'):
        SegDataPreProcessor(batch_augments=[3])


def test_stacked_tensor_inputs_are_accepted():
    batch = torch.arange(8, dtype=torch.uint8).view(2, 1, 2, 2)
    out = SegDataPreProcessor()(dict(inputs=batch))['inputs']
    assert torch.equal(out, batch.float())


@pytest.mark.parametrize(
    'kwargs, error, match',
    [
        (dict(mean=[1.0]), ValueError, 'mean and std must be given together'),
        (
            dict(mean=[1.0, 2.0], std=[1.0]),
            ValueError,
            r'mean \(2 values\) and std \(1 values\)',
        ),
        (dict(bgr_to_rgb=True, rgb_to_bgr=True), ValueError, 'cannot both'),
        (
            dict(size=(4, 4), size_divisor=2),
            ValueError,
            'give only one of size',
        ),
        (
            dict(test_cfg=dict(size=(4, 4), size_divisor=2)),
            ValueError,
            r'test_cfg: give only one of size',
        ),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        SegDataPreProcessor(**kwargs)


def test_bad_batches():
    pre = SegDataPreProcessor(mean=[1.0, 2.0], std=[1.0, 1.0])
    with pytest.raises(
        ValueError,
        match='mean/std have 2 values but the images have 3 channels',
    ):
        pre(dict(inputs=[torch.zeros(3, 2, 2)]))
    with pytest.raises(ValueError, match='inputs\\[1\\] has 1 channels'):
        SegDataPreProcessor()(
            dict(inputs=[torch.zeros(3, 2, 2), torch.zeros(1, 2, 2)])
        )
    with pytest.raises(ValueError, match='got 1 inputs but 2 data_samples'):
        SegDataPreProcessor()(
            dict(
                inputs=[torch.zeros(1, 2, 2)],
                data_samples=[make_sample(), make_sample()],
            )
        )
    bad = make_sample(torch.zeros(1, 3, 3, dtype=torch.uint8))
    with pytest.raises(
        ValueError,
        match=r"gt_sem_seg of data sample 1 must "
        r"be C×H×W with its image's H×W \(2, 2\), got shape "
        r"\(1, 3, 3\)",
    ):
        SegDataPreProcessor()(
            dict(
                inputs=[torch.zeros(1, 3, 3), torch.zeros(1, 2, 2)],
                data_samples=[make_sample(), bad],
            ),
            training=True,
        )
    two = make_sample(torch.zeros(2, 2, 2, dtype=torch.uint8))
    with pytest.raises(
        ValueError,
        match=r'gt_sem_seg maps of one batch must '
        r'have one channel count, got \[1, 2\]',
    ):
        SegDataPreProcessor()(
            dict(
                inputs=[torch.zeros(1, 2, 2), torch.zeros(1, 2, 2)],
                data_samples=[
                    make_sample(torch.zeros(1, 2, 2, dtype=torch.uint8)),
                    two,
                ],
            ),
            training=True,
        )
    with pytest.raises(ValueError, match='inputs\\[0\\] must be a C×H×W'):
        SegDataPreProcessor()(dict(inputs=[torch.zeros(2, 2)]))


def test_std_containing_zero_is_refused_when_built():
    with pytest.raises(
        ValueError,
        match=r'SegDataPreProcessor: std must not contain 0, got '
        r'std=\[58\.395, 0\.0, 57\.375\]',
    ):
        SegDataPreProcessor(
            mean=[123.675, 116.28, 103.53], std=[58.395, 0.0, 57.375]
        )


def test_metainfo_forms_follow_the_padding_contract():
    pre = SegDataPreProcessor(size_divisor=4, test_cfg=dict(size_divisor=4))
    images = [torch.zeros(1, 3, 5), torch.zeros(1, 6, 2)]
    train = pre(
        dict(
            inputs=images,
            data_samples=[
                make_sample(torch.zeros(1, 3, 5, dtype=torch.uint8)),
                make_sample(torch.zeros(1, 6, 2, dtype=torch.uint8)),
            ],
        ),
        training=True,
    )['data_samples']
    test = pre(
        dict(inputs=images, data_samples=[make_sample(), make_sample()])
    )['data_samples']
    for train_sample, test_sample, expected in zip(
        train, test, [(0, 3, 0, 5), (0, 6, 0, 2)]
    ):
        # MMSegmentation's forms: int tuples, (h, w) pad_shape
        assert train_sample.padding_size == expected
        assert type(train_sample.padding_size) is tuple
        assert all(type(v) is int for v in train_sample.padding_size)
        assert test_sample.img_padding_size == expected
        assert train_sample.pad_shape == test_sample.pad_shape == (8, 8)
