# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Run one of our transforms and MMSegmentation's side by side."""

import copy

import numpy as np
import pytest


def upstream_transforms():
    """MMSegmentation's transforms module; skips when it is not there."""
    return pytest.importorskip('mmseg.datasets.transforms.transforms')


def run_seeded(transform, results: dict, seed: int):
    """``transform(copy of results)`` after ``np.random.seed(seed)``, and
    the next draw of the global generator (equal when as many numbers were
    drawn)."""
    np.random.seed(seed)
    out = transform(copy.deepcopy(results))
    return out, np.random.random()


def assert_same_results(ours: dict, theirs: dict, skip=()) -> None:
    """Same keys; arrays equal in value, dtype and shape."""
    assert set(ours) == set(theirs)
    for key, value in theirs.items():
        if key in skip:
            continue
        if isinstance(value, np.ndarray):
            assert ours[key].dtype == value.dtype, key
            assert np.array_equal(ours[key], value), key
        else:
            assert ours[key] == value, key


def compare_seeded(ours, theirs, results: dict, seeds, skip=()) -> None:
    """Outputs and generator states agree for every seed."""
    for seed in seeds:
        out_ours, next_ours = run_seeded(ours, results, seed)
        out_theirs, next_theirs = run_seeded(theirs, results, seed)
        assert next_ours == next_theirs, f'seed {seed}: draws differ'
        assert_same_results(out_ours, out_theirs, skip)


def seg_results(height=24, width=32, seed=0, num_classes=4):
    """An image and a blocky label map with a few ignored pixels."""
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    blocks = rng.integers(0, num_classes, (height // 4 + 1, width // 4 + 1))
    seg = np.kron(blocks, np.ones((4, 4), np.int64))[:height, :width]
    seg = seg.astype(np.uint8)
    seg[0, :3] = 255
    return dict(
        img=img,
        gt_seg_map=seg,
        seg_fields=['gt_seg_map'],
        img_shape=(height, width),
        ori_shape=(height, width),
    )
