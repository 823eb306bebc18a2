# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Generation metrics: SWD and MS-SSIM equal MMagic's on the same images
(same seeds), the Inception metrics build without weights and say which
file to put where."""

import pickle

import numpy as np
import pytest
import torch

from mmflow_ext.evaluation.metrics import (
    FrechetInceptionDistance,
    InceptionScore,
    MultiScaleStructureSimilarity,
    SlicedWassersteinDistance,
    TransFID,
    TransIS,
)
from mmflow_ext.registry import METRICS


def _images(seed, n=8, size=32):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(n, 3, size, size, generator=g) * 255).round()


def _outputs(real, fake, nested=None):
    out = []
    for r, f in zip(real, fake):
        d = dict(gt_img=r)
        if nested:
            d[nested] = dict(fake_img=f)
        else:
            d['fake_img'] = f
        out.append(d)
    return out


def _run_swd(module, real, fake, seed=3, nested=None):
    metric = module.SlicedWassersteinDistance(
        fake_nums=real.shape[0], image_shape=(3, 32, 32)
    )
    np.random.seed(seed)
    torch.manual_seed(seed)
    half = real.shape[0] // 2
    for sl in (slice(0, half), slice(half, None)):
        metric.process(None, _outputs(real[sl], fake[sl], nested))
    return metric.evaluate()


def test_swd_equals_mmagic():
    mmagic_metrics = pytest.importorskip('mmagic.evaluation.metrics.swd')
    import mmflow_ext.evaluation.metrics.generation_metrics as ours

    real, fake = _images(0), _images(1)
    expected = _run_swd(mmagic_metrics, real, fake)
    got = _run_swd(ours, real, fake)
    assert got.keys() == expected.keys() == {'32', '16', 'avg'}
    for key in expected:
        assert got[key] == pytest.approx(expected[key], rel=1e-4, abs=1e-3)


def test_ms_ssim_equals_mmagic():
    ms = pytest.importorskip('mmagic.evaluation.metrics.ms_ssim')
    fake = torch.cat([_images(2, 4), _images(2, 4) * 0.7 + 20])
    outputs = [dict(fake_img=f) for f in fake]
    ref = ms.MultiScaleStructureSimilarity(fake_nums=8)
    ref.process(None, outputs)
    ours = MultiScaleStructureSimilarity(fake_nums=8)
    ours.process(None, outputs)
    assert ours.evaluate(8)['avg'] == pytest.approx(
        ref.evaluate()['avg'], abs=2e-4
    )
    a, b = (
        fake[:4].permute(0, 2, 3, 1).numpy(),
        fake[4:].permute(0, 2, 3, 1).numpy(),
    )
    from mmflow_ext.evaluation.functional import ms_ssim

    np.testing.assert_allclose(
        ms_ssim(a, b, reduce_mean=False),
        ms.ms_ssim(a, b, reduce_mean=False),
        rtol=1e-4,
    )


def test_swd_ranks_a_far_set_above_a_near_one():
    import mmflow_ext.evaluation.metrics.generation_metrics as ours

    real = _images(4)
    near = _run_swd(ours, real, _images(5))['avg']
    far = _run_swd(ours, real, (_images(5) * 0.2).round())['avg']
    assert far > 2 * near
    # the ema / orig nesting of the outputs is read as MMagic reads it
    nested = _run_swd(ours, real, (_images(5) * 0.2).round(), nested='ema')
    assert nested['avg'] == far


def test_swd_wrong_shape_names_it():
    metric = SlicedWassersteinDistance(fake_nums=2, image_shape=(3, 16, 16))
    with pytest.raises(ValueError, match=r'\(3, 32, 32\).*\(3, 16, 16\)'):
        metric.process(None, _outputs(_images(0, 2), _images(1, 2)))


def test_ms_ssim_pairs_of_identical_images_score_one():
    img = _images(5, 2)
    metric = MultiScaleStructureSimilarity(fake_nums=4, prefix='MS')
    metric.process(
        None, [dict(fake_img=x) for x in (img[0], img[0], img[1], img[1])]
    )
    assert metric.evaluate(4) == {'MS/avg': 1.0}
    with pytest.raises(ValueError, match='even, got 3'):
        MultiScaleStructureSimilarity(fake_nums=3)


@pytest.mark.parametrize(
    'name', ['FID', 'FID-Full', 'IS', 'TransFID', 'TransIS', 'SWD', 'MS_SSIM']
)
def test_registered_names(name):
    cfg = dict(type=name, fake_nums=2)
    if name == 'SWD':
        cfg['image_shape'] = (3, 16, 16)
    assert METRICS.build(cfg).fake_nums == 2


@pytest.mark.parametrize(
    'cls', [FrechetInceptionDistance, InceptionScore, TransFID, TransIS]
)
def test_inception_metrics_without_weights_say_what_to_put_where(
    cls, tmp_path
):
    missing = str(tmp_path / 'inception-2015-12-05.pt')
    metric = cls(fake_nums=2, inception_path=missing)
    outputs = [dict(fake_img=x, gt_img=x, img=x) for x in _images(0, 2)]
    with pytest.raises(FileNotFoundError) as err:
        metric.process(None, outputs)
    msg = str(err.value)
    assert 'inception-2015-12-05.pt' in msg and missing in msg
    assert 'Nothing is downloaded' in msg
    with pytest.raises(FileNotFoundError, match='set inception_path'):
        cls(fake_nums=2).process(None, outputs)


class _ToyInception(torch.nn.Module):
    """Stands in for the StyleGAN TorchScript Inception."""

    def forward(
        self,
        x: torch.Tensor,
        return_features: bool = False,
        no_output_bias: bool = False,
    ) -> torch.Tensor:
        x = x.float().mean(dim=(2, 3))
        if return_features:
            return x
        return torch.softmax(x / 50.0, dim=1)


def test_fid_and_is_with_a_local_torchscript_file(tmp_path):
    path = str(tmp_path / 'inception.pt')
    torch.jit.script(_ToyInception()).save(path)
    real, fake = _images(0), _images(1)
    fid = FrechetInceptionDistance(fake_nums=8, inception_path=path)
    fid.process(None, [dict(fake_img=f, gt_img=r) for r, f in zip(real, fake)])
    got = fid.evaluate(8)
    # independent computation of the same formula with numpy
    fr = real[:, [2, 1, 0]].mean(dim=(2, 3)).double().numpy()
    ff = fake[:, [2, 1, 0]].mean(dim=(2, 3)).double().numpy()
    mean_term = float(((fr.mean(0) - ff.mean(0)) ** 2).sum())
    c1, c2 = np.cov(fr, rowvar=False), np.cov(ff, rowvar=False)
    vals = np.linalg.eigvals(c1 @ c2)
    cov_term = (
        np.trace(c1)
        + np.trace(c2)
        - 2 * np.sqrt(np.clip(vals.real, 0, None)).sum()
    )
    assert got['mean'] == pytest.approx(mean_term, rel=1e-6)
    assert got['fid'] == pytest.approx(mean_term + cov_term, rel=1e-5)
    # real statistics from a pickle of numpy arrays
    stats = tmp_path / 'real.pkl'
    stats.write_bytes(pickle.dumps(dict(real_mean=fr.mean(0), real_cov=c1)))
    fid2 = FrechetInceptionDistance(
        fake_nums=8, inception_path=path, inception_pkl=str(stats)
    )
    fid2.process(None, [dict(fake_img=f) for f in fake])
    assert fid2.evaluate(8)['fid'] == pytest.approx(got['fid'], rel=1e-9)

    score = InceptionScore(
        fake_nums=8, splits=2, inception_path=path, resize=False
    )
    score.process(None, [dict(fake_img=f) for f in fake])
    value = score.evaluate(8)
    probs = (
        torch.softmax(fake[:, [2, 1, 0]].mean(dim=(2, 3)) / 50.0, dim=1)
        .double()
        .numpy()
    )
    parts = [probs[:4], probs[4:]]
    expect = [
        np.exp(np.mean([(p * np.log(p / part.mean(0))).sum() for p in part]))
        for part in parts
    ]
    assert value['is'] == pytest.approx(np.mean(expect), rel=1e-6)


def test_inception_pkl_refuses_code(tmp_path):
    bad = tmp_path / 'bad.pkl'
    bad.write_bytes(pickle.dumps(dict(real_mean=print)))
    with pytest.raises(pickle.UnpicklingError, match='builtins.print'):
        FrechetInceptionDistance(fake_nums=2, inception_pkl=str(bad))
