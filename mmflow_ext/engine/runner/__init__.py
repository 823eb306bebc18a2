# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Loops of editing configs (MMagic 1.x names)."""

from .multi_loops import MultiTestLoop, MultiValLoop

__all__ = ['MultiTestLoop', 'MultiValLoop']
