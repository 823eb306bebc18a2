# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``VisualizationHook``: MMagic's name and arguments for the generation
visualization hook, adding its translation samplers (train / val / test
batches through ``val_step``) and the images saved at test time."""

import math
import os.path as osp
from copy import deepcopy
from typing import Dict, List, Optional, Union

import numpy as np
import torch
from mmengine.dist import is_main_process
from torch.utils.data import DataLoader

from mmflow_ext.registry import HOOKS
from mmflow_ext.visualization.image_file import write_image
from mmflow_ext.visualization.image_tile import image_to_tile

from .gen_visualization_hook import GenVisualizationHook, make_grid

__all__ = ['VisualizationHook']

# MMagic's aliases: Translation* draw batches of a dataloader
_NOISE_TYPES = ('GAN', 'Noise')
_DATA_TYPES = dict(
    Translation='Data',
    Data='Data',
    TranslationVal='ValData',
    ValData='ValData',
    TranslationTest='TestData',
    TestData='TestData',
)


def _canonical(vis_type: str) -> str:
    for name in _NOISE_TYPES + tuple(_DATA_TYPES):
        if name.upper() == str(vis_type).upper():
            return _DATA_TYPES.get(name, 'Noise')
    raise ValueError(
        'vis_kwargs_list type must be one of '
        f'{list(_NOISE_TYPES) + list(_DATA_TYPES)}, got {vis_type!r}'
    )


def _image_keys(sample, target_keys) -> List[str]:
    """``target_keys`` as a list, by default every public 3-D tensor."""
    if target_keys is None:
        return [
            k
            for k, v in sample.items()
            if not k.startswith('_') and torch.is_tensor(v) and v.ndim == 3
        ]
    return [target_keys] if isinstance(target_keys, str) else list(target_keys)


@HOOKS.register_module()
class VisualizationHook(GenVisualizationHook):
    """MMagic's ``VisualizationHook`` (same arguments) over
    :class:`GenVisualizationHook`.

    ``vis_kwargs_list`` entries of type ``'GAN'`` / ``'Noise'`` save noise
    grids as :class:`GenVisualizationHook` does; ``'Translation'``
    (``'Data'``), ``'TranslationVal'`` (``'ValData'``) and
    ``'TranslationTest'`` (``'TestData'``) run ``n_samples`` images of the
    train / val / test dataset through the model's ``val_step`` and save
    ``<work_dir>/vis_data/<name>_iter_<n>.png``: one block per target key
    (default: every image field of the outputs, e.g. ``img_photo``,
    ``img_mask``, ``fake_photo``), ``n_row`` images per row (default
    ``ceil(sqrt(n))``). With ``save_at_test``, each test output (at most
    ``max_save_at_test``) is saved as ``vis_data/test_<key>_<idx>.png``.

    Args:
        interval (int): Training iterations between grids. Defaults to
            1000.
        vis_kwargs_list (dict | list[dict], optional): The grids (``type``,
            ``name``, ``n_samples``, ``n_row``, ``fixed_input``,
            ``target_keys``, ``sample_model``). Defaults to
            ``dict(type='GAN')``.
        fixed_input (bool): Reuse the noise / batches. Defaults to True.
        n_samples (int): Images per grid. Defaults to 64.
        n_row (int, optional): Images per row (None: ``ceil(sqrt(n))``).
        message_hub_vis_kwargs: Unsupported; must be None.
        save_at_test (bool): Save test outputs. Defaults to True.
        max_save_at_test (int, optional): Test samples saved (None: all).
            Defaults to 100.
        test_vis_keys (str | list[str], optional): Keys saved at test
            (default: every image field).
        show (bool): Unsupported; must be False.
        wait_time (float): Unused (no display). Defaults to 0.

    Raises:
        ValueError: For an unknown ``type``, a bad count, or the
            unsupported options.
    """

    def __init__(
        self,
        interval: int = 1000,
        vis_kwargs_list: Union[None, Dict, List[Dict]] = None,
        fixed_input: bool = True,
        n_samples: int = 64,
        n_row: Optional[int] = None,
        message_hub_vis_kwargs=None,
        save_at_test: bool = True,
        max_save_at_test: Optional[int] = 100,
        test_vis_keys: Union[None, str, List[str]] = None,
        show: bool = False,
        wait_time: float = 0,
    ) -> None:
        if message_hub_vis_kwargs is not None:
            raise ValueError(
                'VisualizationHook: message_hub_vis_kwargs is not supported '
                f'by mmflow_ext, got {message_hub_vis_kwargs!r}'
            )
        if show:
            raise ValueError(
                'VisualizationHook: show=True is not supported (images are '
                'saved under <work_dir>/vis_data)'
            )
        vis = deepcopy(vis_kwargs_list) or dict(type='GAN')
        vis = [vis] if isinstance(vis, dict) else list(vis)
        for kwargs in vis:
            _canonical(kwargs.get('type', 'GAN'))
        super().__init__(interval, None, fixed_input, n_samples, n_row or 1)
        self.vis_kwargs_list = vis
        self.n_row = n_row
        self.save_at_test = save_at_test
        self.max_save_at_test = max_save_at_test
        self.test_vis_keys = test_vis_keys
        self._batches: Dict[int, list] = {}

    # ------------------------------------------------------------ grids
    def _save_one(
        self, runner, model, index: int, kwargs: dict, tag: str
    ) -> None:
        vis_type = _canonical(kwargs.get('type', 'GAN'))
        n_samples = kwargs.get('n_samples', self.n_samples)
        n_row = kwargs.get('n_row', self.n_row)
        if vis_type != 'Noise':
            self._save_data(runner, model, index, kwargs, tag, vis_type)
            return
        saved = self.n_samples, self.n_row
        self.n_samples = n_samples
        self.n_row = n_row or math.ceil(math.sqrt(n_samples))
        try:
            super()._save_one(runner, model, index, kwargs, tag)
        finally:
            self.n_samples, self.n_row = saved

    @staticmethod
    def _dataloader(runner, vis_type: str):
        if vis_type == 'Data':
            return runner.train_dataloader
        loop = runner.val_loop if vis_type == 'ValData' else runner.test_loop
        return getattr(loop, 'dataloader', None) or loop.dataloaders[0]

    def _data_batches(
        self, runner, index: int, kwargs: dict, vis_type: str, n: int
    ) -> list:
        fixed = kwargs.get('fixed_input', self.fixed_input)
        if fixed and index in self._batches:
            return self._batches[index]
        source = self._dataloader(runner, vis_type)
        loader = DataLoader(
            source.dataset,
            batch_size=source.batch_size,
            shuffle=False,
            collate_fn=source.collate_fn,
        )
        batches, count = [], 0
        for batch in loader:
            batches.append(batch)
            count += source.batch_size
            if count >= n:
                break
        if fixed:
            self._batches[index] = batches
        return batches

    @torch.no_grad()
    def _save_data(
        self, runner, model, index: int, kwargs: dict, tag: str, vis_type
    ) -> None:
        n_samples = kwargs.get('n_samples', self.n_samples)
        batches = self._data_batches(
            runner, index, kwargs, vis_type, n_samples
        )
        outputs = [out for b in batches for out in model.val_step(b)]
        outputs = outputs[:n_samples]
        keys = _image_keys(outputs[0], kwargs.get('target_keys'))
        if not keys:
            raise ValueError(
                'VisualizationHook: the outputs hold no image (3-D tensor) '
                f'fields; set target_keys (fields: {list(outputs[0].keys())})'
            )
        n_row = kwargs.get('n_row', self.n_row) or math.ceil(
            math.sqrt(len(outputs))
        )
        tiles = []
        for key in keys:
            block = [image_to_tile(out.get(key)) for out in outputs]
            blank = np.zeros_like(block[0])
            tiles += block + [blank] * (-len(block) % n_row)
        name = kwargs.get('name') or str(kwargs.get('type')).lower()
        path = osp.join(runner.work_dir, 'vis_data', f'{name}_{tag}.png')
        write_image(path, make_grid(tiles, n_row))

    # ------------------------------------------------------------ test
    def after_test_iter(
        self, runner, batch_idx: int, data_batch=None, outputs=None
    ) -> None:
        """Save each test output's image fields (main process)."""
        if not (self.save_at_test and is_main_process() and outputs):
            return
        for idx, sample in enumerate(outputs):
            curr = batch_idx * len(outputs) + idx
            if self.max_save_at_test is not None and (
                curr >= self.max_save_at_test
            ):
                continue
            keys = _image_keys(sample, self.test_vis_keys)
            if not keys:
                raise ValueError(
                    'VisualizationHook: test output has no image field; '
                    f'set test_vis_keys (fields: {list(sample.keys())})'
                )
            for key in keys:
                name = key.replace('.', '_')
                path = osp.join(
                    runner.work_dir, 'vis_data', f'test_{name}_{curr}.png'
                )
                write_image(path, image_to_tile(sample.get(key)))
