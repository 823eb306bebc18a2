# Copyright (c) mmflow_ext contributors. All rights reserved.
import cv2
import numpy as np
import pytest
from mmcv.transforms import LoadImageFromFile as MMCVLoadImageFromFile

from mmflow_ext.datasets.transforms.image_loading import LoadImageFromFile
from mmflow_ext.registry import TRANSFORMS


@pytest.fixture
def image_path(tmp_path):
    img = np.zeros((5, 7, 3), np.uint8)
    img[..., 0], img[..., 1], img[..., 2] = 10, 20, 30  # B, G, R
    path = str(tmp_path / 'img.png')
    cv2.imwrite(path, img)
    return path


def test_registered_under_our_scope():
    assert TRANSFORMS.get('LoadImageFromFile') is LoadImageFromFile
    assert issubclass(LoadImageFromFile, MMCVLoadImageFromFile)


@pytest.mark.parametrize(
    'kwargs',
    [
        dict(),
        dict(to_float32=True),
        dict(color_type='grayscale'),
    ],
)
def test_without_key_matches_mmcv(image_path, kwargs):
    ours = LoadImageFromFile(**kwargs)(dict(img_path=image_path))
    theirs = MMCVLoadImageFromFile(**kwargs)(dict(img_path=image_path))
    assert set(ours) == set(theirs)
    assert ours['img'].dtype == theirs['img'].dtype
    assert np.array_equal(ours['img'], theirs['img'])
    assert ours['img_shape'] == theirs['img_shape'] == ours['ori_shape']


def test_keyed_loading_records_metainfo(image_path):
    results = LoadImageFromFile(
        key='gt', channel_order='rgb', save_original_img=True
    )(dict(gt_path=image_path))
    assert results['gt'][0, 0].tolist() == [30, 20, 10]
    assert results['ori_gt_shape'] == (5, 7, 3)
    assert results['gt_channel_order'] == 'rgb'
    assert results['gt_color_type'] == 'color'
    assert np.array_equal(results['ori_gt'], results['gt'])
    assert results['ori_gt'] is not results['gt']


def test_keyed_grayscale_y_channel_and_frames(image_path):
    gray = LoadImageFromFile(key='img', color_type='grayscale')(
        dict(img_path=image_path)
    )
    assert gray['img'].shape == (5, 7, 1)
    y = LoadImageFromFile(key='img', to_y_channel=True, to_float32=True)(
        dict(img_path=image_path)
    )
    expected = (10 * 24.966 + 20 * 128.553 + 30 * 65.481) / 255 + 16
    assert y['img'].shape == (5, 7, 1) and y['img'].dtype == np.float32
    assert y['img'][0, 0, 0] == pytest.approx(expected, abs=0.6)
    frames = LoadImageFromFile(key='img')(
        dict(img_path=[image_path, image_path])
    )
    assert len(frames['img']) == 2
    assert frames['ori_img_shape'] == [(5, 7, 3), (5, 7, 3)]


def test_missing_and_corrupt_files_are_named(tmp_path):
    missing = str(tmp_path / 'nope.png')
    with pytest.raises(FileNotFoundError, match='nope.png'):
        LoadImageFromFile(key='gt')(dict(gt_path=missing))
    with pytest.raises(FileNotFoundError, match='nope.png'):
        LoadImageFromFile()(dict(img_path=missing))
    broken = tmp_path / 'broken.png'
    broken.write_bytes(b'not an image')
    with pytest.raises(ValueError, match='broken.png'):
        LoadImageFromFile(key='gt')(dict(gt_path=str(broken)))
    assert LoadImageFromFile(ignore_empty=True)(dict(img_path=missing)) is None
    with pytest.raises(KeyError, match='needs "gt_path"'):
        LoadImageFromFile(key='gt')(dict(img_path=missing))
    with pytest.raises(ValueError, match="channel_order must be 'bgr'"):
        LoadImageFromFile(channel_order='yuv')


def test_cache_reuses_bytes(image_path, tmp_path):
    load = LoadImageFromFile(key='img', use_cache=True)
    first = load(dict(img_path=image_path))['img'].copy()
    cv2.imwrite(image_path, np.full((5, 7, 3), 99, np.uint8))
    assert np.array_equal(load(dict(img_path=image_path))['img'], first)


def test_reprs():
    assert repr(LoadImageFromFile()) == (
        "LoadImageFromFile(ignore_empty=False, to_float32=False, "
        "color_type='color', imdecode_backend='cv2', backend_args=None)"
    )
    assert repr(LoadImageFromFile(key='gt', max_image_pixels=5)) == (
        'LoadImageFromFile(key=gt, color_type=color, channel_order=bgr, '
        'imdecode_backend=None, use_cache=False, to_float32=False, '
        'to_y_channel=False, save_original_img=False, backend_args=None, '
        'max_image_pixels=5)'
    )


@pytest.mark.parametrize(
    'kwargs',
    [
        dict(),
        dict(
            to_float32=True, color_type='unchanged', imdecode_backend='pillow'
        ),
        dict(backend_args=dict(backend='local')),
    ],
)
def test_repr_without_key_is_mmcvs(kwargs):
    assert repr(LoadImageFromFile(**kwargs)) == repr(
        MMCVLoadImageFromFile(**kwargs)
    )


@pytest.mark.parametrize(
    'kwargs',
    [
        dict(key='gt'),
        dict(
            key='img',
            color_type='color',
            channel_order='rgb',
            imdecode_backend='cv2',
            use_cache=True,
            to_float32=True,
            to_y_channel=True,
            save_original_img=True,
            backend_args=dict(backend='local'),
        ),
    ],
)
def test_keyed_repr_and_file_backend_are_mmagics(kwargs, image_path):
    loading = pytest.importorskip('mmagic.datasets.transforms.loading')
    theirs = loading.LoadImageFromFile(**kwargs)
    ours = LoadImageFromFile(**kwargs)
    assert repr(ours) == repr(theirs)
    assert type(ours.file_backend) is type(theirs.file_backend)
    key = kwargs['key']
    kwargs_results = {f'{key}_path': image_path}
    theirs(dict(kwargs_results))
    ours(dict(kwargs_results))
    assert type(ours.file_backend) is type(theirs.file_backend)


def test_file_backend_is_built_lazily_from_the_first_path(image_path):
    from mmengine.fileio import LocalBackend

    load = LoadImageFromFile(key='gt')
    assert load.file_backend is None
    load(dict(gt_path=image_path))
    assert isinstance(load.file_backend, LocalBackend)
    assert isinstance(
        LoadImageFromFile(backend_args=dict(backend='local')).file_backend,
        LocalBackend,
    )


def test_array_loader_is_a_registered_transform():
    from mmflow_ext.datasets.transforms.image_loading import LoadImageFromArray

    built = TRANSFORMS.build(dict(type='LoadImageFromArray', key='img'))
    assert type(built) is LoadImageFromArray
    img = np.zeros((2, 3), np.uint8)
    out = built(dict(img=img))
    assert out['img'].shape == (2, 3, 3) and out['img'] is not img
