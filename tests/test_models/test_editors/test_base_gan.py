# Copyright (c) mmflow_ext contributors. All rights reserved.
"""BaseGAN / BaseConditionalGAN: noise, num_batches, sample_model and
sample_kwargs semantics (against MMagic when importable), EMA, the
alternating train step and the errors that name the bad value."""

import copy

import pytest
import torch
import torch.nn as nn
from mmengine import MessageHub
from mmengine.optim import OptimWrapper, OptimWrapperDict

from mmflow_ext.models.editors import (
    SAGAN,
    BaseConditionalGAN,
    BaseGAN,
    CompactCondGenerator,
    CompactProjDiscriminator,
)
from mmflow_ext.models.editors.gan_sampling import (
    GANInputError,
    get_valid_num_batches,
    label_sample_fn,
    noise_sample_fn,
)
from mmflow_ext.structures import DataSample


class ToyGen(nn.Module):
    """``noise (N, 4) -> (N, 3, 2, 2)``; ``shift`` is a sample kwarg."""

    def __init__(self, noise_size=4, num_classes=None):
        super().__init__()
        self.noise_size = noise_size
        self.num_classes = num_classes
        self.fc = nn.Linear(noise_size, 12)
        self.embed = nn.Embedding(num_classes or 1, 12)

    def forward(self, noise, label=None, return_noise=False, shift=0.0):
        out = self.fc(noise) + shift
        if label is not None:
            out = out + self.embed(label)
        return torch.tanh(out).view(-1, 3, 2, 2)


class ToyDisc(nn.Module):
    def __init__(self, num_classes=None):
        super().__init__()
        self.num_classes = num_classes
        self.fc = nn.Linear(12, 1)
        self.embed = nn.Embedding(num_classes or 1, 12)

    def forward(self, x, label=None):
        h = x.flatten(1)
        out = self.fc(h)
        if label is not None:
            out = out + (self.embed(label) * h).sum(1, keepdim=True)
        return out


def _ours(conditional=False, ema=None):
    kwargs = dict(
        generator=ToyGen(num_classes=3 if conditional else None),
        discriminator=ToyDisc(num_classes=3 if conditional else None),
        data_preprocessor=dict(type='DataPreprocessor'),
        ema_config=ema,
    )
    torch.manual_seed(0)
    if conditional:
        return BaseConditionalGAN(**kwargs)
    return BaseGAN(**kwargs)


def _labelled(labels):
    return DataSample.stack(
        [DataSample().set_gt_label(int(y)) for y in labels]
    )


# ------------------------------------------------------------------ MMagic
def _mmagic_pair(conditional, ema=None):
    pytest.importorskip('mmagic')
    from mmagic.models import BaseConditionalGAN as RefCond
    from mmagic.models import BaseGAN as RefGAN
    from mmagic.models import DataPreprocessor as RefPre
    from mmagic.structures import DataSample as RefSample

    ours = _ours(conditional, ema)
    cls = RefCond if conditional else RefGAN
    ref = cls(
        generator=copy.deepcopy(ours.generator),
        discriminator=copy.deepcopy(ours.discriminator),
        data_preprocessor=RefPre(),
        ema_config=copy.deepcopy(ema),
    )
    if ema:
        ref.generator_ema.load_state_dict(ours.generator_ema.state_dict())
    return ours, ref, RefSample


@pytest.mark.parametrize(
    'inputs',
    [
        dict(num_batches=3),
        dict(num_batches=2, sample_kwargs=dict(shift=0.5)),
        dict(noise=torch.ones(2, 4)),
        dict(noise=torch.ones(4)),
        dict(num_batches=2, sample_model='orig'),
        dict(num_batches=2, sample_model='ema/orig'),
    ],
)
def test_unconditional_forward_equals_mmagic(inputs):
    ema = dict(momentum=0.5)
    ours, ref, _ = _mmagic_pair(False, ema)
    torch.manual_seed(1)
    expected = ref(copy.deepcopy(inputs))
    torch.manual_seed(1)
    got = ours(copy.deepcopy(inputs))
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.sample_model == e.sample_model
        assert g.sample_kwargs == e.sample_kwargs
        torch.testing.assert_close(g.noise, e.noise)
        if e.sample_model == 'ema/orig':
            for key in ('ema', 'orig'):
                torch.testing.assert_close(
                    g.get(key).fake_img, e.get(key).fake_img
                )
        else:
            torch.testing.assert_close(g.fake_img, e.fake_img)


