# Copyright (c) mmflow_ext contributors. All rights reserved.
import torch

from mmflow_ext.models.utils import empty_batch, memory


def test_large_cpu_batches_are_advised_huge_pages(monkeypatch):
    calls = []
    monkeypatch.setattr(
        memory, '_madvise', lambda *args: calls.append(args) or 0
    )
    small = empty_batch((2, 3), torch.float32, torch.device('cpu'))
    assert small.shape == (2, 3) and small.dtype == torch.float32
    assert calls == []  # below two huge pages: nothing to advise
    big = empty_batch((3, 1 << 20), torch.float32, torch.device('cpu'))
    assert big.shape == (3, 1 << 20)
    ((start, length, advice),) = calls
    huge = memory._HUGE_PAGE
    assert advice == memory._MADV_HUGEPAGE
    assert start % huge == 0 and length % huge == 0
    # the advised range lies inside the tensor
    assert big.data_ptr() <= start
    assert start + length <= big.data_ptr() + big.numel() * 4


def test_without_madvise_it_is_torch_empty(monkeypatch):
    monkeypatch.setattr(memory, '_madvise', None)
    out = empty_batch((3, 1 << 20), torch.int64, torch.device('cpu'))
    assert out.dtype == torch.int64 and out.shape == (3, 1 << 20)
