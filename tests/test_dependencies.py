# Copyright (c) mmflow_ext contributors. All rights reserved.
import pytest

from mmflow_ext.dependencies import (MINIMUM_VERSIONS, check_dependencies,
                                     installed_version, version_tuple)


def test_installed_stack_passes():
    check_dependencies()


def test_too_old_names_package_found_and_needed():
    found = installed_version(['torch'])
    with pytest.raises(ImportError) as info:
        check_dependencies({'torch': (('torch', ), '99.0.0')})
    message = str(info.value)
    assert f'needs torch >= 99.0.0, but found torch {found}' in message


def test_missing_distribution_is_named():
    with pytest.raises(
            ImportError,
            match=r'no distribution of it '
            r'\(not-a-real-dist\) is installed'):
        check_dependencies({'ghost': (('not-a-real-dist', ), '1.0')})


def test_newer_versions_are_accepted():
    check_dependencies({'mmcv': (('mmcv', 'mmcv-lite'), '0.0.1')})
    assert version_tuple('2.3.0') > version_tuple(MINIMUM_VERSIONS['mmcv'][1])


def test_either_mmcv_distribution_counts():
    assert installed_version(['not-a-real-dist', 'mmcv-lite', 'mmcv'])
