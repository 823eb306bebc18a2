# Copyright (c) mmflow_ext contributors. All rights reserved.
"""setup.py: the mmcv flavour chosen at build time, and the requirements."""

import importlib.util
import os.path as osp

import pytest
from conftest import REPO_ROOT


@pytest.fixture(scope='module')
def setup_module():
    spec = importlib.util.spec_from_file_location(
        'mmflow_ext_setup', osp.join(REPO_ROOT, 'setup.py')
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # setup() only runs as __main__
    return module


def fake_distribution(folder, name: str, version: str) -> None:
    info = folder / f'{name}-{version}.dist-info'
    info.mkdir(parents=True)
    (info / 'METADATA').write_text(
        f'Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n'
    )


def test_full_mmcv_present_keeps_mmcv(setup_module, tmp_path):
    fake_distribution(tmp_path, 'mmcv', '2.2.0')
    assert setup_module.mmcv_requirement([str(tmp_path)]) == 'mmcv>=2.0.0'


def test_no_full_mmcv_means_mmcv_lite(setup_module, tmp_path):
    fake_distribution(tmp_path, 'mmcv_lite', '2.2.0')
    assert setup_module.mmcv_requirement([str(tmp_path)]) == 'mmcv-lite>=2.0.0'


def test_requirements_are_ranges_and_follow_includes(setup_module):
    runtime = setup_module.parse_requirements('requirements/runtime.txt')
    assert 'torch>=2.5' in runtime and 'mmengine>=0.10.0' in runtime
    assert not any(r.startswith('mmcv') for r in runtime)
    assert setup_module.parse_requirements('requirements.txt') == runtime
    mim = setup_module.parse_requirements('requirements/mim.txt')
    assert set(mim) == {'openmim>=0.3.9', 'setuptools<82', 'click<8.3.1'}
