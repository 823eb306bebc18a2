# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``GenVisualizationHook``: sample grids of a GAN during training (the
counterpart of MMagic's ``VisualizationHook`` with ``vis_kwargs_list``)."""

import os.path as osp
from typing import Dict, List, Optional, Union

import numpy as np
import torch
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmflow_ext.registry import HOOKS
from mmflow_ext.structures import DataSample
from mmflow_ext.visualization.image_file import write_image
from mmflow_ext.visualization.image_tile import image_to_tile

__all__ = ['GenVisualizationHook', 'make_grid']

_VIS_TYPES = ('GAN', 'Noise')


def make_grid(
    images: List[np.ndarray], n_row: int, padding: int = 2
) -> np.ndarray:
    """Tile ``H×W×3`` images, ``n_row`` per row, with ``padding`` black
    pixels around each.

    Examples:
        >>> imgs = [np.full((2, 2, 3), i, np.uint8) for i in range(3)]
        >>> make_grid(imgs, n_row=2, padding=1).shape
        (7, 7, 3)
    """
    h, w = images[0].shape[:2]
    rows = -(-len(images) // n_row)
    grid = np.zeros(
        (rows * (h + padding) + padding, n_row * (w + padding) + padding, 3),
        np.uint8,
    )
    for i, img in enumerate(images):
        r, c = divmod(i, n_row)
        top, left = padding + r * (h + padding), padding + c * (w + padding)
        grid[top : top + h, left : left + w] = img
    return grid


@HOOKS.register_module()
class GenVisualizationHook(Hook):
    """Save grids of generated images every ``interval`` training
    iterations and after training, as
    ``<work_dir>/vis_data/<name>_<sample_model>_iter_<n>.png`` (BGR PNGs,
    written atomically).

    A conditional model (one with ``num_classes``) gets one row per class,
    ``n_row`` images each; an unconditional one ``n_samples`` images,
    ``n_row`` per row. With ``fixed_input`` the same noise is used at every
    iteration, so grids show the progress.

    Args:
        interval (int): Iterations between grids. Defaults to 1000.
        vis_kwargs_list (dict | list[dict], optional): One grid per entry:
            ``type`` (``'GAN'`` or ``'Noise'``), ``name`` (file name
            stem, defaults to ``'fake_img'``), ``sample_model`` (``'ema'``,
            ``'orig'`` or ``'ema/orig'``: one grid each; default the
            model's). Defaults to ``dict(type='GAN')``.
        fixed_input (bool): Reuse the noise. Defaults to True.
        n_samples (int): Images of an unconditional grid. Defaults to 64.
        n_row (int): Images per row. Defaults to 8.

    Raises:
        ValueError: For an unknown ``type`` in ``vis_kwargs_list`` or a
            non-positive ``interval`` / ``n_samples`` / ``n_row``.
    """

    priority = 'NORMAL'

    def __init__(
        self,
        interval: int = 1000,
        vis_kwargs_list: Union[None, Dict, List[Dict]] = None,
        fixed_input: bool = True,
        n_samples: int = 64,
        n_row: int = 8,
    ) -> None:
        for name, value in (
            ('interval', interval),
            ('n_samples', n_samples),
            ('n_row', n_row),
        ):
            if not isinstance(value, int) or value < 1:
                raise ValueError(
                    f'{name} must be a positive int, got {value!r}'
                )
        vis = vis_kwargs_list or dict(type='GAN')
        self.vis_kwargs_list = [vis] if isinstance(vis, dict) else list(vis)
        for kwargs in self.vis_kwargs_list:
            if kwargs.get('type', 'GAN') not in _VIS_TYPES:
                raise ValueError(
                    f'vis_kwargs_list type must be one of {list(_VIS_TYPES)}'
                    f', got {kwargs.get("type")!r}'
                )
        self.interval = interval
        self.fixed_input = fixed_input
        self.n_samples = n_samples
        self.n_row = n_row
        self._noise: Dict[int, torch.Tensor] = {}

    def _inputs(self, model, index: int, sample_model: Optional[str]):
        """Inputs and data samples of one grid."""
        num_classes = getattr(model, 'num_classes', None)
        if num_classes:
            labels = torch.arange(num_classes).repeat_interleave(self.n_row)
        else:
            labels = None
        num = len(labels) if labels is not None else self.n_samples
        noise = self._noise.get(index) if self.fixed_input else None
        if noise is None:
            noise = model.noise_fn(num_batches=num).cpu()
            if self.fixed_input:
                self._noise[index] = noise
        inputs = dict(noise=noise.to(model.device), num_batches=num)
        if sample_model:
            inputs['sample_model'] = sample_model
        samples = None
        if labels is not None:
            samples = [DataSample().set_gt_label(int(y)) for y in labels]
            samples = DataSample.stack(samples)
        return inputs, samples

    def _save(self, runner, tag: str) -> None:
        model = (
            runner.model.module
            if is_model_wrapper(runner.model)
            else runner.model
        )
        was_training = model.training
        model.eval()
        try:
            for index, kwargs in enumerate(self.vis_kwargs_list):
                self._save_one(runner, model, index, kwargs, tag)
        finally:
            model.train(was_training)

    @torch.no_grad()
    def _save_one(
        self, runner, model, index: int, kwargs: dict, tag: str
    ) -> None:
        inputs, samples = self._inputs(
            model, index, kwargs.get('sample_model')
        )
        outputs = model(inputs, samples)
        sample_model = outputs[0].sample_model
        models = ['ema', 'orig'] if sample_model == 'ema/orig' else [None]
        name = kwargs.get('name', 'fake_img')
        for which in models:
            tiles = [
                image_to_tile((out.get(which) if which else out).fake_img)
                for out in outputs
            ]
            suffix = which or sample_model
            path = osp.join(
                runner.work_dir, 'vis_data', f'{name}_{suffix}_{tag}.png'
            )
            write_image(path, make_grid(tiles, self.n_row))

    def after_train_iter(
        self, runner, batch_idx: int, data_batch=None, outputs=None
    ) -> None:
        """Save the grids every ``interval`` iterations (main process)."""
        if is_main_process() and self.every_n_train_iters(
            runner, self.interval
        ):
            self._save(runner, f'iter_{runner.iter + 1}')

    def after_train(self, runner) -> None:
        """Save the final grids (unless the last iteration just did)."""
        if is_main_process() and runner.iter % self.interval:
            self._save(runner, f'iter_{runner.iter}')
