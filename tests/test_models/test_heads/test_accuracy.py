# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``seg_accuracy``: pixel accuracy logged with the decode losses."""

import pytest
import torch

from mmflow_ext.models.heads import seg_accuracy


def test_seg_accuracy():
    pred = torch.tensor([[[[2.0, 0.0, 0.0, 1.0]], [[1.0, 3.0, 5.0, 0.0]]]])
    target = torch.tensor([[[0, 1, 0, 255]]])
    assert seg_accuracy(
        pred, target, ignore_index=255
    ).item() == pytest.approx(200 / 3, rel=1e-5)
    # without ignore_index the 255 pixel counts as a miss
    assert seg_accuracy(pred, target).item() == pytest.approx(50.0, rel=1e-5)


def test_empty_batch_and_no_ignored_pixels():
    assert seg_accuracy(
        torch.zeros(0, 2, 1, 1), torch.zeros(0, 1, 1)
    ).tolist() == [0.0]
    # every pixel ignored: eps / eps terms give 100 * eps / eps = 100
    pred = torch.zeros(1, 2, 1, 2)
    target = torch.full((1, 1, 2), 255)
    eps = torch.finfo(torch.float32).eps
    assert seg_accuracy(pred, target, 255).item() == pytest.approx(
        100 * eps / eps
    )


@pytest.mark.parametrize('ignore_index', [None, 255, 1])
def test_matches_mmsegmentation(ignore_index):
    losses = pytest.importorskip('mmseg.models.losses')
    gen = torch.Generator().manual_seed(0)
    pred = torch.randn(2, 4, 5, 6, generator=gen)
    target = torch.randint(0, 4, (2, 5, 6), generator=gen)
    target[0, 0] = 255
    expected = losses.accuracy(pred, target, topk=1, ignore_index=ignore_index)
    assert torch.equal(seg_accuracy(pred, target, ignore_index), expected)
