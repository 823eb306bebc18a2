# Copyright (c) mmflow_ext contributors. All rights reserved.
import pytest
import torch

from mmflow_ext.models.data_preprocessors import data_preprocessor
from mmflow_ext.models.data_preprocessors.data_preprocessor import (
    DataPreprocessor,
)
from mmflow_ext.registry import MODELS
from mmflow_ext.structures import DataSample


def _img(h, w, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (3, h, w), dtype=torch.uint8, generator=gen)


def _rgb_sample(gt=None):
    meta = dict(img_channel_order='rgb', gt_channel_order='rgb')
    sample = DataSample(metainfo=meta)
    if gt is not None:
        sample.gt_img = gt
    return sample


def test_registered_name():
    assert MODELS.get('DataPreprocessor') is DataPreprocessor


def test_tensor_inputs_normalized_and_recorded():
    pre = DataPreprocessor(data_keys=None)
    batch = torch.stack([_img(4, 4, 0), _img(4, 4, 1)])
    out = pre(dict(inputs=batch))
    expected = (batch.float() - 127.5) / 127.5
    assert torch.equal(out['inputs'], expected)
    samples = out['data_samples']
    assert [p.tolist() for p in samples.padding_size] == [[0, 0, 0]] * 2
    assert samples.img_output_channel_order == ['BGR', 'BGR']
    with pytest.raises(ValueError, match=r'\(N, C, H, W\).*\(3, 4, 4\)'):
        pre(dict(inputs=batch[0]))


def test_list_inputs_padded_per_sample_and_converted():
    pre = DataPreprocessor(
        mean=[0, 0, 0],
        std=[1, 2, 4],
        pad_size_divisor=4,
        output_channel_order='BGR',
        data_keys=None,
    )
    small, big = _img(3, 5, 0), _img(6, 8, 1)
    out = pre(
        dict(inputs=[small, big], data_samples=[_rgb_sample(), _rgb_sample()])
    )
    inputs, samples = out['inputs'], out['data_samples']
    assert inputs.shape == (2, 3, 8, 8)
    std = torch.tensor([1.0, 2.0, 4.0]).view(3, 1, 1)
    assert torch.equal(inputs[0, :, :3, :5], small.flip(0).float() / std)
    assert torch.equal(inputs[1, :, :6, :8], big.flip(0).float() / std)
    assert inputs[0, :, 3:].abs().sum() == 0
    assert [p.tolist() for p in samples.padding_size] == [[0, 5, 3], [0, 2, 0]]
    assert samples.img_output_channel_order == ['BGR', 'BGR']


def test_pad_value_is_the_same_pixel_on_every_path():
    pre = DataPreprocessor(pad_size_divisor=8, pad_value=10, data_keys=None)
    img = _img(5, 6)
    from_tensor = pre(dict(inputs=img[None]))['inputs']
    from_list = pre(dict(inputs=[img]))['inputs']
    assert torch.equal(from_tensor, from_list)
    assert from_tensor[0, :, 7, 7].tolist() == pytest.approx(
        [(10 - 127.5) / 127.5] * 3
    )
    reflect = DataPreprocessor(
        pad_size_divisor=8, pad_mode='reflect', data_keys=None
    )
    padded = reflect(dict(inputs=[img]))['inputs'][0]
    assert torch.equal(padded[:, 5, :6], padded[:, 3, :6])


def test_dict_inputs_noise_and_non_concatenate_keys_pass():
    pre = DataPreprocessor(non_image_keys='cond', data_keys=None)
    noise = torch.randn(2, 8)
    out = pre(
        dict(
            inputs=dict(
                img=[_img(4, 4), _img(4, 4, 1)],
                noise=noise,
                cond=[torch.ones(2), torch.zeros(2)],
                num_batches=[2, 2],
                sample_kwargs=None,
            )
        )
    )
    inputs = out['inputs']
    assert inputs['img'].shape == (2, 3, 4, 4)
    assert inputs['noise'] is noise
    assert inputs['cond'].tolist() == [[1.0, 1.0], [0.0, 0.0]]
    assert inputs['num_batches'] == 2 and inputs['sample_kwargs'] is None
    gan_only = pre(dict(inputs=[dict(num_batches=3), dict(num_batches=3)]))
    assert gan_only['inputs'] == dict(num_batches=3)
    with pytest.raises(ValueError, match='"num_batches" must hold one value'):
        pre(dict(inputs=dict(num_batches=[2, 3])))
    with pytest.raises(ValueError, match='padded differently'):
        DataPreprocessor(pad_size_divisor=1, data_keys=None)(
            dict(
                inputs=dict(
                    img=[_img(4, 4), _img(4, 6)], ref=[_img(4, 6), _img(4, 6)]
                )
            )
        )


