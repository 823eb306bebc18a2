# Copyright (c) mmflow_ext contributors. All rights reserved.
import cv2
import numpy as np
import pytest
from seg_reference import compare_seeded, upstream_transforms

from mmflow_ext.datasets.transforms import (
    ConcatCDInput,
    LoadMultipleRSImageFromFile,
)
from mmflow_ext.registry import TRANSFORMS


def write_rgb(path, rgb):
    cv2.imwrite(str(path), np.ascontiguousarray(rgb[..., ::-1]))


def test_pair_is_loaded_in_rgb_and_stacked(tmp_path):
    rgb = np.zeros((3, 4, 3), np.uint8)
    rgb[..., 0] = 200  # red
    write_rgb(tmp_path / 'A.png', rgb)
    write_rgb(tmp_path / 'B.png', rgb[..., ::-1])
    pipeline = [
        TRANSFORMS.build(dict(type='LoadMultipleRSImageFromFile')),
        TRANSFORMS.build(dict(type='ConcatCDInput')),
    ]
    results = dict(
        img_path=str(tmp_path / 'A.png'), img_path2=str(tmp_path / 'B.png')
    )
    for t in pipeline:
        results = t(results)
    assert results['img'].shape == (3, 4, 6)
    assert results['img'].dtype == np.float32
    assert results['img'][0, 0].tolist() == [200, 0, 0, 0, 0, 200]
    assert results['img_shape'] == results['ori_shape'] == (3, 4)
    assert 'img2' not in results
    assert repr(pipeline[1]) == "ConcatCDInput(input_keys=('img', 'img2'))"


def test_pair_of_different_sizes_names_both_files(tmp_path):
    write_rgb(tmp_path / 'A.png', np.zeros((3, 4, 3), np.uint8))
    write_rgb(tmp_path / 'B.png', np.zeros((3, 5, 3), np.uint8))
    with pytest.raises(
        ValueError,
        match=r'A.png" is \(3, 4, 3\), ".*B.png" '
        r'is \(3, 5, 3\)',
    ):
        LoadMultipleRSImageFromFile(to_float32=False)(
            dict(
                img_path=str(tmp_path / 'A.png'),
                img_path2=str(tmp_path / 'B.png'),
            )
        )


def test_concat_as_mmseg():
    upstream = upstream_transforms()
    rng = np.random.default_rng(0)
    results = dict(
        img=rng.random((4, 5, 3)),
        img2=rng.random((4, 5, 3)),
        other=rng.random((4, 5, 1)),
    )
    compare_seeded(ConcatCDInput(), upstream.ConcatCDInput(), results, [0])
    keys = ('other', 'img2', 'img')
    compare_seeded(
        ConcatCDInput(keys), upstream.ConcatCDInput(keys), results, [0]
    )
