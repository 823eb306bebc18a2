# Copyright (c) mmflow_ext contributors. All rights reserved.
import cv2
import numpy as np
import pytest
from edit_reference import assert_same

from mmflow_ext.datasets.transforms.translation import LoadPairedImageFromFile


def _pair(tmp_path, width=8):
    img = np.random.RandomState(0).randint(0, 255, (4, width, 3), np.uint8)
    path = str(tmp_path / 'ab.png')
    cv2.imwrite(path, img)
    return path, img


def test_split_halves(tmp_path):
    path, img = _pair(tmp_path)
    out = LoadPairedImageFromFile(
        'pair', domain_a='photo', domain_b='map', save_original_img=True
    )(dict(pair_path=path))
    np.testing.assert_array_equal(out['img_photo'], img[:, :4])
    np.testing.assert_array_equal(out['img_map'], img[:, 4:])
    assert out['img_map_path'] == path
    assert out['img_photo_ori_shape'] == (4, 4, 3)
    assert out['ori_pair_shape'] == (4, 8, 3)
    np.testing.assert_array_equal(out['ori_img_map'], img[:, 4:])


def test_odd_width_names_file(tmp_path):
    path, _ = _pair(tmp_path, 7)
    with pytest.raises(ValueError, match=r'even number, but got 7 in .*ab'):
        LoadPairedImageFromFile('pair')(dict(pair_path=path))


def test_equals_mmagic(tmp_path):
    m = pytest.importorskip('mmagic.datasets.transforms')
    path, _ = _pair(tmp_path)
    kwargs = dict(
        key='pair',
        domain_a='A',
        domain_b='B',
        to_float32=True,
        channel_order='rgb',
        save_original_img=True,
    )
    ours = LoadPairedImageFromFile(**kwargs)(dict(pair_path=path))
    theirs = m.LoadPairedImageFromFile(**kwargs)(dict(pair_path=path))
    assert_same(ours, theirs)