def test_key_lists_do_not_leak_between_instances():
    DataPreprocessor(non_image_keys=['extra'], non_concentate_keys='mode2')
    fresh = DataPreprocessor()
    assert fresh._NON_IMAGE_KEYS == ['noise']
    assert 'mode2' not in fresh._NON_CONCATENATE_KEYS
    assert DataPreprocessor._NON_IMAGE_KEYS == ('noise',)


def test_data_keys_training_vs_testing_and_enable_norm():
    gt = _img(4, 4, 3)
    pre = DataPreprocessor(output_channel_order='BGR')
    train = pre(
        dict(inputs=[_img(2, 2)], data_samples=[_rgb_sample(gt)]),
        training=True,
    )['data_samples']
    assert torch.equal(train.gt_img[0], (gt.flip(0).float() - 127.5) / 127.5)
    assert train.gt_img_enable_norm == [True]
    assert train.gt_img_output_channel_order == ['BGR']
    test = pre(
        dict(inputs=[_img(2, 2)], data_samples=[_rgb_sample(gt)]),
        training=False,
    )['data_samples']
    assert test.gt_img.dtype == torch.uint8
    assert torch.equal(test.gt_img[0], gt.flip(0))
    assert test.gt_img_enable_norm == [False]
    assert test.gt_img_mean == [None]


@pytest.mark.parametrize('stack', [True, False])
@pytest.mark.parametrize(
    'gt_dtype, mean, std',
    [
        (torch.uint8, 0.0, 255.0),  # OpenCV planes, one division
        (torch.uint8, [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]),
        (torch.float32, 127.5, 127.5),  # blocks
        (torch.float64, 127.5, 127.5),  # stays float64
    ],
)
def test_training_gt_is_normalized_as_upstream_into_the_stacked_batch(
    stack, gt_dtype, mean, std
):
    """Each gt_img equals ``(flip(gt) - mean) / std`` (MMagic's numbers),
    written straight into the stacked batch or one tensor per sample; the
    caller's samples keep their own values."""
    gts = [_img(5, 6, seed).to(gt_dtype) for seed in range(3)]
    samples = [_rgb_sample(gt.clone()) for gt in gts]
    pre = DataPreprocessor(
        mean=mean,
        std=std,
        output_channel_order='BGR',
        stack_data_sample=stack,
    )
    out = pre(
        dict(inputs=[_img(5, 6) for _ in gts], data_samples=samples),
        training=True,
    )['data_samples']
    mean_t = torch.tensor(mean, dtype=torch.float32).view(-1, 1, 1)
    std_t = torch.tensor(std, dtype=torch.float32).view(-1, 1, 1)
    expected = [(gt.flip(0) - mean_t) / std_t for gt in gts]
    if gt_dtype == torch.uint8:
        expected = [(gt.flip(0).float() - mean_t) / std_t for gt in gts]
    if stack:
        assert torch.equal(out.gt_img, torch.stack(expected))
        assert out.gt_img.dtype == expected[0].dtype
    else:
        for sample, want in zip(out, expected):
            assert sample.gt_img.dtype == want.dtype
            assert torch.equal(sample.gt_img, want)
    for sample, gt in zip(samples, gts):
        assert sample.gt_img.dtype == gt_dtype
        assert torch.equal(sample.gt_img, gt)


def test_missing_data_key_skips_only_that_key():
    pre = DataPreprocessor(data_keys=['mask', 'gt_img'])
    gt = _img(2, 2)
    out = pre(
        dict(inputs=[_img(2, 2)], data_samples=[DataSample(gt_img=gt)]),
        training=True,
    )['data_samples']
    assert torch.equal(out.gt_img[0], (gt.float() - 127.5) / 127.5)
    assert 'mask_enable_norm' not in out


def test_stack_data_sample_off_keeps_list():
    pre = DataPreprocessor(stack_data_sample=False)
    samples = pre(
        dict(inputs=[_img(2, 2)], data_samples=[DataSample(gt_img=_img(2, 2))])
    )['data_samples']
    assert isinstance(samples, list) and len(samples) == 1


