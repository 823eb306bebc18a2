# Copyright (c) mmflow_ext contributors. All rights reserved.
import pytest

from mmflow_ext.dependencies import (
    MINIMUM_VERSIONS,
    check_dependencies,
    installed_version,
    version_tuple,
)


def test_installed_stack_passes():
    assert check_dependencies() is None
    for package, (dists, minimum) in MINIMUM_VERSIONS.items():
        found = installed_version(dists)
        assert found is not None, package
        assert version_tuple(found) >= version_tuple(minimum), package


def test_too_old_names_package_found_and_needed():
    found = installed_version(['torch'])
    with pytest.raises(ImportError) as info:
        check_dependencies({'torch': (('torch',), '99.0.0')})
    message = str(info.value)
    assert f'needs torch >= 99.0.0, but found torch {found}' in message


def test_missing_distribution_is_named():
    with pytest.raises(
        ImportError,
        match=r'no distribution of it '
        r'\(not-a-real-dist\) is installed',
    ):
        check_dependencies({'ghost': (('not-a-real-dist',), '1.0')})


def test_newer_versions_are_accepted():
    """A lower bound only: the installed mmcv passes a tiny minimum and
    fails one just above its own version."""
    found = installed_version(['mmcv', 'mmcv-lite'])
    assert (
        check_dependencies({'mmcv': (('mmcv', 'mmcv-lite'), '0.0.1')}) is None
    )
    above = '.'.join(str(v) for v in version_tuple(found)[:2]) + '.999'
    with pytest.raises(ImportError, match=f'needs mmcv >= {above}'):
        check_dependencies({'mmcv': (('mmcv', 'mmcv-lite'), above)})
    assert version_tuple('2.3.0') > version_tuple(MINIMUM_VERSIONS['mmcv'][1])


@pytest.mark.parametrize(
    'version,expected',
    [
        ('2.13.0+cpu', (2, 13, 0)),
        ('0.10.7rc1', (0, 10, 7)),
        ('1.2', (1, 2)),
        ('dev', ()),
    ],
)
def test_version_tuple(version, expected):
    assert version_tuple(version) == expected


def test_either_mmcv_distribution_counts():
    from importlib import metadata

    expected = None
    for name in ('mmcv-lite', 'mmcv'):
        try:
            expected = metadata.version(name)
            break
        except metadata.PackageNotFoundError:
            continue
    assert expected is not None
    assert (
        installed_version(['not-a-real-dist', 'mmcv-lite', 'mmcv']) == expected
    )
    assert installed_version(['not-a-real-dist']) is None
