# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``NumClassCheckHook``: the class count of the heads, the datasets and
the label maps must agree, checked before anything is trained."""

from typing import Iterator, List, Optional, Sequence, Tuple

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmflow_ext.engine.rank_agreement import gather_if_any_rank
from mmflow_ext.evaluation.functional.seg_metrics import check_label_range
from mmflow_ext.registry import HOOKS
from mmflow_ext.structures.sample_access import (
    field_data,
    get_field,
    sample_source,
)

__all__ = ['NumClassCheckHook', 'check_head_classes']

#: segmentor attributes that hold heads with ``num_classes``
HEAD_ATTRIBUTES = ('decode_head', 'auxiliary_head')


def _heads(model: torch.nn.Module) -> Iterator[Tuple[str, torch.nn.Module]]:
    """``(config path, head)`` of every head that has ``num_classes``."""
    for attr in HEAD_ATTRIBUTES:
        head = getattr(model, attr, None)
        if isinstance(head, (torch.nn.ModuleList, list, tuple)):
            for i, sub_head in enumerate(head):
                if hasattr(sub_head, 'num_classes'):
                    yield f'{attr}[{i}]', sub_head
        elif head is not None and hasattr(head, 'num_classes'):
            yield attr, head


def check_head_classes(
    model: torch.nn.Module, classes: Sequence[str], where: str
) -> None:
    """Raise when a head's ``num_classes`` differs from ``len(classes)``.

    Args:
        model (nn.Module): The segmentor (unwrapped).
        classes (Sequence[str]): The dataset's class names.
        where (str): What the classes belong to, for the message.

    Raises:
        ValueError: Naming the head, both counts and the classes.

    Examples:
        >>> model = torch.nn.Module()
        >>> model.decode_head = torch.nn.Module()
        >>> model.decode_head.num_classes = 3
        >>> check_head_classes(model, ['a', 'b', 'c'], 'train_dataloader')
        >>> check_head_classes(model, ['a', 'b'], 'train_dataloader')
        Traceback (most recent call last):
        ...
        ValueError: model.decode_head.num_classes=3 does not match the 2 \
classes of train_dataloader ('a', 'b'); set \
model.decode_head.num_classes=2 in the config
    """
    for path, head in _heads(model):
        if head.num_classes != len(classes):
            raise ValueError(
                f'model.{path}.num_classes={head.num_classes} does not '
                f'match the {len(classes)} classes of {where} '
                f'{tuple(classes)}; set model.{path}.num_classes='
                f'{len(classes)} in the config'
            )


@HOOKS.register_module()
class NumClassCheckHook(Hook):
    """Check that the model, the datasets and the labels agree on the
    classes, before the first iteration instead of deep into training.

    - Before training, validation and testing: ``num_classes`` of every
      decode and auxiliary head must equal the number of
      ``metainfo['classes']`` of the loop's dataset.
    - Before each iteration (``check_labels=True``): every ``gt_sem_seg``
      of the batch must hold labels in ``[0, num_classes)`` or the decode
      head's ``ignore_index``; the error names the sample's
      ``seg_map_path``. The check reads each map once (a min/max), which is
      small next to an iteration. In distributed runs every rank raises
      when one rank finds a bad map (a one-number all-reduce per batch),
      so no rank is left waiting in a collective.

    Models without heads that have ``num_classes`` (editing models) and
    datasets without ``classes`` are not checked.

    Add it to a config with
    ``custom_hooks = [dict(type='NumClassCheckHook')]``.

    Args:
        check_labels (bool): Also check the label values of every batch.
            Defaults to True.
    """

    priority = 'VERY_HIGH'

    def __init__(self, check_labels: bool = True) -> None:
        self.check_labels = check_labels

    @staticmethod
    def _model(runner) -> torch.nn.Module:
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def _check_dataset(self, runner, dataloader, name: str) -> None:
        dataset = getattr(dataloader, 'dataset', None)
        metainfo = getattr(dataset, 'metainfo', None) or {}
        classes = metainfo.get('classes')
        if classes is None:
            return
        check_head_classes(
            self._model(runner), classes, f'{type(dataset).__name__} in {name}'
        )

    def before_train(self, runner) -> None:
        """Check the heads against the training dataset."""
        self._check_dataset(
            runner, runner.train_loop.dataloader, 'train_dataloader'
        )

    def before_val(self, runner) -> None:
        """Check the heads against the validation dataset."""
        self._check_dataset(
            runner, runner.val_loop.dataloader, 'val_dataloader'
        )

    def before_test(self, runner) -> None:
        """Check the heads against the test dataset."""
        self._check_dataset(
            runner, runner.test_loop.dataloader, 'test_dataloader'
        )

    def _label_limits(self, runner) -> Optional[Tuple[int, int]]:
        heads: List[torch.nn.Module] = [
            head
            for path, head in _heads(self._model(runner))
            if path.startswith('decode_head')
        ]
        if not heads:
            return None
        head = heads[0]
        return head.num_classes, getattr(head, 'ignore_index', 255)

    def _check_batch(self, runner, data_batch: Optional[dict]) -> None:
        if not self.check_labels or not isinstance(data_batch, dict):
            return
        limits = self._label_limits(runner)
        if limits is None:
            return
        error = ''
        try:
            for sample in data_batch.get('data_samples') or []:
                seg = get_field(sample, 'gt_sem_seg', default=None)
                if seg is not None:
                    check_label_range(
                        field_data(seg),
                        limits[0],
                        limits[1],
                        f'label map {sample_source(sample)}',
                    )
        except ValueError as out_of_range:
            error = str(out_of_range)
        # the rank that saw the bad map must not stop alone
        per_rank = gather_if_any_rank(error)
        if per_rank is not None:
            raise ValueError(
                '; '.join(
                    message if len(per_rank) == 1 else f'rank {r}: {message}'
                    for r, message in enumerate(per_rank)
                    if message
                )
            )

    def before_train_iter(
        self, runner, batch_idx: int, data_batch: Optional[dict] = None
    ) -> None:
        """Check the labels of a training batch."""
        self._check_batch(runner, data_batch)

    def before_val_iter(
        self, runner, batch_idx: int, data_batch: Optional[dict] = None
    ) -> None:
        """Check the labels of a validation batch."""
        self._check_batch(runner, data_batch)

    def before_test_iter(
        self, runner, batch_idx: int, data_batch: Optional[dict] = None
    ) -> None:
        """Check the labels of a test batch."""
        self._check_batch(runner, data_batch)
