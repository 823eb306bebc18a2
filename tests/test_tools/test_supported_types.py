# Copyright (c) mmflow_ext contributors. All rights reserved.
"""docs/supported_types.md is what the registries hold."""

import importlib.util
import os.path as osp

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = osp.join(REPO, 'tools', 'misc', 'supported_types.py')


@pytest.fixture(scope='module')
def tool():
    spec = importlib.util.spec_from_file_location('supported_types', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_table_is_up_to_date(tool):
    with open(tool.OUTPUT, encoding='utf-8') as f:
        committed = f.read()
    assert committed == tool.render(), (
        'docs/supported_types.md is out of date: run '
        '`python tools/misc/supported_types.py render`'
    )


def test_table_lists_registered_types_with_their_module(tool):
    from mmflow_ext.registry import DATASETS

    text = tool.render()
    assert (
        '| `PascalVOCDataset` | `mmflow_ext.datasets.seg_datasets.pascal` '
        '| Pascal VOC 2012: 21 classes with background, split files '
        'required. |'
    ) in text
    datasets = text.split('## DATASETS (`dataset`)')[1].split('\n## ')[0]
    rows = [line for line in datasets.splitlines() if line.startswith('| `')]
    ours = [
        obj
        for obj in DATASETS.module_dict.values()
        if obj.__module__.startswith('mmflow_ext')
    ]
    assert len(rows) == len(ours)


def test_check_fails_on_a_stale_file(tool, tmp_path, monkeypatch, capsys):
    stale = tmp_path / 'supported_types.md'
    stale.write_text('# Supported types\n')
    monkeypatch.setattr(tool, 'OUTPUT', str(stale))
    assert tool.main(['check']) == 1
    assert 'is out of date with the registries' in capsys.readouterr().err
    assert tool.main(['render']) == 0
    assert stale.read_text() == tool.render()
    assert tool.main(['check']) == 0