def test_tensor_noise_equals_mmagic():
    ours, ref, _ = _mmagic_pair(False)
    noise = torch.randn(5, 4)
    got, expected = ours(noise), ref(noise)
    assert len(got) == 5 and got[0].sample_model == 'orig'
    for g, e in zip(got, expected):
        torch.testing.assert_close(g.fake_img, e.fake_img)


def test_conditional_forward_equals_mmagic_for_drawn_labels():
    ours, ref, _ = _mmagic_pair(True)
    torch.manual_seed(3)
    expected = ref(dict(num_batches=4))
    torch.manual_seed(3)
    got = ours(dict(num_batches=4))
    assert len(got) == len(expected) == 4
    for g, e in zip(got, expected):
        assert int(g.gt_label.label) == int(e.gt_label.label)
        torch.testing.assert_close(g.noise, e.noise)
        torch.testing.assert_close(g.fake_img, e.fake_img)


def test_conditional_forward_uses_the_samples_gt_label():
    # MMagic hands the generator the stacked (N, 1) labels, which a
    # generator expecting (N, ) broadcasts wrongly; we pass (N, )
    model = _ours(conditional=True)
    labels = [2, 0, 1, 1]
    noise = torch.randn(4, 4)
    got = model(dict(noise=noise), _labelled(labels))
    assert [int(g.gt_label.label) for g in got] == labels
    expected = model.data_preprocessor.destruct(
        model.generator(noise, label=torch.tensor(labels))
    )
    torch.testing.assert_close(
        torch.stack([g.fake_img for g in got]), expected
    )


def test_sampling_helpers_equal_mmagic():
    utils = pytest.importorskip('mmagic.models.utils')
    torch.manual_seed(0)
    expected = utils.noise_sample_fn(num_batches=3, noise_size=[2, 2])
    torch.manual_seed(0)
    torch.testing.assert_close(
        noise_sample_fn(num_batches=3, noise_size=[2, 2]), expected
    )
    torch.manual_seed(0)
    expected = utils.label_sample_fn(num_batches=6, num_classes=4)
    torch.manual_seed(0)
    assert (
        label_sample_fn(num_batches=6, num_classes=4).tolist()
        == expected.tolist()
    )
    for inputs, samples in [
        (dict(num_batches=2), None),
        (dict(noise=torch.zeros(3, 1)), None),
        (dict(), [DataSample()] * 4),
        (None, None),
    ]:
        assert get_valid_num_batches(
            inputs, samples
        ) == utils.get_valid_num_batches(inputs, samples)


# ------------------------------------------------------------------ errors
def test_num_batches_disagreeing_with_data_samples_names_both():
    model = _ours(conditional=True)
    with pytest.raises(
        GANInputError, match='num_batches 3 .* disagrees with the 2 data'
    ):
        model(dict(num_batches=3), _labelled([0, 1]))
    with pytest.raises(AssertionError):  # what MMagic raises, too
        model(dict(num_batches=3), _labelled([0, 1]))
    with pytest.raises(GANInputError, match="'num_batches': 2"):
        model(dict(num_batches=2, noise=torch.zeros(3, 4)))


def test_unknown_sample_model_names_it():
    model = _ours()
    with pytest.raises(GANInputError, match="got 'best'"):
        model(dict(num_batches=1, sample_model='best'))
    with pytest.raises(GANInputError, match="'ema/orig' needs an EMA"):
        model(dict(num_batches=1, sample_model='ema/orig'))


def test_noise_of_the_wrong_shape_names_it():
    model = _ours()
    with pytest.raises(
        GANInputError, match=r'shape \(2, 5\) does not fit noise_size \[4\]'
    ):
        model(torch.zeros(2, 5))
    with pytest.raises(GANInputError, match=r'\(3, 7\)'):
        model(dict(noise=torch.zeros(3, 7)))


def test_labels_out_of_range_and_inconsistent_classes():
    with pytest.raises(GANInputError, match=r'\[5\] are outside'):
        _ours(conditional=True)(dict(), _labelled([0, 5]))
    with pytest.raises(GANInputError, match=r'generator \(3\).*\(2\)'):
        BaseConditionalGAN(ToyGen(num_classes=3), ToyDisc(num_classes=2))


