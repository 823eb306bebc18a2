# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Helpers of the differential tests against MMagic's transforms."""

import copy
import random

import numpy as np


def assert_same(ours, theirs, path='results'):
    """Assert two (nested) results are equal, arrays exactly."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict), path
        assert sorted(ours) == sorted(theirs), (
            path,
            sorted(ours),
            sorted(theirs),
        )
        for key in theirs:
            assert_same(ours[key], theirs[key], f'{path}[{key!r}]')
    elif isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs), path
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_same(a, b, f'{path}[{i}]')
    elif isinstance(theirs, np.ndarray):
        assert isinstance(ours, np.ndarray), path
        assert ours.dtype == theirs.dtype, (path, ours.dtype, theirs.dtype)
        np.testing.assert_array_equal(ours, theirs, err_msg=path)
    else:
        assert ours == theirs, (path, ours, theirs)


def run_both(ours, theirs, results, seed=0):
    """Run two transforms on copies of ``results`` from the same seed."""
    outs = []
    for transform in (ours, theirs):
        np.random.seed(seed)
        random.seed(seed)
        outs.append(transform(copy.deepcopy(results)))
    return outs
