# Copyright (c) mmflow_ext contributors. All rights reserved.
"""VisualizationHook (MMagic's name and arguments): noise grids with
``n_row=None``, images saved at test time, clear errors. The translation
samplers run in tests/test_models/test_editors/test_translation_configs.py.
"""

from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch

from mmflow_ext.engine.hooks import GenVisualizationHook, VisualizationHook
from mmflow_ext.models.editors import BaseGAN
from mmflow_ext.registry import HOOKS
from mmflow_ext.structures import DataSample


class ToyGen(torch.nn.Module):
    """``noise (N, 4) -> (N, 3, 2, 2)``."""

    def __init__(self):
        super().__init__()
        self.noise_size = 4
        self.fc = torch.nn.Linear(4, 12)

    def forward(self, noise, return_noise=False):
        return torch.tanh(self.fc(noise)).view(-1, 3, 2, 2)


def test_registered_with_mmagic_arguments():
    hook = HOOKS.build(
        dict(
            type='VisualizationHook',
            interval=5000,
            fixed_input=True,
            vis_kwargs_list=[
                dict(type='Translation', name='trans'),
                dict(type='TranslationVal', name='trans_val'),
            ],
        )
    )
    assert isinstance(hook, GenVisualizationHook)
    assert hook.n_row is None and hook.n_samples == 64
    assert hook.save_at_test and hook.max_save_at_test == 100


def test_noise_grid_rows_default_to_sqrt(tmp_path):
    torch.manual_seed(0)
    model = BaseGAN(generator=ToyGen())
    hook = VisualizationHook(
        interval=1, vis_kwargs_list=dict(type='GAN', name='g'), n_samples=5
    )
    runner = SimpleNamespace(model=model, work_dir=str(tmp_path), iter=0)
    hook.after_train_iter(runner, 0)
    img = cv2.imread(str(tmp_path / 'vis_data' / 'g_orig_iter_1.png'))
    # ceil(sqrt(5)) = 3 per row, 2 rows of 2 px tiles with 2 px padding
    assert img.shape == (2 * 4 + 2, 3 * 4 + 2, 3)
    assert hook.n_row is None  # the per-grid value is not kept


def test_saves_test_outputs(tmp_path):
    hook = VisualizationHook(max_save_at_test=3)
    runner = SimpleNamespace(work_dir=str(tmp_path))
    outputs = [
        DataSample(
            fake_photo=torch.full((3, 4, 4), float(i)),
            img_photo=torch.zeros(3, 4, 4),
        )
        for i in range(2)
    ]
    hook.after_test_iter(runner, 0, None, outputs)
    hook.after_test_iter(runner, 1, None, outputs)  # indices 2, 3
    names = sorted(p.name for p in (tmp_path / 'vis_data').iterdir())
    assert names == [
        f'test_{k}_{i}.png'
        for k in ('fake_photo', 'img_photo')
        for i in range(3)
    ]
    img = cv2.imread(str(tmp_path / 'vis_data' / 'test_fake_photo_1.png'))
    assert np.all(img == 1)
    keyed = VisualizationHook(test_vis_keys='img_photo')
    keyed.after_test_iter(
        SimpleNamespace(work_dir=str(tmp_path / 'k')), 0, None, outputs
    )
    assert len(list((tmp_path / 'k' / 'vis_data').iterdir())) == 2
    with pytest.raises(ValueError, match='test output has no image field'):
        hook.after_test_iter(runner, 0, None, [DataSample(score=1)])


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"type must be one of .*'Foo'"):
        VisualizationHook(vis_kwargs_list=dict(type='Foo'))
    with pytest.raises(ValueError, match='message_hub_vis_kwargs is not'):
        VisualizationHook(message_hub_vis_kwargs='fake_img')
    with pytest.raises(ValueError, match='show=True is not supported'):
        VisualizationHook(show=True)
    with pytest.raises(ValueError, match='interval must be a positive int'):
        VisualizationHook(interval=0)
