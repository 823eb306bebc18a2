# Copyright (c) mmflow_ext contributors. All rights reserved.
import os.path as osp

import cv2
import numpy as np
import pytest

from mmflow_ext.datasets.paired_image_dataset import BasicImageDataset
from mmflow_ext.registry import DATASETS


def _write(path, value=0):
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.full((8, 8, 3), value, np.uint8))


@pytest.fixture
def root(tmp_path):
    for name in ('b', 'a', 'c'):
        _write(tmp_path / 'HR' / f'{name}.png')
        _write(tmp_path / 'LR' / f'{name}_x4.png')
    (tmp_path / 'HR' / 'notes.txt').write_text('not an image')
    return tmp_path


def test_pairs_by_template_in_sorted_order(root):
    dataset = BasicImageDataset(
        data_root=str(root),
        data_prefix=dict(img='LR', gt='HR'),
        filename_tmpl=dict(img='{}_x4'),
        search_key='gt',
    )
    assert len(dataset) == 3
    assert [d['key'] for d in dataset] == ['a', 'b', 'c']
    first = dataset[0]
    assert first['gt_path'] == osp.join(str(root), 'HR', 'a.png')
    assert first['img_path'] == osp.join(str(root), 'LR', 'a_x4.png')
    assert DATASETS.get('BasicImageDataset') is BasicImageDataset


def test_search_in_templated_folder(root):
    dataset = BasicImageDataset(
        data_root=str(root),
        data_prefix=dict(img='LR', gt='HR'),
        filename_tmpl=dict(img='{}_x4'),
    )
    assert [d['key'] for d in dataset] == ['a', 'b', 'c']


def test_annotation_file(root):
    (root / 'meta.txt').write_text('c.png (8,8,3)\n\na.png (8,8,3)\n')
    dataset = BasicImageDataset(
        ann_file='meta.txt',
        data_root=str(root),
        data_prefix=dict(gt='HR'),
        pipeline=[dict(type='LoadImageFromFile', key='gt')],
    )
    assert [dataset.get_data_info(i)['key'] for i in (0, 1)] == ['c', 'a']
    assert dataset[0]['gt'].shape == (8, 8, 3)


def test_errors_name_the_path(root):
    with pytest.raises(FileNotFoundError, match='missing'):
        BasicImageDataset(
            data_root=str(root), data_prefix=dict(gt='HR', img='missing')
        )
    (root / 'empty').mkdir()
    with pytest.raises(ValueError, match='No images found in .*empty'):
        BasicImageDataset(data_root=str(root), data_prefix=dict(gt='empty'))
    with pytest.raises(FileNotFoundError, match=r'LR.*a\.png'):
        BasicImageDataset(
            data_root=str(root), data_prefix=dict(gt='HR', img='LR')
        )
    with pytest.raises(FileNotFoundError, match='nope.txt'):
        BasicImageDataset(
            ann_file='nope.txt', data_root=str(root), data_prefix=dict(gt='HR')
        )
    with pytest.raises(KeyError, match='search_key "lq"'):
        BasicImageDataset(
            data_root=str(root), data_prefix=dict(gt='HR'), search_key='lq'
        )


class _MemoryBackend:
    """A non-local backend holding only an annotation file."""

    files = {'mem://root/meta.txt': 'a.png (8,8,3)\nb.png (8,8,3)\n'}

    def __init__(self, **kwargs):
        pass

    def get_text(self, filepath, encoding='utf-8'):
        return self.files[str(filepath)]

    def join_path(self, *parts):
        return '/'.join(parts)


def test_non_local_backend_is_not_checked_on_disk(monkeypatch):
    from mmengine.fileio.backends import registry_utils

    monkeypatch.setitem(registry_utils.backends, 'h6mem', _MemoryBackend)
    monkeypatch.setitem(
        registry_utils.prefix_to_backends, 'mem', _MemoryBackend
    )
    dataset = BasicImageDataset(
        data_root='mem://root',
        ann_file='meta.txt',
        data_prefix=dict(img='LR', gt='HR'),
    )
    assert [d['gt_path'] for d in dataset] == [
        osp.join('mem://root', 'HR', 'a.png'),
        osp.join('mem://root', 'HR', 'b.png'),
    ]
