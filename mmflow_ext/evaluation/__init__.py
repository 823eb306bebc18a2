# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Evaluation: pure functions (:mod:`.functional`) under registered
metrics (:mod:`.metrics`); the files segmentation evaluation writes
(:mod:`.seg_result_files`)."""

from . import functional, seg_result_files  # noqa: F401
from .metrics import *  # noqa: F401,F403
