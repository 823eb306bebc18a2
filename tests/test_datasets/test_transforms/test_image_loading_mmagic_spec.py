# Copyright (c) mmflow_ext contributors. All rights reserved.
"""MMagic 1.2.0's unit tests of the keyed ``LoadImageFromFile`` read as a
specification: the repr, ``file_backend``, and where ``channel_order``
errors are raised (the one documented difference)."""

from pathlib import Path

import cv2
import numpy as np
import pytest
from mmengine.fileio import LocalBackend

from mmflow_ext.datasets.transforms import LoadImageFromFile

REPR = (
    'LoadImageFromFile(key={key}, color_type=color, channel_order=bgr, '
    'imdecode_backend=None, use_cache={cache}, to_float32=False, '
    'to_y_channel=False, save_original_img=False, backend_args=None)'
)


@pytest.fixture
def image(tmp_path):
    path = tmp_path / 'baboon.png'
    img = np.random.RandomState(0).randint(0, 255, (8, 12, 3), np.uint8)
    cv2.imwrite(str(path), img)
    return path, img


def test_repr_and_file_backend_as_mmagic(image):
    path, img = image
    loader = LoadImageFromFile(key='img')
    assert repr(loader) == REPR.format(key='img', cache=False)
    assert loader.file_backend is None  # inferred from the first path
    out = loader(dict(img_path=path))
    assert isinstance(loader.file_backend, LocalBackend)
    assert out['img_path'] == path and isinstance(out['img_path'], Path)
    np.testing.assert_array_equal(out['img'], img)
    cached = LoadImageFromFile(key='gt', use_cache=True)
    assert repr(cached) == REPR.format(key='gt', cache=True)
    given = LoadImageFromFile(key='img', backend_args=dict(backend='local'))
    assert isinstance(given.file_backend, LocalBackend)


def test_channel_order_error_is_raised_at_construction():
    # MMagic raises only when loading with to_y_channel=True (and loads
    # 'gg' as BGR otherwise); ours refuses the value when built
    for kwargs in (dict(to_y_channel=True), dict()):
        with pytest.raises(
            ValueError, match="channel_order must be 'bgr' or 'rgb', got 'gg'"
        ):
            LoadImageFromFile(key='gt', channel_order='gg', **kwargs)


def test_repr_equals_mmagic(image):
    transforms = pytest.importorskip('mmagic.datasets.transforms')
    path, _ = image
    for kwargs in (
        dict(key='img'),
        dict(key='gt', use_cache=True, channel_order='rgb'),
    ):
        ours, theirs = (
            LoadImageFromFile(**kwargs),
            transforms.LoadImageFromFile(**kwargs),
        )
        assert repr(ours) == repr(theirs)
        ours(dict(**{f"{kwargs['key']}_path": path}))
        theirs(dict(**{f"{kwargs['key']}_path": path}))
        assert type(ours.file_backend) is type(theirs.file_backend)