# ------------------------------------------------------------------ train
def _wrappers(model, lr=0.1):
    return OptimWrapperDict(
        generator=OptimWrapper(
            torch.optim.SGD(model.generator.parameters(), lr=lr)
        ),
        discriminator=OptimWrapper(
            torch.optim.SGD(model.discriminator.parameters(), lr=lr)
        ),
    )


def _batch(n=4):
    samples = [
        DataSample(
            gt_img=torch.randint(0, 256, (3, 2, 2), dtype=torch.uint8)
        ).set_gt_label(i % 3)
        for i in range(n)
    ]
    return dict(
        inputs=[dict(img=torch.randint(0, 256, (3, 2, 2), dtype=torch.uint8))]
        * n,
        data_samples=samples,
    )


class _Counting(BaseConditionalGAN):
    """Counts the updates and uses a hinge-like loss."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.calls = []

    def train_discriminator(self, inputs, data_samples, optimizer_wrapper):
        self.calls.append('D')
        return super().train_discriminator(
            inputs, data_samples, optimizer_wrapper
        )

    def train_generator(self, inputs, data_samples, optimizer_wrapper):
        self.calls.append('G')
        return super().train_generator(inputs, data_samples, optimizer_wrapper)


def test_train_step_alternates_and_updates_ema():
    torch.manual_seed(0)
    model = _Counting(
        generator=ToyGen(num_classes=3),
        discriminator=ToyDisc(num_classes=3),
        data_preprocessor=dict(type='DataPreprocessor'),
        discriminator_steps=2,
        generator_steps=3,
        ema_config=dict(momentum=0.5, start_iter=2),
        loss_config=dict(gan_loss=dict(type='GANLoss', gan_type='hinge')),
    )
    wrappers = _wrappers(model)
    hub = MessageHub.get_current_instance()
    ema_before = model.generator_ema.module.fc.weight.clone()
    logs = []
    for it in range(4):
        hub.update_info('iter', it)
        logs.append(model.train_step(_batch(), wrappers))
    assert model.calls == ['D', 'D', 'G', 'G', 'G', 'D', 'D', 'G', 'G', 'G']
    assert 'loss_disc_fake_g' not in logs[0]
    assert {'loss_disc_fake', 'loss_disc_real', 'loss_disc_fake_g'} <= set(
        logs[1]
    )
    # iter 1 (< start_iter * disc_steps = 4) copies the weights; iter 3
    # averages them with momentum 0.5
    assert not torch.equal(model.generator_ema.module.fc.weight, ema_before)
    assert all(p.requires_grad for p in model.discriminator.parameters())


def test_sagan_trains_on_gt_img_and_the_ema_tracks_the_generator():
    torch.manual_seed(0)
    model = SAGAN(
        generator=dict(
            type='CompactCondGenerator', output_scale=8, base_channels=16
        ),
        discriminator=dict(
            type='CompactProjDiscriminator', input_scale=8, base_channels=8
        ),
        num_classes=3,
        noise_size=8,
        data_preprocessor=dict(type='DataPreprocessor'),
        ema_config=dict(momentum=0.999),
    )
    assert isinstance(model.generator, CompactCondGenerator)
    assert isinstance(model.discriminator, CompactProjDiscriminator)
    assert model.generator.num_classes == 3
    samples = [
        DataSample(
            gt_img=torch.full((3, 8, 8), 200, dtype=torch.uint8)
        ).set_gt_label(i % 3)
        for i in range(4)
    ]
    hub = MessageHub.get_current_instance()
    hub.update_info('iter', 0)
    logs = model.train_step(
        dict(inputs=[{}] * 4, data_samples=samples), _wrappers(model, 1e-3)
    )
    assert set(logs) == {
        'loss',
        'loss_disc_fake',
        'loss_disc_real',
        'loss_gen',
    }
    gen_w = model.generator.fc.weight
    ema_w = model.generator_ema.module.fc.weight
    assert torch.allclose(ema_w, gen_w, atol=1e-3)
    out = model(dict(num_batches=2, sample_model='ema/orig'))
    assert out[0].ema.fake_img.shape == (3, 8, 8)
    assert out[0].orig.fake_img.min() >= 0
    assert out[0].orig.fake_img.max() <= 255
