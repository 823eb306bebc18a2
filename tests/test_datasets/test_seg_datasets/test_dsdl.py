# Copyright (c) mmflow_ext contributors. All rights reserved.
import sys
import types
from types import SimpleNamespace

import pytest

from mmflow_ext.datasets.seg_datasets import DSDLSegDataset


class FakeDSDLDataset:
    class_names = ['cat', 'dog']

    def __init__(self, **kwargs):
        self.kwargs = kwargs

    def __iter__(self):
        for stem in ('a', 'b'):
            yield dict(
                Image=[SimpleNamespace(location=f'{stem}.jpg')],
                LabelMap=[SimpleNamespace(location=f'{stem}.png')],
            )


@pytest.fixture
def fake_dsdl(monkeypatch):
    package = types.ModuleType('dsdl')
    module = types.ModuleType('dsdl.dataset')
    module.DSDLDataset = FakeDSDLDataset
    monkeypatch.setitem(sys.modules, 'dsdl', package)
    monkeypatch.setitem(sys.modules, 'dsdl.dataset', module)


def build(**kwargs):
    return DSDLSegDataset(
        data_root='/root',
        ann_file='set/train.yaml',
        data_prefix=dict(img_path='img', seg_map_path='ann'),
        lazy_init=False,
        **kwargs,
    )


def test_missing_dsdl_names_package(monkeypatch):
    monkeypatch.setitem(sys.modules, 'dsdl', None)
    with pytest.raises(ImportError, match='pip install dsdl'):
        build()


def test_lists_yaml_samples(fake_dsdl):
    ds = build()
    assert ds.dsdldataset.kwargs['dsdl_yaml'] == '/root/set/train.yaml'
    assert ds.metainfo['classes'] == ('background', 'cat', 'dog')
    info = ds.get_data_info(1)
    assert info['img_path'] == '/root/img/b.jpg'
    assert info['seg_map_path'] == '/root/ann/b.png'
    assert info['label_map'] is None


def test_used_labels_map_the_rest_to_255(fake_dsdl):
    ds = build(used_labels=['background', 'dog'])
    assert ds.metainfo['classes'] == ('background', 'dog')
    assert ds.get_data_info(0)['label_map'] == {0: 0, 1: 255, 2: 1}
    with pytest.raises(ValueError, match='not a subset'):
        build(used_labels=['bird'])


@pytest.mark.parametrize('used_labels', [None, ['background', 'dog']])
def test_as_mmseg(fake_dsdl, monkeypatch, used_labels):
    upstream = pytest.importorskip('mmseg.datasets.dsdl')
    monkeypatch.setattr(upstream, 'DSDLDataset', FakeDSDLDataset)
    kwargs = dict(
        data_root='/root',
        ann_file='set/train.yaml',
        data_prefix=dict(img_path='img', seg_map_path='ann'),
        used_labels=used_labels,
    )
    ours = DSDLSegDataset(**kwargs)
    theirs = upstream.DSDLSegDataset(**kwargs)
    assert ours.metainfo['classes'] == theirs.metainfo['classes']
    for i in range(2):
        a, b = ours.get_data_info(i), theirs.get_data_info(i)
        for key in ('img_path', 'seg_map_path', 'label_map', 'seg_fields'):
            assert a[key] == b[key], key