@pytest.mark.parametrize(
    'mean,std',
    [(127.5, 127.5), ([123.675, 116.28, 103.53], [58.395, 57.12, 57.375])],
)
def test_destruct_round_trip(mean, std):
    pre = DataPreprocessor(
        mean=mean,
        std=std,
        pad_size_divisor=8,
        output_channel_order='RGB',
        data_keys=None,
    )
    imgs = [_img(5, 7, 0), _img(5, 7, 1)]
    out = pre(dict(inputs=imgs, data_samples=[DataSample(), DataSample()]))
    restored = pre.destruct(out['inputs'], out['data_samples'])
    assert restored.shape == (2, 3, 5, 7)
    expected = torch.stack(imgs).float()
    if mean == 127.5:
        assert torch.equal(restored, expected)
    assert torch.equal(restored.round().to(torch.uint8), torch.stack(imgs))
    single = pre.destruct(out['inputs'][1], out['data_samples'].split()[1])
    assert torch.equal(single.round(), expected[1])


def test_destruct_clamps_and_crops_each_sample():
    pre = DataPreprocessor(
        pad_size_divisor=1, data_keys=None, stack_data_sample=False
    )
    out = pre(dict(inputs=[_img(3, 3), _img(2, 4)]))
    restored = pre.destruct(out['inputs'] * 3, out['data_samples'])
    assert [tuple(t.shape) for t in restored] == [(3, 3, 3), (3, 2, 4)]
    assert min(t.min() for t in restored) >= 0
    assert max(t.max() for t in restored) <= 255
    assert torch.equal(
        pre.destruct(torch.zeros(1, 3, 2, 2)), torch.full((1, 3, 2, 2), 127.5)
    )


def test_destruct_scales_the_padding_of_upscaled_outputs():
    pre = DataPreprocessor(
        pad_size_divisor=1, data_keys=None, stack_data_sample=False
    )
    out = pre(dict(inputs=[_img(10, 12), _img(7, 15)]))
    assert [s.pad_shape for s in out['data_samples']] == [(10, 15)] * 2
    upscaled = torch.nn.functional.interpolate(out['inputs'], scale_factor=2)
    restored = pre.destruct(upscaled, out['data_samples'])
    assert [tuple(t.shape) for t in restored] == [(3, 20, 24), (3, 14, 30)]


def test_bad_arguments():
    with pytest.raises(ValueError, match="output_channel_order must be"):
        DataPreprocessor(output_channel_order='rgb')
    with pytest.raises(ValueError, match='pad_mode must be one of'):
        DataPreprocessor(pad_mode='edge')
    with pytest.raises(ValueError, match='mean must have 1 or 3 values'):
        DataPreprocessor(mean=[1, 2])
    with pytest.raises(TypeError, match='inputs must be a Tensor'):
        DataPreprocessor()(dict(inputs='abc'))
    with pytest.raises(ValueError, match='mean/std have 3 values'):
        DataPreprocessor(mean=[0, 0, 0], std=[1, 1, 1])(
            dict(inputs=[torch.zeros(1, 2, 2)])
        )


def test_std_containing_zero_is_refused_when_built():
    with pytest.raises(
        ValueError,
        match=r'DataPreprocessor: std must not contain 0, got '
        r'std=\[1, 0, 1\]',
    ):
        DataPreprocessor(mean=[0, 0, 0], std=[1, 0, 1])
    with pytest.raises(ValueError, match='got std=0'):
        MODELS.build(dict(type='DataPreprocessor', mean=0, std=0))


def test_video_padding_size_has_the_shape_mmagic_writes():
    pre = DataPreprocessor(pad_size_divisor=4, data_keys=None)
    video = torch.randint(0, 256, (2, 5, 3, 6, 7), dtype=torch.uint8)
    out = pre(dict(inputs=video))
    assert out['inputs'].shape == (2, 5, 3, 8, 8)
    # one batch tensor: 3 values (0, bottom, right), also for 5-D batches
    assert [p.tolist() for p in out['data_samples'].padding_size] == [
        [0, 2, 1]
    ] * 2
    assert out['data_samples'].pad_shape == [(8, 8)] * 2
    assert torch.equal(
        out['inputs'][:, :, :, :6, :7], (video.float() - 127.5) / 127.5
    )
    assert (out['inputs'][:, :, :, 6:] == -1).all()
    # a list of (T, C, H, W) samples: one value per dimension of a sample
    frames = [video[0], video[1, :, :, :5]]
    listed = pre(dict(inputs=frames))['data_samples'].padding_size
    assert [p.tolist() for p in listed] == [[0, 0, 2, 1], [0, 0, 3, 1]]
    restored = pre.destruct(out['inputs'], out['data_samples'])
    assert torch.equal(restored, video.float())


