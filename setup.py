# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Packaging for mmflow_ext.

Two things happen here that a plain ``setup.cfg`` cannot express:

* the mmcv requirement is ``mmcv-lite`` unless a full ``mmcv`` distribution is
  already installed in the target environment (never both);
* ``tools/`` and ``configs/`` are copied into ``mmflow_ext/.mim/`` so that
  ``mim train mmflow_ext CONFIG`` finds them in a regular install.
"""
import os
import os.path as osp
import shutil
import sys
import sysconfig
from importlib import metadata
from setuptools import setup
from typing import List, Optional

HERE = osp.dirname(osp.abspath(__file__))
MIM_FOLDERS = ('tools', 'configs')
#: setup.py commands that build the files of a regular install
BUILD_COMMANDS = {
    'build', 'build_py', 'bdist_wheel', 'bdist_egg', 'install', 'sdist'
}


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
    """Copy ``tools/`` and ``configs/`` into ``mmflow_ext/.mim/``.

    Only commands that build an install copy them; metadata queries and
    editable installs leave the checkout alone (there the scripts are run
    from the checkout itself).
    """
    if not BUILD_COMMANDS.intersection(sys.argv[1:]):
        return
    mim_root = osp.join(HERE, 'mmflow_ext', '.mim')
    os.makedirs(mim_root, exist_ok=True)
    for folder in MIM_FOLDERS:
        src = osp.join(HERE, folder)
        dst = osp.join(mim_root, folder)
        if osp.isdir(dst):
            shutil.rmtree(dst)
        shutil.copytree(
            src, dst, ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))


if __name__ == '__main__':
    add_mim_extension()
    setup(
        version=read_version(),
        install_requires=parse_requirements('requirements/runtime.txt') +
        [mmcv_requirement()],
        extras_require={
            'tests': parse_requirements('requirements/tests.txt'),
            'mim': parse_requirements('requirements/mim.txt'),
            'docs': parse_requirements('requirements/docs.txt'),
            'benchmarks': parse_requirements('requirements/benchmarks.txt'),
        },
    )
