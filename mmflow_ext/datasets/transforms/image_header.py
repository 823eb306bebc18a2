# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Cheap checks of PNG and JPEG bytes before they are decoded.

Decoders trust the header: a 629-byte JPEG whose header claims 8000×8000
decodes to a gray 8000×8000 image, one claiming 30000×30000 allocates
gigabytes, and a PNG cut short can come back with its missing rows as
zeros (class 0 of a label map). :func:`check_image_bytes` reads the header
and the chunk / marker structure (no pixel is decoded) and refuses:

- a declared size above ``max_pixels`` (configurable, ``None`` for no
  limit);
- a file too small for its declared size: Huffman-coded JPEG needs at least
  one bit per 8×8 block, deflate at most compresses 1032:1;
- a PNG whose chunks stop before ``IEND``, and a JPEG without an
  end-of-image marker after its scan data.

Other formats pass unchecked. :func:`read_image_header` also returns the
EXIF orientation of a JPEG, which :func:`apply_orientation` applies to a
label map so that it stays aligned with its EXIF-rotated image.
"""

import struct
from typing import NamedTuple, Optional

import numpy as np

__all__ = [
    'DEFAULT_MAX_PIXELS',
    'ImageHeader',
    'read_image_header',
    'check_image_bytes',
    'apply_orientation',
]

#: Pillow's decompression-bomb error threshold (2 × its warning limit)
DEFAULT_MAX_PIXELS = 178_956_970

_PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
#: deflate's best case: one 258-byte match per two 1-bit codes
_DEFLATE_MAX_RATIO = 1032
#: start-of-frame markers of Huffman-coded JPEG (not arithmetic-coded)
_JPEG_HUFFMAN_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7}
_JPEG_ALL_SOF = _JPEG_HUFFMAN_SOF | {0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_EXIF_ORIENTATION_TAG = 0x0112


class ImageHeader(NamedTuple):
    """What the header of a PNG or JPEG declares."""

    format: str
    height: int
    width: int
    #: bytes of compressed pixel data the file holds
    data_bytes: int
    #: the fewest bytes of pixel data any valid file of that size has
    min_data_bytes: int
    #: why the file is structurally incomplete, or None
    truncation: Optional[str]
    #: EXIF orientation (1 to 8) of a JPEG, 1 when absent
    orientation: int = 1


def _png_header(data: bytes) -> ImageHeader:
    width = height = bit_depth = channels = 0
    idat_bytes, offset, truncation = 0, len(_PNG_SIGNATURE), None
    while True:
        if offset + 8 > len(data):
            truncation = 'its PNG chunks end before the IEND chunk'
            break
        length, kind = struct.unpack('>I4s', data[offset : offset + 8])
        end = offset + 12 + length
        if end > len(data):
            truncation = (
                f'its PNG {kind.decode("latin-1")} chunk needs '
                f'{end} bytes, the file has {len(data)}'
            )
            break
        if kind == b'IHDR' and length >= 13:
            width, height, bit_depth, color_type = struct.unpack(
                '>IIBB', data[offset + 8 : offset + 18]
            )
            channels = _PNG_CHANNELS.get(color_type, 1)
        elif kind == b'IDAT':
            idat_bytes += length
        elif kind == b'IEND':
            break
        offset = end
    row_bytes = 1 + (width * channels * bit_depth + 7) // 8
    raw = height * row_bytes if width else 0
    return ImageHeader(
        'PNG', height, width, idat_bytes, raw // _DEFLATE_MAX_RATIO, truncation
    )


def _exif_orientation(segment: bytes) -> int:
    """Orientation tag of an APP1 ``Exif`` segment body; 1 when absent."""
    if not segment.startswith(b'Exif\x00\x00') or len(segment) < 14:
        return 1
    tiff = segment[6:]
    order = {b'II': '<', b'MM': '>'}.get(tiff[:2])
    if order is None:
        return 1
    try:
        (ifd,) = struct.unpack(order + 'I', tiff[4:8])
        (count,) = struct.unpack(order + 'H', tiff[ifd : ifd + 2])
        for i in range(count):
            entry = tiff[ifd + 2 + 12 * i : ifd + 14 + 12 * i]
            tag, _, _, value = struct.unpack(order + 'HHIH', entry[:10])
            if tag == _EXIF_ORIENTATION_TAG:
                return value if 1 <= value <= 8 else 1
    except struct.error:
        return 1
    return 1


def _jpeg_header(data: bytes) -> ImageHeader:
    offset, height, width, huffman, orientation = 2, 0, 0, True, 1
    scan_start = None
    while offset + 4 <= len(data):
        if data[offset] != 0xFF:
            break
        marker = data[offset + 1]
        if marker == 0xFF:  # fill byte
            offset += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # no length field
            offset += 2
            continue
        (length,) = struct.unpack('>H', data[offset + 2 : offset + 4])
        body = data[offset + 4 : offset + 2 + length]
        if marker in _JPEG_ALL_SOF and len(body) >= 5:
            height, width = struct.unpack('>HH', body[1:5])
            huffman = marker in _JPEG_HUFFMAN_SOF
        elif marker == 0xE1 and orientation == 1:
            orientation = _exif_orientation(body)
        elif marker == 0xDA:
            scan_start = offset + 2 + length
            break
        offset += 2 + length
    truncation = None
    if scan_start is None or scan_start > len(data):
        truncation = 'its JPEG data ends before the scan data'
    elif data.rfind(b'\xff\xd9', scan_start) < 0:
        truncation = 'its JPEG data has no end-of-image marker'
    # one bit per 8x8 luma block at least, in Huffman-coded scans
    blocks = ((height + 7) // 8) * ((width + 7) // 8)
    data_bytes = max(len(data) - (scan_start or len(data)), 0)
    return ImageHeader(
        'JPEG',
        height,
        width,
        data_bytes,
        blocks // 8 if huffman else 0,
        truncation,
        orientation,
    )


def read_image_header(data: bytes) -> Optional[ImageHeader]:
    """The header of PNG or JPEG bytes; None for other formats.

    Args:
        data (bytes): The file content.

    Returns:
        ImageHeader | None: Declared size, structural state and
        orientation.

    Examples:
        >>> import cv2
        >>> ok, png = cv2.imencode('.png', np.zeros((3, 5), np.uint8))
        >>> header = read_image_header(png.tobytes())
        >>> header.format, header.height, header.width, header.truncation
        ('PNG', 3, 5, None)
        >>> read_image_header(png.tobytes()[:-20]).truncation is None
        False
    """
    if data.startswith(_PNG_SIGNATURE):
        return _png_header(data)
    if data.startswith(b'\xff\xd8'):
        return _jpeg_header(data)
    return None


def check_image_bytes(
    data: bytes, max_pixels: Optional[int] = DEFAULT_MAX_PIXELS
) -> Optional[ImageHeader]:
    """Refuse image bytes that would decode to something the file does not
    hold (see the module docstring).

    Args:
        data (bytes): The file content.
        max_pixels (int, optional): Largest ``height * width`` accepted;
            None for no limit. Defaults to :data:`DEFAULT_MAX_PIXELS`.

    Returns:
        ImageHeader | None: The header, None for an unchecked format.

    Raises:
        ValueError: Saying what is wrong; the caller adds the file name.

    Examples:
        >>> import cv2
        >>> ok, jpg = cv2.imencode('.jpg', np.zeros((16, 16, 3), np.uint8))
        >>> forged = bytearray(jpg.tobytes())
        >>> sof = forged.find(b'\\xff\\xc0')
        >>> forged[sof + 5:sof + 9] = struct.pack('>HH', 8000, 8000)
        >>> check_image_bytes(bytes(forged))
        Traceback (most recent call last):
        ...
        ValueError: its JPEG header declares 8000x8000 pixels, which need at
        least 125000 bytes of pixel data, but the file holds ...
    """
    header = read_image_header(data)
    if header is None:
        return None
    if header.truncation is not None:
        raise ValueError(f'it is truncated: {header.truncation}')
    pixels = header.height * header.width
    if max_pixels is not None and pixels > max_pixels:
        raise ValueError(
            f'its {header.format} header declares {header.width}x'
            f'{header.height} = {pixels} pixels, more than max_image_pixels='
            f'{max_pixels}; raise that limit if the image is real'
        )
    if header.data_bytes < header.min_data_bytes:
        raise ValueError(
            f'its {header.format} header declares {header.width}x'
            f'{header.height} pixels, which need at least '
            f'{header.min_data_bytes} bytes of pixel data, but the file '
            f'holds {header.data_bytes}'
        )
    return header


def apply_orientation(array: np.ndarray, orientation: int) -> np.ndarray:
    """``array`` (``H×W[×C]``) turned by an EXIF orientation the way
    decoders turn the image (1: unchanged, 6: 90° clockwise, ...).

    Args:
        array (np.ndarray): Pixels on the stored grid.
        orientation (int): EXIF orientation, 1 to 8.

    Returns:
        np.ndarray: A view on the displayed grid.

    Examples:
        >>> m = np.array([[1, 2, 3], [4, 5, 6]])
        >>> apply_orientation(m, 6).tolist()
        [[4, 1], [5, 2], [6, 3]]
    """
    swapped = np.swapaxes(array, 0, 1)
    return {
        1: array,
        2: array[:, ::-1],
        3: array[::-1, ::-1],
        4: array[::-1],
        5: swapped,
        6: swapped[:, ::-1],
        7: swapped[::-1, ::-1],
        8: swapped[::-1],
    }[orientation]
