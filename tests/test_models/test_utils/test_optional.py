# Copyright (c) mmflow_ext contributors. All rights reserved.
import importlib.util

import pytest

from mmflow_ext.models.utils.optional import import_extra, unknown_name_error
from mmflow_ext.registry import MODELS


def test_missing_extra_names_it():
    with pytest.raises(ImportError) as info:
        import_extra('no_such_module_xyz', 'TimmBackbone')
    assert str(info.value).startswith(
        'TimmBackbone needs the "no_such_module_xyz" package'
    )
    assert str(info.value).endswith(
        'Install the models extra with `pip install "mmflow_ext[models]"`.'
    )


@pytest.mark.skipif(
    importlib.util.find_spec('timm') is not None, reason='timm is installed'
)
def test_timm_backbone_without_timm():
    with pytest.raises(ImportError, match=r'mmflow_ext\[models\]'):
        MODELS.build(dict(type='TimmBackbone', model_name='resnet18'))


def test_unknown_name_suggests():
    error = unknown_name_error('smp encoder', 'resnt18', ['resnet18', 'vgg'])
    assert str(error) == (
        "Unknown smp encoder 'resnt18'. Did you mean: 'resnet18'?"
    )
    error = unknown_name_error('smp encoder', 'zzz', ['resnet18'])
    assert str(error) == (
        "Unknown smp encoder 'zzz'. No known name is close to it."
    )
