# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Packaging for mmflow_ext.

Two things happen here that a plain ``setup.cfg`` cannot express:

* the mmcv requirement is ``mmcv-lite`` unless a full ``mmcv`` distribution is
  already installed in the target environment (never both);
* ``tools/`` and ``configs/`` are copied into ``mmflow_ext/.mim/`` (linked
  there in an editable install) so that ``mim train mmflow_ext CONFIG`` and
  ``_base_ = 'mmflow_ext::...'`` find them.
"""

import os
import os.path as osp
import shutil
import sys
import sysconfig
from importlib import metadata
from typing import List, Optional

from setuptools import setup

HERE = osp.dirname(osp.abspath(__file__))
MIM_FOLDERS = ('tools', 'configs')
MIM_FILES = ('model-index.yml',)
#: setup.py commands that build the files of a regular install
BUILD_COMMANDS = {
    'build',
    'build_py',
    'bdist_wheel',
    'bdist_egg',
    'install',
    'sdist',
}
#: setup.py commands of an editable install (PEP 660 and legacy)
EDITABLE_COMMANDS = {'editable_wheel', 'develop'}


def read_version() -> str:
    """Read ``__version__`` from ``mmflow_ext/version.py`` without importing
    the package (its dependencies may not be installed yet)."""
    namespace: dict = {}
    with open(osp.join(HERE, 'mmflow_ext', 'version.py')) as f:
        exec(compile(f.read(), 'version.py', 'exec'), namespace)
    return namespace['__version__']


def parse_requirements(fname: str) -> list:
    """Read requirement lines, following ``-r`` includes.

    Args:
        fname (str): Path relative to the repository root.

    Returns:
        list[str]: Requirement specifiers, comments and blanks removed.
    """
    requirements = []
    with open(osp.join(HERE, fname)) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if not line:
                continue
            if line.startswith('-r '):
                include = osp.join(osp.dirname(fname), line[3:].strip())
                requirements.extend(parse_requirements(include))
            else:
                requirements.append(line)
    return requirements


def target_site_packages() -> list:
    """Site-packages folders of the environment being installed into.

    pip builds in an isolated environment whose ``sys.path`` hides the
    target's packages, but the interpreter (and so ``sysconfig``) is the
    target's own.
    """
    paths = {sysconfig.get_paths()[key] for key in ('purelib', 'platlib')}
    return [p for p in paths if osp.isdir(p)] + sys.path


def mmcv_requirement(paths: Optional[List[str]] = None) -> str:
    """``mmcv>=2.0.0`` when full mmcv is installed, else ``mmcv-lite``.

    Args:
        paths (list[str], optional): Where to look for installed
            distributions. Defaults to the target environment's.
    """
    for dist in metadata.distributions(path=paths or target_site_packages()):
        if (dist.metadata['Name'] or '').lower() == 'mmcv':
            return 'mmcv>=2.0.0'
    return 'mmcv-lite>=2.0.0'


def add_mim_extension() -> None:
    """Provide ``tools/``, ``configs/`` and ``model-index.yml`` in
    ``mmflow_ext/.mim/``.

    Commands that build an install copy them there; an editable install
    links them to the checkout instead, so that ``mim train`` and configs
    inheriting ``mmflow_ext::...`` see the files being edited. Metadata
    queries leave the checkout alone.
    """
    argv = set(sys.argv[1:])
    editable = bool(EDITABLE_COMMANDS.intersection(argv))
    if not editable and not BUILD_COMMANDS.intersection(argv):
        return
    mim_root = osp.join(HERE, 'mmflow_ext', '.mim')
    os.makedirs(mim_root, exist_ok=True)
    for folder in MIM_FOLDERS:
        src = osp.join(HERE, folder)
        dst = osp.join(mim_root, folder)
        if osp.islink(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if editable:
            os.symlink(osp.relpath(src, mim_root), dst)
        else:
            shutil.copytree(
                src, dst, ignore=shutil.ignore_patterns('__pycache__', '*.pyc')
            )
    for name in MIM_FILES:
        src = osp.join(HERE, name)
        dst = osp.join(mim_root, name)
        if osp.lexists(dst):
            os.remove(dst)
        if editable:
            os.symlink(osp.relpath(src, mim_root), dst)
        else:
            shutil.copyfile(src, dst)


if __name__ == '__main__':
    add_mim_extension()
    setup(
        version=read_version(),
        install_requires=parse_requirements('requirements/runtime.txt')
        + [mmcv_requirement()],
        extras_require={
            'tests': parse_requirements('requirements/tests.txt'),
            'mim': parse_requirements('requirements/mim.txt'),
            'docs': parse_requirements('requirements/docs.txt'),
            'benchmarks': parse_requirements('requirements/benchmarks.txt'),
            'tensorboard': parse_requirements('requirements/tensorboard.txt'),
            'lmdb': parse_requirements('requirements/lmdb.txt'),
            'models': parse_requirements('requirements/models.txt'),
        },
    )
