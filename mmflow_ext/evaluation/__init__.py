# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Evaluation: pure functions (:mod:`.functional`) under registered
metrics (:mod:`.metrics`)."""
from . import functional  # noqa: F401
from .metrics import *  # noqa: F401,F403
