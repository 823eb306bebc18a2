# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``_base_ = 'mmflow_ext::segmentation/CONFIG.py'`` in a user's config.

MMEngine resolves ``package::path`` only for the OpenMMLab packages it
lists, and finds a package's configs through
:func:`mmengine.utils.get_installed_path`, which points an editable install
at ``site-packages`` instead of the checkout. :func:`enable_config_prefix`
adds ``mmflow_ext`` to that list and answers the path lookup for
``mmflow_ext`` alone; every other package resolves exactly as before.
The configs are read from ``mmflow_ext/.mim/configs``: a copy in a regular
install, a link to the checkout's ``configs/`` in an editable one (both made
by ``setup.py``).
"""

import os.path as osp
from typing import Callable

from mmengine.config import config as mmengine_config
from mmengine.config import utils as config_utils

PACKAGE = 'mmflow_ext'


def package_dir() -> str:
    """The folder of the imported ``mmflow_ext`` package.

    Returns:
        str: Absolute path of the package (the checkout's ``mmflow_ext/``
        in an editable install).
    """
    return osp.dirname(osp.dirname(osp.abspath(__file__)))


def _answer_for_our_package(lookup: Callable[[str], str]) -> Callable:
    """Wrap MMEngine's installed-path lookup so that ``mmflow_ext`` is found
    where it is imported from."""
    if getattr(lookup, '_mmflow_ext', False):
        return lookup

    def get_installed_path(package: str) -> str:
        if package == PACKAGE:
            return package_dir()
        return lookup(package)

    get_installed_path._mmflow_ext = True
    get_installed_path.__doc__ = lookup.__doc__
    return get_installed_path


def enable_config_prefix() -> None:
    """Let configs inherit ours with the ``mmflow_ext::`` prefix
    (idempotent).

    Examples:
        >>> import tempfile, os.path as osp
        >>> from mmengine.config import Config
        >>> enable_config_prefix()
        >>> folder = tempfile.mkdtemp()
        >>> with open(osp.join(folder, 'mine.py'), 'w') as f:
        ...     _ = f.write("_base_ = 'mmflow_ext::_base_/"
        ...                 "default_runtime.py'\\n")
        >>> Config.fromfile(osp.join(folder, 'mine.py')).default_scope
        'mmflow_ext'
    """
    config_utils.MODULE2PACKAGE.setdefault(PACKAGE, PACKAGE)
    mmengine_config.get_installed_path = _answer_for_our_package(
        mmengine_config.get_installed_path
    )
