# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Config checks that run before a Runner is built."""

import pytest
from mmengine.config import Config

from mmflow_ext.engine.config_checks import (
    check_default_scope,
    unprefixed_types,
)


def test_unprefixed_types_walks_nested_dicts_and_lists():
    cfg = Config(
        dict(
            model=dict(
                type='EncoderDecoder',
                backbone=dict(type='mmflow_ext.CompactCNN'),
                auxiliary_head=[dict(type='FCNHead'), dict(type='FCNHead')],
            ),
            train_dataloader=dict(
                dataset=dict(pipeline=[dict(type='LoadAnnotations')])
            ),
        )
    )
    assert unprefixed_types(cfg) == [
        'EncoderDecoder',
        'FCNHead',
        'LoadAnnotations',
    ]


@pytest.mark.parametrize('scope', [None, 'mmflow_ext', 'mmengine'])
def test_installed_scopes_pass(scope):
    """No scope, ours, or one whose package has a registry: no error (a
    missing package with the same types raises, see below)."""
    cfg = Config(dict(default_scope=scope, model=dict(type='EncoderDecoder')))
    assert check_default_scope(cfg) is None
    assert cfg.model.type == 'EncoderDecoder'  # the config is not changed
    with pytest.raises(ValueError, match='EncoderDecoder'):
        check_default_scope(
            Config(
                dict(
                    default_scope='not_installed',
                    model=dict(type='EncoderDecoder'),
                )
            )
        )


def test_missing_scope_package_is_reported_with_the_file(tmp_path):
    path = tmp_path / 'foreign.py'
    path.write_text(
        "default_scope = 'mmseg_not_here'\n"
        "model = dict(type='EncoderDecoder')\n"
    )
    with pytest.raises(
        ValueError,
        match=r"foreign\.py sets default_scope='mmseg_not_here', but no "
        r'package "mmseg_not_here" .* \(EncoderDecoder\)',
    ):
        check_default_scope(Config.fromfile(str(path)))


def test_fully_prefixed_config_passes_under_any_scope():
    cfg = Config(
        dict(
            default_scope='mmseg_not_here',
            model=dict(type='mmflow_ext.EncoderDecoder'),
        )
    )
    assert unprefixed_types(cfg) == []
    assert check_default_scope(cfg) is None
    cfg.model.head = dict(type='FCNHead')  # one unprefixed type: refused
    with pytest.raises(ValueError, match=r'types \(FCNHead\) cannot'):
        check_default_scope(cfg)
