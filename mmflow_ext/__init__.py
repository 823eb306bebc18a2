# Copyright (c) mmflow_ext contributors. All rights reserved.
"""mmflow_ext: the data flow of MMSegmentation 1.x and MMagic 1.x on MMEngine.

Importing the package checks the versions of its dependencies and changes
no behaviour of MMEngine, mmcv or any other package. The fixes that make
MMEngine 0.10 work on today's torch (see :mod:`mmflow_ext.compat`) apply only
to Runners that use our types (our ``CheckpointHook``, our DDP wrapper) and
in our tools. The one addition: configs may inherit ours as
``_base_ = 'mmflow_ext::PATH'`` (:mod:`mmflow_ext.compat.config_prefix`),
which MMEngine refused before; every other package resolves as it did.
Types are registered lazily: the registries in :mod:`mmflow_ext.registry`
import their modules on first use.
"""

from .dependencies import check_dependencies
from .version import __version__, version_info

check_dependencies()

# registers our DDP wrapper (found through MODEL_WRAPPERS' locations, which
# import this package first) and the atomic file backend; patches nothing
from . import compat  # noqa: E402  (needs the checked versions)

compat.enable_config_prefix()

__all__ = ['__version__', 'version_info', 'check_dependencies']
