# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Bad image and label-map files: each error names the file."""

import re
import struct

import cv2
import mmcv
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
    path.write_bytes(encoded.tobytes()[: len(encoded) // 2])
    return str(path)


def corrupt(tmp_path, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(b'this is not an image\n' * 20)
    return str(path)


def test_missing_image(load_image, tmp_path):
    path = str(tmp_path / 'missing.jpg')
    with pytest.raises(
        FileNotFoundError, match=f'not found: {re.escape(path)}'
    ):
        load_image(dict(img_path=path))


def test_corrupt_image(load_image, tmp_path):
    path = corrupt(tmp_path, 'corrupt.png')
    with pytest.raises(
        ValueError, match=f'Cannot decode image file {re.escape(path)}'
    ):
        load_image(dict(img_path=path))


@pytest.mark.parametrize('name', ['cut.png', 'cut.jpg'])
def test_truncated_image(load_image, tmp_path, name):
    path = truncated(tmp_path, name, PIXELS)
    with pytest.raises(
        ValueError, match=f'Cannot decode image file {re.escape(path)}'
    ):
        load_image(dict(img_path=path))


def test_missing_label_map(load_map, tmp_path):
    path = str(tmp_path / 'missing.png')
    with pytest.raises(
        FileNotFoundError,
        match=f'segmentation map file not found: {re.escape(path)}',
    ):
        load_map(dict(seg_map_path=path))


def test_corrupt_label_map(load_map, tmp_path):
    path = corrupt(tmp_path, 'corrupt.png')
    with pytest.raises(
        ValueError,
        match=f'cannot decode the segmentation map {re.escape(path)}',
    ):
        load_map(dict(seg_map_path=path))


def test_truncated_label_map(load_map, tmp_path):
    path = truncated(tmp_path, 'cut.png', PIXELS[..., 0] % 5)
    with pytest.raises(
        ValueError,
        match=f'cannot decode the segmentation map {re.escape(path)}: '
        '.*truncated',
    ):
        load_map(dict(seg_map_path=path))


def forged_jpeg(tmp_path, height: int, width: int) -> str:
    """A valid 16x16 JPEG whose header claims ``height`` x ``width``."""
    ok, encoded = cv2.imencode('.jpg', np.full((16, 16, 3), 128, np.uint8))
    data = bytearray(encoded.tobytes())
    sof = data.find(b'\xff\xc0')
    data[sof + 5 : sof + 9] = struct.pack('>HH', height, width)
    path = tmp_path / f'forged_{height}x{width}.jpg'
    path.write_bytes(bytes(data))
    return str(path)


def test_a_header_claiming_more_pixels_than_the_file_holds(
    load_image, tmp_path
):
    path = forged_jpeg(tmp_path, 8000, 8000)  # decodes to gray without us
    with pytest.raises(
        ValueError,
        match=f'Cannot decode image file {re.escape(path)}: its JPEG '
        r'header declares 8000x8000 pixels, which need at least 125000 '
        'bytes of pixel data, but the file holds',
    ):
        load_image(dict(img_path=path))


def test_a_header_above_the_pixel_limit(tmp_path):
    path = forged_jpeg(tmp_path, 30000, 30000)  # would take 2.7 GB
    with pytest.raises(
        ValueError,
        match=f'{re.escape(path)}: its JPEG header declares 30000x30000 '
        '= 900000000 pixels, more than max_image_pixels=178956970',
    ):
        TRANSFORMS.build(dict(type='LoadImageFromFile'))(dict(img_path=path))
    small = str(tmp_path / 'small.png')
    cv2.imwrite(small, PIXELS)
    load = TRANSFORMS.build(
        dict(type='LoadImageFromFile', max_image_pixels=24 * 32 - 1)
    )
    with pytest.raises(ValueError, match='more than max_image_pixels=767'):
        load(dict(img_path=small))
    assert TRANSFORMS.build(
        dict(type='LoadImageFromFile', max_image_pixels=None)
    )(dict(img_path=small))['img'].shape == (24, 32, 3)
    load_map = TRANSFORMS.build(
        dict(type='LoadAnnotations', max_image_pixels=100)
    )
    with pytest.raises(
        ValueError,
        match=f'segmentation map {re.escape(small)}: .* more than '
        'max_image_pixels=100',
    ):
        load_map(dict(seg_map_path=small))


@pytest.mark.parametrize('keep', ['half', 'no_iend'])
def test_truncated_label_map_is_refused_even_if_pillow_would_pad_it(
    load_map, tmp_path, monkeypatch, keep
):
    from PIL import ImageFile

    # the setting some code sets globally: Pillow then fills missing rows
    # with 0, a real class
    monkeypatch.setattr(ImageFile, 'LOAD_TRUNCATED_IMAGES', True)
    labels = np.random.default_rng(0).integers(1, 5, (300, 400), np.uint8)
    ok, encoded = cv2.imencode('.png', labels)
    data = encoded.tobytes()
    data = data[: len(data) // 2] if keep == 'half' else data[:-12]
    path = tmp_path / 'cut.png'
    path.write_bytes(data)
    with pytest.raises(
        ValueError,
        match=f'segmentation map {re.escape(str(path))}: it is truncated'
        ': its PNG',
    ):
        load_map(dict(seg_map_path=str(path)))


def _jpeg_with_orientation(path, img: np.ndarray, orientation: int) -> None:
    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(img[..., ::-1]).save(
        str(path), 'JPEG', quality=100, exif=exif.tobytes()
    )


@pytest.mark.parametrize('orientation', range(1, 9))
def test_exif_oriented_image_stays_aligned_with_its_label_map(
    tmp_path, orientation
):
    # labels drawn on the stored pixels: class 1 where the image is bright
    labels = np.zeros((24, 32), np.uint8)
    labels[2:10, 3:20] = 1
    labels[14:22, 24:30] = 2
    img = np.full((24, 32, 3), 20, np.uint8)
    img[labels > 0] = 230
    _jpeg_with_orientation(tmp_path / 'a.jpg', img, orientation)
    cv2.imwrite(str(tmp_path / 'a.png'), labels)
    results = TRANSFORMS.build(dict(type='LoadImageFromFile'))(
        dict(
            img_path=str(tmp_path / 'a.jpg'),
            seg_map_path=str(tmp_path / 'a.png'),
        )
    )
    # decoded as mmcv decodes it: the EXIF orientation is applied
    expected_img = mmcv.imread(str(tmp_path / 'a.jpg'))
    np.testing.assert_array_equal(results['img'], expected_img)
    results = TRANSFORMS.build(dict(type='LoadAnnotations'))(results)
    bright = results['img'][..., 1] > 128
    assert np.array_equal(bright, results['gt_seg_map'] > 0)
    if orientation >= 5:
        assert results['gt_seg_map'].shape == (32, 24)


def test_label_map_drawn_on_the_turned_image_is_left_alone(tmp_path):
    labels = np.zeros((32, 24), np.uint8)  # drawn on the displayed image
    labels[3:20, 2:10] = 1
    img = np.full((24, 32, 3), 20, np.uint8)
    _jpeg_with_orientation(tmp_path / 'a.jpg', img, 6)
    cv2.imwrite(str(tmp_path / 'a.png'), labels)
    results = TRANSFORMS.build(dict(type='LoadImageFromFile'))(
        dict(
            img_path=str(tmp_path / 'a.jpg'),
            seg_map_path=str(tmp_path / 'a.png'),
        )
    )
    results = TRANSFORMS.build(dict(type='LoadAnnotations'))(results)
    np.testing.assert_array_equal(results['gt_seg_map'], labels)
