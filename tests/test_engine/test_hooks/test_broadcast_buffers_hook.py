# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``BroadcastBuffersHook``: every rank ends up with rank 0's buffers."""

import os
import socket

import pytest
import torch
import torch.distributed as torch_dist
import torch.multiprocessing as mp

from mmflow_ext.engine.hooks import BroadcastBuffersHook


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _rank_main(rank: int, port: int, results) -> None:
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    torch_dist.init_process_group('gloo', rank=rank, world_size=2)
    bn = torch.nn.BatchNorm2d(2)
    bn.running_mean.fill_(rank + 1.0)
    bn.num_batches_tracked.fill_(10 * (rank + 1))
    runner = type('FakeRunner', (), {'model': bn})()
    BroadcastBuffersHook().before_val(runner)
    results[rank] = (bn.running_mean.tolist(), int(bn.num_batches_tracked))
    torch_dist.destroy_process_group()


@pytest.mark.slow
def test_ranks_get_the_buffers_of_rank_0():
    results = mp.Manager().dict()
    mp.spawn(_rank_main, args=(free_port(), results), nprocs=2)
    assert dict(results) == {0: ([1.0, 1.0], 10), 1: ([1.0, 1.0], 10)}


def test_one_process_keeps_its_buffers():
    bn = torch.nn.BatchNorm2d(1)
    bn.running_mean.fill_(3.0)
    BroadcastBuffersHook().after_train(type('R', (), {'model': bn})())
    assert bn.running_mean.tolist() == [3.0]
