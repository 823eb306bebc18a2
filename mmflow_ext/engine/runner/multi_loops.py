# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``MultiValLoop`` and ``MultiTestLoop``: validate or test on several
dataloaders, each with its own evaluator, as every MMagic 1.x config does.

Each loader's metrics are named by its metrics' ``prefix`` (``Set5/PSNR``,
``Set14/PSNR``); the loop merges them into one dict and refuses two loaders
that give a metric the same name, as MMagic does.
"""

import warnings
from typing import Any, Dict, List, Union

import torch
from mmengine.evaluator import Evaluator
from mmengine.runner.amp import autocast
from mmengine.runner.base_loop import BaseLoop
from mmengine.utils import is_list_of
from torch.utils.data import DataLoader

from mmflow_ext.registry import LOOPS

__all__ = ['MultiValLoop', 'MultiTestLoop', 'is_evaluator', 'as_evaluators']

Loaders = Union[DataLoader, Dict, List]
Evaluators = Union[Evaluator, Dict, List]


def is_evaluator(cfg: Any) -> bool:
    """Whether ``cfg`` describes one evaluator: an :class:`Evaluator`, a
    dict with ``metrics``, or a list of metric configs (none of which has
    ``metrics``).

    Examples:
        >>> is_evaluator([dict(type='PSNR'), dict(type='SSIM')])
        True
        >>> is_evaluator([dict(metrics=[dict(type='PSNR')])])
        False
    """
    if isinstance(cfg, Evaluator):
        return True
    if isinstance(cfg, dict):
        return 'metrics' in cfg
    return is_list_of(cfg, dict) and all('metrics' not in c for c in cfg)


def as_evaluators(cfg: Evaluators) -> List[Union[Evaluator, dict]]:
    """One evaluator (config) per loader, as MMagic reads
    ``val_evaluator``: one evaluator, or a list of them.

    Raises:
        TypeError: ``cfg`` is neither (the message shows it).
    """
    items = [cfg] if is_evaluator(cfg) else cfg
    if not isinstance(items, (list, tuple)) or not all(
        is_evaluator(c) for c in items
    ):
        raise TypeError(
            'evaluator must be an Evaluator, a dict with "metrics", a list '
            f'of metric configs, or a list of those; got {cfg!r}'
        )
    out = []
    for item in items:
        if isinstance(item, list):
            item = dict(type='Evaluator', metrics=item)
        elif isinstance(item, dict):
            item = dict(item)
            item.setdefault('type', 'Evaluator')
        out.append(item)
    return out


class _MultiLoop(BaseLoop):
    """Shared body of the two loops."""

    mode = ''  # 'val' or 'test'

    def __init__(
        self,
        runner,
        dataloader: Loaders,
        evaluator: Evaluators,
        fp16: bool = False,
    ) -> None:
        self._runner = runner
        loaders = dataloader if isinstance(dataloader, list) else [dataloader]
        self.dataloaders = [
            runner.build_dataloader(d, seed=runner.seed)
            if isinstance(d, dict)
            else d
            for d in loaders
        ]
        self.evaluators = [
            runner.build_evaluator(e) for e in as_evaluators(evaluator)
        ]
        if len(self.dataloaders) != len(self.evaluators):
            raise ValueError(
                f'{type(self).__name__}: {len(self.dataloaders)} '
                f'dataloaders but {len(self.evaluators)} evaluators; give '
                'one evaluator per dataloader'
            )
        self.fp16 = fp16
        # hooks (LoggerHook) read runner.{val,test}_dataloader before run
        self.dataloader = self.dataloaders[0]
        self.evaluator = self.evaluators[0]
        self._total_length = None

    @property
    def total_length(self) -> int:
        """Batches over all loaders (0, with a warning, before ``run``)."""
        if self._total_length is None:
            warnings.warn(
                "'total_length' has not been initialized and "
                "return '0' for safety; read it after 'run'."
            )
            return 0
        return self._total_length

    def _step(self, data_batch: Any) -> Any:
        raise NotImplementedError

    def run(self) -> Dict[str, Any]:
        """Evaluate every loader in turn and merge the metrics.

        Returns:
            dict: All loaders' metrics.

        Raises:
            ValueError: Two loaders give a metric the same name.
        """
        runner, mode = self._runner, self.mode
        runner.call_hook(f'before_{mode}')
        runner.call_hook(f'before_{mode}_epoch')
        runner.model.eval()
        self._total_length = sum(len(d) for d in self.dataloaders)
        merged: Dict[str, Any] = {}
        idx = 0
        for evaluator, dataloader in zip(self.evaluators, self.dataloaders):
            self.evaluator, self.dataloader = evaluator, dataloader
            meta = getattr(dataloader.dataset, 'metainfo', None)
            if meta:
                evaluator.dataset_meta = meta
                runner.visualizer.dataset_meta = meta
            else:
                warnings.warn(
                    f'Dataset {type(dataloader.dataset).__name__} has no '
                    'metainfo. `dataset_meta` in evaluator, metric and '
                    'visualizer will be None.'
                )
            for data_batch in dataloader:
                self.run_iter(idx, data_batch)
                idx += 1
            metrics = evaluator.evaluate(len(dataloader.dataset))
            clash = sorted(metrics.keys() & merged.keys())
            if clash:
                raise ValueError(
                    'Please set different prefix for different datasets in '
                    f'`{mode}_evaluator`: {clash} come from two dataloaders'
                )
            merged.update(metrics)
        runner.call_hook(f'after_{mode}_epoch', metrics=merged)
        runner.call_hook(f'after_{mode}')
        return merged

    @torch.no_grad()
    def run_iter(self, idx: int, data_batch: Any) -> None:
        """One batch: the model's step, the evaluator, the hooks.

        Args:
            idx (int): Batch index over all loaders.
            data_batch: A batch of the current loader.
        """
        mode = self.mode
        self._runner.call_hook(
            f'before_{mode}_iter', batch_idx=idx, data_batch=data_batch
        )
        with autocast(enabled=self.fp16):
            outputs = self._step(data_batch)
        self.evaluator.process(data_samples=outputs, data_batch=data_batch)
        self._runner.call_hook(
            f'after_{mode}_iter',
            batch_idx=idx,
            data_batch=data_batch,
            outputs=outputs,
        )


@LOOPS.register_module()
class MultiValLoop(_MultiLoop):
    """Validation over several dataloaders.

    Args:
        runner (Runner): The runner.
        dataloader (DataLoader | dict | list): One loader (config) or a
            list of them.
        evaluator (Evaluator | dict | list): One evaluator (config, or list
            of metric configs) per loader.
        fp16 (bool): Run under autocast. Defaults to False.
    """

    mode = 'val'

    def _step(self, data_batch: Any) -> Any:
        return self._runner.model.val_step(data_batch)


@LOOPS.register_module()
class MultiTestLoop(_MultiLoop):
    """Testing over several dataloaders (arguments as
    :class:`MultiValLoop`)."""

    mode = 'test'

    def _step(self, data_batch: Any) -> Any:
        return self._runner.model.test_step(data_batch)
