# Copyright (c) mmflow_ext contributors. All rights reserved.
import io
import struct

import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps

from mmflow_ext.datasets.transforms.image_header import (
    apply_orientation,
    check_image_bytes,
    read_image_header,
)


def _pil_bytes(array, fmt, **kwargs):
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def _cv2_bytes(ext, array, params=()):
    ok, encoded = cv2.imencode(ext, array, list(params))
    assert ok
    return encoded.tobytes()


@pytest.mark.parametrize(
    'name, data, shape',
    [
        ('png gray', _cv2_bytes('.png', np.zeros((5, 9), np.uint8)), (5, 9)),
        (
            'png 16 bit',
            _cv2_bytes('.png', np.zeros((3, 4), np.uint16)),
            (3, 4),
        ),
        (
            'jpeg',
            _cv2_bytes('.jpg', np.zeros((17, 33, 3), np.uint8)),
            (17, 33),
        ),
        (
            'progressive jpeg',
            _cv2_bytes(
                '.jpg',
                np.zeros((8, 40, 3), np.uint8),
                [cv2.IMWRITE_JPEG_PROGRESSIVE, 1],
            ),
            (8, 40),
        ),
    ],
)
def test_declared_size_is_read_from_the_header(name, data, shape):
    header = check_image_bytes(data)
    assert (header.height, header.width) == shape
    assert header.truncation is None and header.orientation == 1


@pytest.mark.parametrize(
    'data',
    [
        # the most compressible files real encoders write must pass the bounds
        _cv2_bytes(
            '.png',
            np.zeros((2000, 2000), np.uint8),
            [cv2.IMWRITE_PNG_COMPRESSION, 9],
        ),
        _pil_bytes(np.zeros((2000, 2000), np.uint8), 'PNG', optimize=True),
        _pil_bytes(np.zeros((2000, 2000), bool), 'PNG', optimize=True),
        _cv2_bytes(
            '.jpg',
            np.zeros((2000, 2000, 3), np.uint8),
            [cv2.IMWRITE_JPEG_QUALITY, 1, cv2.IMWRITE_JPEG_OPTIMIZE, 1],
        ),
        _pil_bytes(
            np.zeros((2000, 2000), np.uint8),
            'JPEG',
            quality=1,
            optimize=True,
            progressive=True,
        ),
    ],
)
def test_real_highly_compressed_files_are_accepted(data):
    header = check_image_bytes(data)
    assert header.data_bytes >= header.min_data_bytes
    assert (header.height, header.width) == (2000, 2000)


def test_other_formats_pass_unchecked():
    assert (
        check_image_bytes(
            _cv2_bytes('.bmp', np.zeros((2, 2), np.uint8)), max_pixels=1
        )
        is None
    )


def test_png_cut_at_a_chunk_boundary_is_truncated():
    data = _cv2_bytes(
        '.png', np.random.default_rng(0).integers(0, 255, (200, 200), np.uint8)
    )
    first_idat_end = 33 + 12 + struct.unpack('>I', data[33:37])[0]
    with pytest.raises(
        ValueError, match='truncated: its PNG chunks end before the IEND'
    ):
        check_image_bytes(data[:first_idat_end])


def test_jpeg_without_its_end_marker_is_truncated():
    data = _cv2_bytes('.jpg', np.zeros((16, 16, 3), np.uint8))
    with pytest.raises(ValueError, match='no end-of-image marker'):
        check_image_bytes(data[:-2])


def test_forged_png_size_is_refused():
    data = bytearray(_cv2_bytes('.png', np.zeros((4, 4), np.uint8)))
    # IHDR width, height; 50000 rows of 1 + 50000 bytes, deflate <= 1032:1
    data[16:24] = struct.pack('>II', 50000, 50000)
    with pytest.raises(
        ValueError,
        match='need at least 2422529 bytes of pixel data, but the file '
        'holds 22',
    ):
        check_image_bytes(bytes(data), max_pixels=None)


@pytest.mark.parametrize('orientation', range(1, 9))
def test_orientation_is_read_and_applied_as_the_decoders_do(orientation):
    img = np.random.default_rng(orientation).integers(
        0, 256, (6, 10, 3), np.uint8
    )
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = _pil_bytes(img, 'JPEG', quality=100, exif=exif.tobytes())
    assert read_image_header(data).orientation == orientation
    raw = cv2.imdecode(
        np.frombuffer(data, np.uint8),
        cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION,
    )
    turned = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    np.testing.assert_array_equal(apply_orientation(raw, orientation), turned)
    pil_turned = np.asarray(
        ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    )
    assert pil_turned.shape == turned.shape
