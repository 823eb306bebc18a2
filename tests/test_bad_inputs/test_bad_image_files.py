# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Bad image and label-map files: each error names the file."""
import re

import cv2
import numpy as np
import pytest

from mmflow_ext.registry import TRANSFORMS

PIXELS = (np.arange(24 * 32 * 3) % 251).astype(np.uint8).reshape(24, 32, 3)


@pytest.fixture
def load_image():
    return TRANSFORMS.build(dict(type='LoadImageFromFile'))


@pytest.fixture
def load_map():
    return TRANSFORMS.build(dict(type='LoadAnnotations'))


def truncated(tmp_path, name: str, image: np.ndarray) -> str:
    """Write ``image`` as ``name``, keeping only the first half of the
    encoded bytes (an interrupted download)."""
    ok, encoded = cv2.imencode('.' + name.rsplit('.', 1)[1], image)
    assert ok
    path = tmp_path / name
    path.write_bytes(encoded.tobytes()[:len(encoded) // 2])
    return str(path)


def corrupt(tmp_path, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(b'this is not an image\n' * 20)
    return str(path)


def test_missing_image(load_image, tmp_path):
    path = str(tmp_path / 'missing.jpg')
    with pytest.raises(
            FileNotFoundError, match=f'not found: {re.escape(path)}'):
        load_image(dict(img_path=path))


def test_corrupt_image(load_image, tmp_path):
    path = corrupt(tmp_path, 'corrupt.png')
    with pytest.raises(
            ValueError, match=f'Cannot decode image file {re.escape(path)}'):
        load_image(dict(img_path=path))


@pytest.mark.parametrize('name', ['cut.png', 'cut.jpg'])
def test_truncated_image(load_image, tmp_path, name):
    path = truncated(tmp_path, name, PIXELS)
    with pytest.raises(
            ValueError, match=f'Cannot decode image file {re.escape(path)}'):
        load_image(dict(img_path=path))


def test_missing_label_map(load_map, tmp_path):
    path = str(tmp_path / 'missing.png')
    with pytest.raises(
            FileNotFoundError,
            match=f'segmentation map file not found: {re.escape(path)}'):
        load_map(dict(seg_map_path=path))


def test_corrupt_label_map(load_map, tmp_path):
    path = corrupt(tmp_path, 'corrupt.png')
    with pytest.raises(
            ValueError,
            match=f'cannot decode the segmentation map {re.escape(path)}'):
        load_map(dict(seg_map_path=path))


def test_truncated_label_map(load_map, tmp_path):
    path = truncated(tmp_path, 'cut.png', PIXELS[..., 0] % 5)
    with pytest.raises(
            ValueError,
            match=f'cannot decode the segmentation map {re.escape(path)}: '
            '.*truncated'):
        load_map(dict(seg_map_path=path))
