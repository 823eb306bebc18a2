# Copyright (c) mmflow_ext contributors. All rights reserved.
"""GenVisualizationHook: one grid row per class (conditional) or
``n_samples`` images (unconditional), fixed noise, ema/orig grids."""

import os.path as osp
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch

from mmflow_ext.engine.hooks import GenVisualizationHook
from mmflow_ext.engine.hooks.gen_visualization_hook import make_grid
from mmflow_ext.models.editors import SAGAN, BaseGAN


class ToyGen(torch.nn.Module):
    """``noise (N, 4) -> (N, 3, 2, 2)``."""

    def __init__(self):
        super().__init__()
        self.noise_size = 4
        self.fc = torch.nn.Linear(4, 12)

    def forward(self, noise, return_noise=False):
        return torch.tanh(self.fc(noise)).view(-1, 3, 2, 2)


def _sagan():
    torch.manual_seed(0)
    return SAGAN(
        generator=dict(
            type='CompactCondGenerator', output_scale=8, base_channels=16
        ),
        discriminator=dict(
            type='CompactProjDiscriminator', input_scale=8, base_channels=8
        ),
        num_classes=3,
        noise_size=8,
        ema_config=dict(momentum=0.5),
    )


def _runner(model, tmp_path, it=10):
    return SimpleNamespace(model=model, work_dir=str(tmp_path), iter=it)


def test_conditional_grid_has_one_row_per_class(tmp_path):
    model = _sagan()
    hook = GenVisualizationHook(
        interval=5,
        n_row=4,
        vis_kwargs_list=dict(type='GAN', name='fake', sample_model='orig'),
    )
    runner = _runner(model, tmp_path, it=9)
    hook.after_train_iter(runner, 9)
    path = osp.join(tmp_path, 'vis_data', 'fake_orig_iter_10.png')
    grid = cv2.imread(path)
    # 3 classes x 4 images of 8x8 with 2-pixel padding
    assert grid.shape == (3 * 10 + 2, 4 * 10 + 2, 3)
    # each row is the generator's output for its class
    noise = hook._noise[0]
    with torch.no_grad():
        model.eval()
        row = model.generator(noise[4:8], label=torch.ones(4).long())
    tile = ((row[0].permute(1, 2, 0) + 1) * 127.5).clamp(0, 255)
    np.testing.assert_allclose(
        grid[12:20, 2:10].astype(float), tile.numpy(), atol=1.0
    )
    hook.after_train_iter(runner, 10)  # not a multiple of 5: nothing new
    assert not osp.exists(
        osp.join(tmp_path, 'vis_data', 'fake_orig_iter_11.png')
    )


def test_fixed_noise_and_ema_orig_grids(tmp_path):
    model = _sagan()
    model.train()
    hook = GenVisualizationHook(
        interval=1,
        n_row=2,
        vis_kwargs_list=[dict(type='GAN', sample_model='ema/orig')],
    )
    hook.after_train_iter(_runner(model, tmp_path, 0), 0)
    hook.after_train_iter(_runner(model, tmp_path, 1), 1)
    folder = osp.join(tmp_path, 'vis_data')
    first = cv2.imread(osp.join(folder, 'fake_img_ema_iter_1.png'))
    again = cv2.imread(osp.join(folder, 'fake_img_ema_iter_2.png'))
    assert osp.exists(osp.join(folder, 'fake_img_orig_iter_1.png'))
    np.testing.assert_array_equal(first, again)  # same noise, same model
    assert model.training  # restored


def test_unconditional_grid_and_final_grid(tmp_path):
    model = BaseGAN(generator=ToyGen())
    hook = GenVisualizationHook(interval=4, n_samples=6, n_row=3)
    hook.after_train(_runner(model, tmp_path, 6))
    grid = cv2.imread(
        osp.join(tmp_path, 'vis_data', 'fake_img_orig_iter_6.png')
    )
    assert grid.shape == (2 * 4 + 2, 3 * 4 + 2, 3)
    hook.after_train(_runner(model, tmp_path, 8))  # saved by the last iter
    assert not osp.exists(
        osp.join(tmp_path, 'vis_data', 'fake_img_orig_iter_8.png')
    )


def test_bad_arguments_name_them():
    with pytest.raises(ValueError, match="got 'Translation'"):
        GenVisualizationHook(vis_kwargs_list=dict(type='Translation'))
    with pytest.raises(ValueError, match='n_row must be a positive int'):
        GenVisualizationHook(n_row=0)


def test_make_grid_places_tiles_row_major():
    tiles = [np.full((1, 1, 3), v, np.uint8) for v in (10, 20, 30)]
    grid = make_grid(tiles, n_row=2, padding=1)
    assert grid[1, 1, 0] == 10 and grid[1, 3, 0] == 20
    assert grid[3, 1, 0] == 30 and grid[3, 3, 0] == 0
