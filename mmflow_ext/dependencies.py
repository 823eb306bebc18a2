# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Minimum versions of the packages mmflow_ext builds on, checked on import.

Only a lower bound is enforced: newer releases are accepted, so that an
upgrade of mmcv or torch never locks users out.
"""

from importlib import metadata
from typing import Dict, Optional, Sequence

#: package import name -> (distribution names that provide it, minimum)
MINIMUM_VERSIONS: Dict[str, tuple] = {
    'torch': (('torch',), '2.5.0'),
    'mmengine': (('mmengine', 'mmengine-lite'), '0.10.0'),
    'mmcv': (('mmcv', 'mmcv-lite'), '2.0.0'),
}


def version_tuple(version: str) -> tuple:
    """Turn ``'2.13.0+cpu'`` or ``'0.10.7rc1'`` into ``(2, 13, 0)``.

    Args:
        version (str): A version string.

    Returns:
        tuple[int]: The leading numeric release components.

    Examples:
        >>> version_tuple('2.13.0+cpu')
        (2, 13, 0)
        >>> version_tuple('0.10.7rc1')
        (0, 10, 7)
    """
    parts = []
    for part in version.split('+')[0].split('.'):
        digits = ''
        for char in part:
            if not char.isdigit():
                break
            digits += char
        if not digits:
            break
        parts.append(int(digits))
        if len(digits) != len(part):
            break
    return tuple(parts)


def installed_version(dist_names: Sequence[str]) -> Optional[str]:
    """The version of the first installed distribution among ``dist_names``.

    Args:
        dist_names (Sequence[str]): Distribution names to try in order.

    Returns:
        str | None: The version found, or None when none is installed.
    """
    for name in dist_names:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None


def check_dependencies(minimums: Optional[Dict[str, tuple]] = None) -> None:
    """Raise ImportError when a dependency is missing or older than needed.

    Args:
        minimums (dict, optional): Mapping like :data:`MINIMUM_VERSIONS`.
            Defaults to :data:`MINIMUM_VERSIONS`.

    Raises:
        ImportError: Names the package, the version found and the minimum.
    """
    for package, (dist_names, minimum) in (
        minimums or MINIMUM_VERSIONS
    ).items():
        found = installed_version(dist_names)
        wanted = ' or '.join(dist_names)
        if found is None:
            raise ImportError(
                f'mmflow_ext needs {package} >= {minimum}, but no '
                f'distribution of it ({wanted}) is installed. Install it '
                f'with `pip install "{dist_names[-1]}>={minimum}"`.'
            )
        if version_tuple(found) < version_tuple(minimum):
            raise ImportError(
                f'mmflow_ext needs {package} >= {minimum}, but found '
                f'{package} {found}. Upgrade it with '
                f'`pip install -U "{dist_names[-1]}>={minimum}"`.'
            )
