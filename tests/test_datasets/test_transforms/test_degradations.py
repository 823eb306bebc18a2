# Copyright (c) mmflow_ext contributors. All rights reserved.
import builtins

import numpy as np
import pytest
from edit_reference import assert_same, run_both

from mmflow_ext.datasets.transforms.blur_kernels import (
    draw_kernel,
    gaussian_kernel,
    sinc_kernel,
)
from mmflow_ext.datasets.transforms.degradations import (
    DegradationsWithShuffle,
    RandomBlur,
    RandomJPEGCompression,
    RandomNoise,
    RandomResize,
    RandomVideoCompression,
)

KERNELS = [
    'iso',
    'aniso',
    'generalized_iso',
    'generalized_aniso',
    'plateau_iso',
    'plateau_aniso',
    'sinc',
]
BLUR = dict(
    kernel_size=[7, 9, 15],
    kernel_list=KERNELS,
    kernel_prob=[1 / 7] * 7,
    sigma_x=[0.2, 3],
    sigma_y=[0.2, 3],
    rotate_angle=[-3.1416, 3.1416],
    beta_gaussian=[0.5, 4],
    beta_plateau=[1, 2],
    sigma_x_step=0.1,
    omega_step=0.05,
)
RESIZE = dict(
    resize_mode_prob=[0.2, 0.7, 0.1],
    resize_scale=[0.15, 1.5],
    resize_opt=['bilinear', 'area', 'bicubic'],
    resize_prob=[1 / 3.0] * 3,
)
NOISE = dict(
    noise_type=['gaussian', 'poisson'],
    noise_prob=[0.5, 0.5],
    gaussian_sigma=[1, 30],
    gaussian_gray_noise_prob=0.4,
    poisson_scale=[0.05, 3],
    poisson_gray_noise_prob=0.4,
    gaussian_sigma_step=2,
    poisson_scale_step=0.1,
)
JPEG = dict(quality=[30, 95], quality_step=5)


def _results():
    rng = np.random.RandomState(0)
    return dict(
        img=rng.randint(0, 255, (20, 24, 3)).astype(np.uint8),
        gt=[
            rng.randint(0, 255, (20, 24, 3)).astype(np.uint8) for _ in range(3)
        ],
    )


def test_gaussian_kernel_values():
    k = gaussian_kernel(3, 1.0)
    g = np.exp(-0.5 * np.array([1.0, 0.0, 1.0]))
    np.testing.assert_allclose(k, np.outer(g, g) / np.outer(g, g).sum())
    plateau = gaussian_kernel(3, 1.0, shape='plateau', beta=1.0)
    np.testing.assert_allclose(plateau[1, 1] / plateau[0, 0], 3.0)
    s = sinc_kernel(5, np.pi)
    assert s.sum() == pytest.approx(1.0) and s.argmax() == 12
    np.testing.assert_allclose(s, s.T)
    with pytest.raises(ValueError, match='odd'):
        draw_kernel('iso', 4, 1, 1, 0, 1, 1, 1)


def test_degradations_keep_shapes_and_lists():
    results = _results()
    out = RandomBlur(BLUR, ['img', 'gt'])(results)
    assert out['img'].shape == (20, 24, 3) and len(out['gt']) == 3
    out = RandomResize(
        params=dict(RESIZE, target_size=(10, 12)), keys=['img', 'gt']
    )(_results())
    assert out['img'].shape == (10, 12, 3)
    assert [f.shape for f in out['gt']] == [(10, 12, 3)] * 3
    skipped = RandomNoise(dict(NOISE, prob=0), ['img'])(_results())
    np.testing.assert_array_equal(skipped['img'], _results()['img'])
    out = RandomJPEGCompression(JPEG, ['img'])(_results())
    assert out['img'].dtype == np.uint8


def test_video_compression_without_av_names_package(monkeypatch):
    real_import = builtins.__import__

    def no_av(name, *args, **kwargs):
        if name == 'av':
            raise ImportError('No module named av')
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, '__import__', no_av)
    with pytest.raises(ImportError, match='needs PyAV.*pip install av'):
        RandomVideoCompression(dict(codec=['libx264']), ['img'])
    with pytest.raises(ImportError, match='pip install av'):
        DegradationsWithShuffle(
            [dict(type='RandomVideoCompression', params=dict())], ['img']
        )


def test_unknown_degradation():
    with pytest.raises(KeyError, match="'RandomRain' is not supported"):
        DegradationsWithShuffle([dict(type='RandomRain', params={})], ['img'])


def test_degradations_equal_mmagic():
    m = pytest.importorskip('mmagic.datasets.transforms')
    pairs = [
        (RandomBlur(BLUR, ['img', 'gt']), m.RandomBlur(BLUR, ['img', 'gt'])),
        (
            RandomNoise(NOISE, ['img', 'gt']),
            m.RandomNoise(NOISE, ['img', 'gt']),
        ),
        (
            RandomResize(params=dict(RESIZE, resize_step=0.05), keys=['gt']),
            m.RandomResize(params=dict(RESIZE, resize_step=0.05), keys=['gt']),
        ),
        (
            RandomResize(
                params=dict(RESIZE, is_size_even=True, prob=0.5), keys=['img']
            ),
            m.RandomResize(
                params=dict(RESIZE, is_size_even=True, prob=0.5), keys=['img']
            ),
        ),
        (
            RandomJPEGCompression(JPEG, ['img', 'gt'], bgr2rgb=True),
            m.RandomJPEGCompression(JPEG, ['img', 'gt'], bgr2rgb=True),
        ),
    ]
    degradations = [
        dict(type='RandomBlur', params=BLUR),
        [
            dict(type='RandomResize', params=RESIZE),
            dict(type='RandomJPEGCompression', params=JPEG),
        ],
        dict(type='RandomNoise', params=NOISE),
    ]
    import copy

    pairs.append(
        (
            DegradationsWithShuffle(
                copy.deepcopy(degradations), ['img', 'gt']
            ),
            m.DegradationsWithShuffle(
                copy.deepcopy(degradations), ['img', 'gt']
            ),
        )
    )
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
        for seed in range(8):
            ours_out, theirs_out = run_both(ours, theirs, _results(), seed)
            assert_same(ours_out, theirs_out)
