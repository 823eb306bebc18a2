# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``Albu``: albumentations transforms built from dicts, the image handed
over in RGB and back in BGR, keys mapped both ways, and a clear error when
albumentations is missing."""

import sys
import types

import numpy as np
import pytest

from mmflow_ext.datasets.transforms import Albu


class FakeCompose:
    """albumentations.Compose: call each transform on keyword arguments."""

    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, **data):
        for t in self.transforms:
            data = t(**data)
        return data


class RecordAndFlip:
    """Flips image and mask left-right and records the image it saw."""

    seen = []

    def __init__(self, p=1.0):
        self.p = p

    def __call__(self, **data):
        self.seen.append(data['image'].copy())
        data['image'] = data['image'][:, ::-1].copy()
        data['mask'] = data['mask'][:, ::-1].copy()
        return data


class OneOf(FakeCompose):
    pass


@pytest.fixture
def albumentations(monkeypatch):
    module = types.ModuleType('albumentations')
    module.Compose = FakeCompose
    module.RecordAndFlip = RecordAndFlip
    module.OneOf = OneOf
    monkeypatch.setitem(sys.modules, 'albumentations', module)
    RecordAndFlip.seen = []
    return module


def test_image_goes_over_in_rgb_and_keys_map_back(albumentations):
    img = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    seg = np.array([[0, 1, 2], [3, 4, 5]], np.uint8)
    albu = Albu(
        [dict(type='OneOf', transforms=[dict(type='RecordAndFlip', p=0.5)])],
        update_pad_shape=True,
    )
    out = albu(dict(img=img.copy(), gt_seg_map=seg.copy(), other=7))
    np.testing.assert_array_equal(RecordAndFlip.seen[0], img[..., ::-1])
    np.testing.assert_array_equal(out['img'], img[:, ::-1])
    np.testing.assert_array_equal(out['gt_seg_map'], seg[:, ::-1])
    assert out['other'] == 7 and out['pad_shape'] == (2, 3, 3)
    assert 'image' not in out and 'mask' not in out
    assert repr(albu) == (
        "Albu(transforms=[{'type': 'OneOf', 'transforms': "
        "[{'type': 'RecordAndFlip', 'p': 0.5}]}])"
    )


def test_bad_transform_dicts_are_named(albumentations):
    with pytest.raises(KeyError, match='no transform "Nope"'):
        Albu([dict(type='Nope')])
    with pytest.raises(KeyError, match='must be a dict with a "type"'):
        Albu([dict(p=1)])
    with pytest.raises(TypeError, match='must be a name or a class'):
        Albu([dict(type=3)])


def test_missing_albumentations_names_the_install(monkeypatch):
    monkeypatch.setitem(sys.modules, 'albumentations', None)
    with pytest.raises(ImportError, match='pip install albumentations'):
        Albu([dict(type='HorizontalFlip')])