def test_destruct_reads_only_the_samples_no_state_from_forward(monkeypatch):
    first = DataPreprocessor(
        pad_size_divisor=4, output_channel_order='RGB', data_keys=None
    )
    imgs = [_img(5, 6, 0), _img(3, 7, 1)]
    out = first(dict(inputs=imgs, data_samples=[_rgb_sample(), _rgb_sample()]))
    # another instance that never ran forward undoes the same batch
    fresh = DataPreprocessor(
        pad_size_divisor=4, output_channel_order='RGB', data_keys=None
    )
    for pre in (first, fresh):
        restored = pre.destruct(out['inputs'], out['data_samples'])
        assert [
            torch.equal(r, i.flip(0).float()) for r, i in zip(restored, imgs)
        ] == [True, True]
    assert not hasattr(fresh, '_done_padding')
    # samples that did not go through forward: uncropped, warned once
    logged = []
    monkeypatch.setattr(
        data_preprocessor, 'print_log', lambda msg, *args: logged.append(msg)
    )
    for _ in range(2):
        plain = fresh.destruct(out['inputs'], [DataSample(), DataSample()])
        assert plain.shape == out['inputs'].shape
    assert logged == [
        'No "padding_size" in the data samples; outputs are '
        'returned uncropped.'
    ]


def test_mixed_size_destruct_returns_per_sample_crops():
    # the cases of MMagic's own test of _destruct_padding(same_padding=
    # False): 2-value padding sizes (bottom, right)
    pre = DataPreprocessor(mean=None, std=None)
    batch = torch.randint(0, 255, (2, 3, 5, 5)).float()
    samples = [
        DataSample(metainfo=dict(padding_size=torch.FloatTensor([2, 0]))),
        DataSample(metainfo=dict(padding_size=torch.FloatTensor([0, 2]))),
    ]
    for given in (samples, DataSample.stack(samples)):
        out = pre.destruct(batch, given)
        assert isinstance(out, list)
        assert [tuple(t.shape) for t in out] == [(3, 3, 5), (3, 5, 3)]
        assert torch.equal(out[1], batch[1, :, :, :3])
    single = pre.destruct(batch[0], samples[0])
    assert single.shape == (3, 3, 5)
    assert pre.destruct(batch, DataSample()).shape == (2, 3, 5, 5)


def test_input_view_and_output_view():
    # LIIF's configuration: inputs normalized per channel, outputs given as
    # (N, H*W, C) coordinates-by-colour tensors
    mean, std = [10.0, 20.0, 30.0], [2.0, 4.0, 8.0]
    pre = DataPreprocessor(
        mean=mean,
        std=std,
        input_view=(-1, 1, 1),
        output_view=(1, -1),
        pad_size_divisor=4,
        pad_value=6,
        data_keys=None,
    )
    img = _img(3, 2)
    out = pre(dict(inputs=[img]))
    m = torch.tensor(mean).view(-1, 1, 1)
    s = torch.tensor(std).view(-1, 1, 1)
    assert torch.equal(out['inputs'][0, :, :3, :2], (img.float() - m) / s)
    assert torch.equal(
        out['inputs'][0, :, 3:, :], ((torch.full((3, 1, 4), 6.0) - m) / s)
    )
    coords = torch.rand(1, 6, 3)
    restored = pre.destruct(coords)
    expected = (coords * torch.tensor(std) + torch.tensor(mean)).clamp(0, 255)
    assert torch.equal(restored, expected)


def test_gan_inputs_pass_through():
    pre = DataPreprocessor(data_keys=None)
    out = pre(
        dict(
            inputs=[
                dict(noise=None, num_batches=4, mode='ema'),
                dict(noise=None, num_batches=4, mode='ema'),
            ]
        )
    )
    assert out['inputs'] == dict(noise=[None, None], num_batches=4, mode='ema')
    assert out['data_samples'] is None
    noise = torch.randn(3, 16)
    out = pre(dict(inputs=dict(noise=noise, sample_kwargs=dict(a=1))))
    assert out['inputs']['noise'] is noise
    assert out['inputs']['sample_kwargs'] == dict(a=1)
