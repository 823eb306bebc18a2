# Copyright (c) mmflow_ext contributors. All rights reserved.
"""mmflow_ext: the data flow of MMSegmentation 1.x and MMagic 1.x on MMEngine.

Importing the package checks the versions of its dependencies and applies
the fixes that make MMEngine 0.10 work on today's torch (see
:mod:`mmflow_ext.compat`). Types are registered lazily: the registries in
:mod:`mmflow_ext.registry` import their modules on first use.
"""
from .dependencies import check_dependencies
from .version import __version__, version_info

check_dependencies()

from . import compat  # noqa: E402  (patches need the checked versions)

compat.apply_all()

__all__ = ['__version__', 'version_info', 'check_dependencies']
