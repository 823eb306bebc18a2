# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``NumClassCheckHook``: heads, datasets and label maps agree on the
classes."""

import os
from types import SimpleNamespace

import pytest
import torch
import torch.distributed as torch_dist
import torch.multiprocessing as mp
from conftest import free_port
from mmengine.structures import PixelData

from mmflow_ext.engine.hooks import NumClassCheckHook
from mmflow_ext.engine.hooks.num_class_check_hook import (
    _heads,
    check_head_classes,
)
from mmflow_ext.evaluation.functional.seg_metrics import check_label_range
from mmflow_ext.structures import SegDataSample


def head(num_classes: int, ignore_index: int = 255) -> torch.nn.Module:
    module = torch.nn.Module()
    module.num_classes = num_classes
    module.ignore_index = ignore_index
    return module


def segmentor(decode: int, aux=()) -> torch.nn.Module:
    model = torch.nn.Module()
    model.decode_head = head(decode)
    model.auxiliary_head = torch.nn.ModuleList(head(n) for n in aux)
    return model


def sample(labels, path='ann/x.png') -> SegDataSample:
    data_sample = SegDataSample(metainfo=dict(seg_map_path=path))
    data_sample.gt_sem_seg = PixelData(
        data=torch.tensor(labels, dtype=torch.uint8)[None]
    )
    return data_sample


def test_auxiliary_heads_are_checked_too():
    model = segmentor(3, (3, 3))
    assert [path for path, _ in _heads(model)] == [
        'decode_head',
        'auxiliary_head[0]',
        'auxiliary_head[1]',
    ]
    assert check_head_classes(model, 'abc', 'val_dataloader') is None
    with pytest.raises(
        ValueError,
        match=r'model\.auxiliary_head\[1\]\.num_classes=4 does not '
        r"match the 3 classes of val_dataloader \('a', 'b', 'c'\)",
    ):
        check_head_classes(segmentor(3, (3, 4)), 'abc', 'val_dataloader')


def test_a_model_without_heads_is_not_checked():
    dataset = SimpleNamespace(metainfo=dict(classes=('a', 'b')))
    loop = SimpleNamespace(dataloader=SimpleNamespace(dataset=dataset))
    editor = SimpleNamespace(model=torch.nn.Linear(1, 1), train_loop=loop)
    assert list(_heads(editor.model)) == []
    assert NumClassCheckHook().before_train(editor) is None
    # the same dataset with a segmentor of 3 classes is refused
    with pytest.raises(ValueError, match='num_classes=3 does not match'):
        NumClassCheckHook().before_train(
            SimpleNamespace(model=segmentor(3), train_loop=loop)
        )


def test_label_range_uses_ignore_index_without_wrapping():
    labels = torch.tensor([0, 1, 255], dtype=torch.uint8)
    assert check_label_range(labels, 2, 255, 'a.png') is None
    # ignore_index=-1 must not pass 255 as "-1" of a uint8 map
    with pytest.raises(
        ValueError,
        match=r'^a\.png holds values outside \[0, 2\) that are not '
        r'ignore_index=-1 \(value: pixels\) \{255: 1\}; check ',
    ):
        check_label_range(labels, 2, -1, 'a.png')


def test_label_values_are_checked_in_every_loop_unless_disabled():
    runner = SimpleNamespace(model=segmentor(3))
    hook = NumClassCheckHook()
    good = dict(data_samples=[sample([[0, 2], [255, 1]])])
    bad = dict(
        data_samples=[
            sample([[0, 1]], 'ann/ok.png'),
            sample([[3, 7], [7, 255]], 'ann/bad.png'),
        ]
    )
    message = (
        r'label map ann/bad\.png holds values outside \[0, 3\) '
        r'that are not ignore_index=255 \(value: pixels\) '
        r'\{3: 1, 7: 2\}'
    )
    for check in (
        hook.before_train_iter,
        hook.before_val_iter,
        hook.before_test_iter,
    ):
        assert check(runner, 0, good) is None
        with pytest.raises(ValueError, match=message):
            check(runner, 0, bad)
    # without check_labels the same batch passes: nothing else is read
    unchecked = NumClassCheckHook(check_labels=False)
    assert unchecked.before_test_iter(runner, 0, bad) is None
    # the decode head's ignore_index is the one allowed outside the range
    runner.model.decode_head.ignore_index = 7
    with pytest.raises(
        ValueError, match=r'ignore_index=7 .* \{3: 1, 255: 1\}'
    ):
        hook.before_train_iter(runner, 0, bad)


def test_before_test_compares_the_test_dataset():
    dataset = SimpleNamespace(metainfo=dict(classes=('a', 'b')))
    runner = SimpleNamespace(
        model=segmentor(5),
        test_loop=SimpleNamespace(dataloader=SimpleNamespace(dataset=dataset)),
    )
    with pytest.raises(
        ValueError,
        match=r'decode_head\.num_classes=5 does not match the 2 classes '
        r'of SimpleNamespace in test_dataloader',
    ):
        NumClassCheckHook().before_test(runner)


def _check_on_rank(rank: int, port: int, results) -> None:
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    torch_dist.init_process_group('gloo', rank=rank, world_size=2)
    runner = SimpleNamespace(model=segmentor(3))
    labels = [[0, 1]] if rank == 0 else [[5, 1]]
    batch = dict(data_samples=[sample(labels, f'ann/{rank}.png')])
    try:
        NumClassCheckHook().before_train_iter(runner, 0, batch)
        results[rank] = 'passed'
    except ValueError as error:
        results[rank] = str(error)
    torch_dist.destroy_process_group()


@pytest.mark.slow
def test_a_bad_map_on_one_rank_stops_every_rank():
    """Raising on rank 1 alone would leave rank 0 waiting in DDP's next
    gradient all-reduce until the job times out."""
    results = mp.Manager().dict()
    mp.spawn(_check_on_rank, args=(free_port(), results), nprocs=2)
    message = (
        'rank 1: label map ann/1.png holds values outside [0, 3) that are '
        'not ignore_index=255 (value: pixels) {5: 1}; check num_classes, '
        "ignore_index, reduce_zero_label and the dataset's classes"
    )
    assert dict(results) == {0: message, 1: message}
