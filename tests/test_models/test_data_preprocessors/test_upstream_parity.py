# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Both preprocessors side by side with MMSegmentation 1.2's and MMagic
1.2's, on the same batches: the same outputs bit for bit and the same
padding metainfo in upstream's forms.

Runs where upstream imports (the reference environment):
``PYTHONPATH=. /work/refenv/bin/python -m pytest THIS_FILE``.
"""

import pytest
import torch
from mmengine.structures import PixelData

from mmflow_ext.models.data_preprocessors import (
    DataPreprocessor,
    SegDataPreProcessor,
)
from mmflow_ext.structures import DataSample, SegDataSample

MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]


def _images(shapes, seed=0, dtype=torch.uint8):
    gen = torch.Generator().manual_seed(seed)
    return [
        torch.randint(0, 256, shape, generator=gen).to(dtype)
        for shape in shapes
    ]


def _seg_samples(cls, labels, **metainfo):
    samples = []
    for label in labels:
        sample = cls(metainfo=dict(metainfo))
        sample.gt_sem_seg = PixelData(data=label.clone())
        samples.append(sample)
    return samples


@pytest.fixture(scope='module')
def mmseg_pre():
    module = pytest.importorskip('mmseg.models.data_preprocessor')
    structures = pytest.importorskip('mmseg.structures')
    return module.SegDataPreProcessor, structures.SegDataSample


@pytest.mark.parametrize(
    'kwargs, shapes',
    [
        (dict(size_divisor=32), [(3, 40, 50), (3, 33, 64)]),
        (dict(size_divisor=32), [(3, 64, 32), (3, 64, 32)]),
        (dict(size=(48, 72)), [(3, 40, 50), (3, 48, 72)]),
    ],
)
def test_seg_training_batch_matches_mmseg(mmseg_pre, kwargs, shapes):
    Upstream, UpstreamSample = mmseg_pre
    images = _images(shapes)
    # int64, as MMSegmentation's PackSegInputs hands them over (ours are
    # widened to int64 by the preprocessor)
    labels = _images([(1,) + s[1:] for s in shapes], seed=1, dtype=torch.long)
    args = dict(
        mean=MEAN,
        std=STD,
        bgr_to_rgb=True,
        pad_val=3,
        seg_pad_val=200,
        **kwargs,
    )
    ours = SegDataPreProcessor(**args)(
        dict(inputs=images, data_samples=_seg_samples(SegDataSample, labels)),
        training=True,
    )
    theirs = Upstream(**args)(
        dict(
            inputs=[img.clone() for img in images],
            data_samples=_seg_samples(UpstreamSample, labels),
        ),
        training=True,
    )
    assert torch.equal(ours['inputs'], theirs['inputs'])
    for mine, up in zip(ours['data_samples'], theirs['data_samples']):
        assert torch.equal(mine.gt_sem_seg.data, up.gt_sem_seg.data)
        assert mine.gt_sem_seg.data.dtype == up.gt_sem_seg.data.dtype
        for key in ('padding_size', 'pad_shape', 'img_shape'):
            assert tuple(mine.metainfo[key]) == tuple(up.metainfo[key]), key


@pytest.mark.parametrize(
    'test_cfg', [None, dict(size_divisor=16), dict(size=(40, 40))]
)
def test_seg_testing_batch_matches_mmseg(mmseg_pre, test_cfg):
    Upstream, UpstreamSample = mmseg_pre
    images = _images([(3, 30, 36), (3, 30, 36)], seed=2)
    args = dict(mean=MEAN, std=STD, bgr_to_rgb=True, test_cfg=test_cfg)
    ours = SegDataPreProcessor(**args)(
        dict(inputs=images, data_samples=[SegDataSample(), SegDataSample()])
    )
    theirs = Upstream(**args)(
        dict(
            inputs=[img.clone() for img in images],
            data_samples=[UpstreamSample(), UpstreamSample()],
        )
    )
    assert torch.equal(ours['inputs'], theirs['inputs'])
    for mine, up in zip(ours['data_samples'], theirs['data_samples']):
        if test_cfg is None:
            # MMSegmentation records nothing; ours records no padding
            assert 'img_padding_size' not in up
            assert mine.img_padding_size == (0, 0, 0, 0)
            continue
        assert tuple(mine.img_padding_size) == tuple(up.img_padding_size)
        assert tuple(mine.pad_shape) == tuple(up.pad_shape)


@pytest.fixture(scope='module')
def mmagic_pre():
    module = pytest.importorskip('mmagic.models.data_preprocessors')
    structures = pytest.importorskip('mmagic.structures')
    return module.DataPreprocessor, structures.DataSample


def _edit_run(
    cls, sample_cls, args, inputs, metainfo=None, training=False, gt=None
):
    samples = None
    if metainfo is not None:
        samples = []
        for i in range(len(inputs) if not isinstance(inputs, dict) else 2):
            sample = sample_cls(metainfo=dict(metainfo))
            if gt is not None:
                sample.gt_img = gt[i].clone()
            samples.append(sample)
    if isinstance(inputs, dict):
        inputs = {
            k: (
                [x.clone() for x in v]
                if isinstance(v, list) and v and isinstance(v[0], torch.Tensor)
                else v
            )
            for k, v in inputs.items()
        }
    elif isinstance(inputs, list):
        inputs = [x.clone() for x in inputs]
    else:
        inputs = inputs.clone()
    return cls(**args)(dict(inputs=inputs, data_samples=samples), training)


def _padding_sizes(samples):
    sizes = samples.metainfo['padding_size']
    return [p.tolist() for p in sizes]


@pytest.mark.parametrize(
    'inputs, args',
    [
        (
            torch.randint(0, 256, (2, 3, 6, 7)),
            dict(output_channel_order='RGB'),
        ),
        (
            torch.randint(0, 256, (2, 4, 3, 6, 7)),
            dict(output_channel_order='RGB'),
        ),
        (
            _images([(3, 6, 7), (3, 4, 9)]),
            dict(output_channel_order='RGB', pad_size_divisor=4, pad_value=42),
        ),
        (
            _images([(5, 3, 6, 7), (5, 3, 6, 5)]),
            dict(mean=MEAN, std=STD, pad_size_divisor=4),
        ),
        (
            _images([(1, 5, 5), (1, 3, 5)]),
            dict(
                mean=[0.0],
                std=[255.0],
                output_channel_order='RGB',
                pad_value=7,
            ),
        ),
    ],
    ids=[
        '4d-tensor',
        '5d-video-tensor',
        'mixed-list',
        'video-list',
        'single-channel',
    ],
)
def test_edit_inputs_and_padding_size_match_mmagic(mmagic_pre, inputs, args):
    Upstream, UpstreamSample = mmagic_pre
    meta = dict(img_channel_order='bgr', img_color_type='color')
    if inputs[0].shape[-3] == 1:
        meta = dict(img_channel_order='bgr', img_color_type='grayscale')
    ours = _edit_run(
        DataPreprocessor, DataSample, dict(args, data_keys=None), inputs, meta
    )
    theirs = _edit_run(
        Upstream, UpstreamSample, dict(args, data_keys=None), inputs, meta
    )
    assert torch.equal(ours['inputs'], theirs['inputs'])
    assert _padding_sizes(ours['data_samples']) == _padding_sizes(
        theirs['data_samples']
    )
    for mine, up in zip(
        ours['data_samples'].metainfo['padding_size'],
        theirs['data_samples'].metainfo['padding_size'],
    ):
        assert mine.dtype == up.dtype and mine.shape == up.shape
    assert (
        ours['data_samples'].img_output_channel_order
        == theirs['data_samples'].img_output_channel_order
    )
    # destruct gives what MMagic's gives where every sample has one padding
    padding = _padding_sizes(ours['data_samples'])
    if all(p == padding[0] for p in padding):
        assert torch.equal(
            DataPreprocessor(**dict(args, data_keys=None)).destruct(
                ours['inputs'], ours['data_samples']
            ),
            Upstream(**dict(args, data_keys=None)).destruct(
                theirs['inputs'], theirs['data_samples']
            ),
        )


def test_edit_tensor_padding_is_in_pixel_space(mmagic_pre):
    """A documented difference: MMagic pads a batch *tensor* after
    normalizing (its list path pads before); ours pads in pixel space on
    every path. Everything but the padded pixels is equal."""
    Upstream, UpstreamSample = mmagic_pre
    batch = torch.randint(0, 256, (2, 3, 5, 6))
    args = dict(pad_size_divisor=4, pad_value=0, data_keys=None)
    ours = _edit_run(DataPreprocessor, DataSample, args, batch)['inputs']
    theirs = _edit_run(Upstream, UpstreamSample, args, batch)['inputs']
    assert torch.equal(ours[..., :5, :6], theirs[..., :5, :6])
    assert (ours[..., 5:, :] == -1).all() and (theirs[..., 5:, :] == 0).all()
    listed = _edit_run(Upstream, UpstreamSample, args, list(batch))['inputs']
    assert torch.equal(ours, listed)


def test_edit_dict_inputs_and_data_keys_match_mmagic(mmagic_pre):
    Upstream, UpstreamSample = mmagic_pre
    gen = torch.Generator().manual_seed(3)
    inputs = dict(
        img_A=[
            torch.randint(0, 256, (3, 5, 5), generator=gen) for _ in range(2)
        ],
        img_B=[
            torch.randint(0, 256, (3, 5, 5), generator=gen) for _ in range(2)
        ],
        noise=[torch.randn(8, generator=gen) for _ in range(2)],
        num_batches=2,
        mode=['ema', 'ema'],
    )
    gt = [torch.randint(0, 256, (3, 5, 5), generator=gen) for _ in range(2)]
    meta = dict(
        img_A_channel_order='rgb',
        img_B_channel_order='bgr',
        gt_channel_order='rgb',
    )
    args = dict(output_channel_order='RGB')
    for training in (True, False):
        ours = _edit_run(
            DataPreprocessor, DataSample, args, inputs, meta, training, gt
        )
        theirs = _edit_run(
            Upstream, UpstreamSample, args, inputs, meta, training, gt
        )
        for key in ('img_A', 'img_B', 'noise'):
            assert torch.equal(ours['inputs'][key], theirs['inputs'][key])
        assert ours['inputs']['num_batches'] == 2
        assert ours['inputs']['mode'] == theirs['inputs']['mode'] == 'ema'
        assert torch.equal(
            ours['data_samples'].gt_img, theirs['data_samples'].gt_img
        )
        for key in (
            'img_A_output_channel_order',
            'img_B_output_channel_order',
            'gt_img_output_channel_order',
        ):
            assert (
                ours['data_samples'].metainfo[key]
                == theirs['data_samples'].metainfo[key]
            ), key


def test_edit_input_and_output_views_match_mmagic(mmagic_pre):
    Upstream, _ = mmagic_pre
    args = dict(
        mean=[10.0, 20.0, 30.0],
        std=[2.0, 4.0, 8.0],
        input_view=(-1, 1, 1),
        output_view=(1, -1),
        data_keys=None,
    )
    batch = torch.randint(0, 256, (2, 3, 4, 4))
    ours = DataPreprocessor(**args)(dict(inputs=batch.clone()))
    theirs = Upstream(**args)(dict(inputs=batch.clone()))
    assert torch.equal(ours['inputs'], theirs['inputs'])
    coords = torch.rand(2, 16, 3) * 2
    assert torch.equal(
        DataPreprocessor(**args).destruct(coords.clone()),
        Upstream(**args).destruct(coords.clone()),
    )


def test_constructor_arguments_and_defaults_are_upstream_s(
    mmseg_pre, mmagic_pre
):
    import inspect

    for ours, theirs in (
        (SegDataPreProcessor, mmseg_pre[0]),
        (DataPreprocessor, mmagic_pre[0]),
    ):
        upstream = inspect.signature(theirs.__init__).parameters
        mine = inspect.signature(ours.__init__).parameters
        for name, param in upstream.items():
            assert name in mine, (ours.__name__, name)
            assert mine[name].default == param.default, (ours.__name__, name)
