# Copyright (c) mmflow_ext contributors. All rights reserved.
import re

__version__ = '0.1.0'


def parse_version_info(version_str: str) -> tuple:
    """Parse a version string into a tuple of ints and a pre-release tag.

    Args:
        version_str (str): The version string, e.g. ``'0.1.0'`` or
            ``'0.2.0rc1'``.

    Returns:
        tuple: The version information, e.g. ``(0, 2, 0, 'rc1')``.

    Examples:
        >>> parse_version_info('1.2.0rc1')
        (1, 2, 0, 'rc1')
        >>> parse_version_info('0.1.0')
        (0, 1, 0)
    """
    info = []
    for part in version_str.split('.'):
        number, tag = re.match(r'(\d*)(.*)', part).groups()
        if number:
            info.append(int(number))
        if tag:
            info.append(tag)
    return tuple(info)


version_info = parse_version_info(__version__)
