# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Image quality measures: PSNR, SSIM, MAE and the Y channel they may use.

Every function takes images with values in ``[0, 255]`` (numpy arrays or
tensors, any dtype) and computes in float64.
"""

import math
from typing import Any, Optional, Union

import cv2
import numpy as np
import torch

__all__ = [
    'reorder_image',
    'to_y_channel',
    'img_transform',
    'psnr',
    'ssim',
    'mae',
]

ImageLike = Union[np.ndarray, torch.Tensor]

#: ITU-R BT.601 luma weights of (R, G, B) for [0, 1] input, giving [16, 235]
_Y_WEIGHTS_RGB = np.array([65.481, 128.553, 24.966])
_SSIM_C1 = (0.01 * 255) ** 2
_SSIM_C2 = (0.03 * 255) ** 2
_SSIM_WINDOW = 11
_SSIM_SIGMA = 1.5


def _check_type(img: Any) -> None:
    if not isinstance(img, (np.ndarray, torch.Tensor)):
        raise TypeError(
            f'Images must be numpy arrays or tensors, got {type(img).__name__}'
        )


def _to_float64(img: ImageLike) -> np.ndarray:
    _check_type(img)
    if isinstance(img, torch.Tensor):
        img = img.detach().cpu().numpy()
    return img.astype(np.float64)


def _check_same_shape(img1: ImageLike, img2: ImageLike) -> None:
    """Raise a ValueError naming both shapes when they differ."""
    _check_type(img1)
    _check_type(img2)
    if tuple(img1.shape) != tuple(img2.shape):
        raise ValueError(
            f'Image shapes differ: {tuple(img1.shape)} and {tuple(img2.shape)}'
        )


def _float64_on(
    img: ImageLike, device: Optional[torch.device]
) -> Union[np.ndarray, torch.Tensor]:
    """``img`` in float64: a numpy array when ``device`` is None, else a
    tensor on ``device``."""
    if device is None:
        return _to_float64(img)
    _check_type(img)
    return torch.as_tensor(img).detach().to(device, torch.float64)


def reorder_image(img: ImageLike, input_order: str = 'HWC') -> np.ndarray:
    """Return ``img`` as a float64 ``H×W×C`` array.

    Args:
        img (np.ndarray | Tensor): ``H×W``, ``H×W×C`` or ``C×H×W``.
        input_order (str): ``'HWC'`` or ``'CHW'`` (ignored for 2-D input).

    Returns:
        np.ndarray: ``H×W×C`` float64 (``H×W×1`` for 2-D input).
    """
    if input_order not in ('HWC', 'CHW'):
        raise ValueError(
            f"input_order must be 'HWC' or 'CHW', got {input_order!r}"
        )
    img = _to_float64(img)
    if img.ndim == 2:
        return img[..., None]
    if img.ndim != 3:
        raise ValueError(
            f'Expected one image (2-D or 3-D), got shape {img.shape}'
        )
    return img.transpose(1, 2, 0) if input_order == 'CHW' else img


def to_y_channel(img: np.ndarray, channel_order: str = 'rgb') -> np.ndarray:
    """Y channel (ITU-R BT.601, range ``[16, 235]``) of a colour image.

    Args:
        img (np.ndarray): ``H×W×3`` image in ``[0, 255]``.
        channel_order (str): ``'rgb'`` or ``'bgr'`` (any case).

    Returns:
        np.ndarray: ``H×W×1`` float64 Y channel in ``[0, 255]`` units.

    Examples:
        >>> to_y_channel(np.full((1, 1, 3), 255.)).tolist()
        [[[235.0]]]
    """
    if channel_order.lower() not in ('rgb', 'bgr'):
        raise ValueError(
            f"channel_order must be 'rgb' or 'bgr', got {channel_order!r}"
        )
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(
            f'The Y channel needs an H×W×3 image, got shape {img.shape}'
        )
    weights = _Y_WEIGHTS_RGB
    if channel_order.lower() == 'bgr':
        weights = weights[::-1]
    return (img @ (weights / 255.0) + 16.0)[..., None]


def img_transform(
    img: ImageLike,
    crop_border: int = 0,
    input_order: str = 'HWC',
    convert_to: Optional[str] = None,
    channel_order: str = 'rgb',
) -> np.ndarray:
    """Prepare an image for a metric: reorder to ``H×W×C`` float64,
    optionally keep its Y channel, then crop ``crop_border`` pixels.

    Args:
        img (np.ndarray | Tensor): Image in ``[0, 255]``.
        crop_border (int): Pixels dropped at each edge. Defaults to 0.
        input_order (str): ``'HWC'`` or ``'CHW'``. Defaults to ``'HWC'``.
        convert_to (str, optional): ``'Y'`` (any case) or None.
        channel_order (str): Channel order of colour input, for ``'Y'``.

    Returns:
        np.ndarray: ``H×W×C`` float64.
    """
    img = reorder_image(img, input_order)
    if isinstance(convert_to, str) and convert_to.lower() == 'y':
        img = to_y_channel(img, channel_order)
    elif convert_to is not None:
        raise ValueError(f"convert_to must be 'Y' or None, got {convert_to!r}")
    if crop_border:
        img = img[crop_border:-crop_border, crop_border:-crop_border]
    return img


def _prepare_pair(
    img1: ImageLike,
    img2: ImageLike,
    crop_border: int,
    input_order: str,
    convert_to: Optional[str],
    channel_order: str,
):
    _check_same_shape(img1, img2)
    return (
        img_transform(
            img1, crop_border, input_order, convert_to, channel_order
        ),
        img_transform(
            img2, crop_border, input_order, convert_to, channel_order
        ),
    )


def psnr(
    img1: ImageLike,
    img2: ImageLike,
    crop_border: int = 0,
    input_order: str = 'HWC',
    convert_to: Optional[str] = None,
    channel_order: str = 'rgb',
) -> float:
    """Peak signal-to-noise ratio, in dB, for a peak of 255.

    Args:
        img1 (np.ndarray | Tensor): Image in ``[0, 255]``.
        img2 (np.ndarray | Tensor): Image of the same shape.
        crop_border (int): Pixels dropped at each edge. Defaults to 0.
        input_order (str): ``'HWC'`` or ``'CHW'``. Defaults to ``'HWC'``.
        convert_to (str, optional): ``'Y'`` to compare Y channels.
        channel_order (str): Channel order, for ``'Y'``. Defaults to
            ``'rgb'``.

    Returns:
        float: PSNR (``inf`` for identical images).

    Examples:
        >>> round(psnr(np.ones((4, 4, 3)), np.full((4, 4, 3), 2.)), 7)
        48.1308036
    """
    _check_same_shape(img1, img2)
    if convert_to is None:
        diff = _cropped(img1, crop_border, input_order) - _cropped(
            img2, crop_border, input_order
        )
        mse = float(np.square(diff, out=diff).mean())
    else:
        img1, img2 = _prepare_pair(
            img1, img2, crop_border, input_order, convert_to, channel_order
        )
        mse = float(np.mean((img1 - img2) ** 2))
    if mse == 0:
        return float('inf')
    return float(20.0 * np.log10(255.0 / np.sqrt(mse)))


def _cropped(img: ImageLike, crop_border: int, input_order: str) -> np.ndarray:
    """``img`` as float64 in its own layout, ``crop_border`` cropped."""
    if input_order not in ('HWC', 'CHW'):
        raise ValueError(
            f"input_order must be 'HWC' or 'CHW', got {input_order!r}"
        )
    img = _to_float64(img)
    if img.ndim not in (2, 3):
        raise ValueError(
            f'Expected one image (2-D or 3-D), got shape {img.shape}'
        )
    if not crop_border:
        return img
    crop = slice(crop_border, -crop_border)
    if img.ndim == 3 and input_order == 'CHW':
        return img[:, crop, crop]
    return img[crop, crop]


_SSIM_KERNEL = cv2.getGaussianKernel(_SSIM_WINDOW, _SSIM_SIGMA, cv2.CV_64F)


def _ssim_plane(
    plane1: np.ndarray, plane2: np.ndarray, work: np.ndarray
) -> float:
    """Mean SSIM of two float64 planes over the 'valid' 11×11 windows.

    ``work`` is a ``6×H×W`` float64 buffer; all intermediate maps live in
    it, so one plane costs no allocation.
    """
    mu1, mu2, sq1, sq2, cross, tmp = work

    def blur(src: np.ndarray, dst: np.ndarray) -> None:
        cv2.sepFilter2D(
            src,
            cv2.CV_64F,
            _SSIM_KERNEL,
            _SSIM_KERNEL,
            dst=dst,
            borderType=cv2.BORDER_REFLECT_101,
        )

    blur(plane1, mu1)
    blur(plane2, mu2)
    blur(np.multiply(plane1, plane1, out=tmp), sq1)
    blur(np.multiply(plane2, plane2, out=tmp), sq2)
    blur(np.multiply(plane1, plane2, out=tmp), cross)
    half = _SSIM_WINDOW // 2
    valid = (slice(half, -half), slice(half, -half))
    mu1, mu2, sq1, sq2, cross, tmp = (m[valid] for m in work)
    np.multiply(mu1, mu2, out=tmp)  # mu1·mu2
    cross -= tmp  # sigma12
    mu1 *= mu1
    mu2 *= mu2
    sq1 -= mu1  # sigma1²
    sq2 -= mu2  # sigma2²
    tmp *= 2
    tmp += _SSIM_C1
    cross *= 2
    cross += _SSIM_C2
    tmp *= cross  # numerator
    mu1 += mu2
    mu1 += _SSIM_C1
    sq1 += sq2
    sq1 += _SSIM_C2
    mu1 *= sq1  # denominator
    tmp /= mu1
    return float(tmp.mean())


def ssim(
    img1: ImageLike,
    img2: ImageLike,
    crop_border: int = 0,
    input_order: str = 'HWC',
    convert_to: Optional[str] = None,
    channel_order: str = 'rgb',
) -> float:
    """Structural similarity, averaged over channels.

    Local statistics use an 11×11 Gaussian window (σ = 1.5) and only the
    windows that fit inside the image ("valid"), with ``C1 = (0.01·255)²``
    and ``C2 = (0.03·255)²``, as in the reference MATLAB code of Wang et
    al. The window is applied as two 1-D passes.

    Args:
        img1 (np.ndarray | Tensor): Image in ``[0, 255]``.
        img2 (np.ndarray | Tensor): Image of the same shape.
        crop_border (int): Pixels dropped at each edge. Defaults to 0.
        input_order (str): ``'HWC'`` or ``'CHW'``. Defaults to ``'HWC'``.
        convert_to (str, optional): ``'Y'`` to compare Y channels.
        channel_order (str): Channel order, for ``'Y'``. Defaults to
            ``'rgb'``.

    Returns:
        float: SSIM in ``[-1, 1]``.

    Examples:
        >>> img = np.arange(256.).reshape(16, 16)
        >>> ssim(img, img)
        1.0
    """
    _check_same_shape(img1, img2)
    planes1, planes2 = (
        _planes(img, crop_border, input_order, convert_to, channel_order)
        for img in (img1, img2)
    )
    if min(planes1[0].shape) < _SSIM_WINDOW:
        raise ValueError(
            f'SSIM needs images of at least {_SSIM_WINDOW}×'
            f'{_SSIM_WINDOW} pixels after cropping, got '
            f'{planes1[0].shape}'
        )
    work = np.empty((6,) + planes1[0].shape)
    return float(
        np.mean(
            [_ssim_plane(p1, p2, work) for p1, p2 in zip(planes1, planes2)]
        )
    )


def _planes(
    img: ImageLike,
    crop_border: int,
    input_order: str,
    convert_to: Optional[str],
    channel_order: str,
) -> list:
    """Contiguous float64 ``H×W`` planes of an image after
    :func:`img_transform` (without an ``H×W×C`` detour for ``CHW``)."""
    if convert_to is not None or input_order != 'CHW' or img.ndim != 3:
        hwc = img_transform(
            img, crop_border, input_order, convert_to, channel_order
        )
        return [np.ascontiguousarray(hwc[..., c]) for c in range(hwc.shape[2])]
    chw = _to_float64(img)
    if crop_border:
        chw = chw[:, crop_border:-crop_border, crop_border:-crop_border]
    return [np.ascontiguousarray(plane) for plane in chw]


def mae(
    img1: ImageLike, img2: ImageLike, mask: Optional[ImageLike] = None
) -> float:
    """Mean absolute error of images in ``[0, 255]``, scaled to ``[0, 1]``.

    Args:
        img1 (np.ndarray | Tensor): Image.
        img2 (np.ndarray | Tensor): Image of the same shape.
        mask (np.ndarray | Tensor, optional): Region to measure (non-zero
            pixels); it broadcasts over channels (e.g. ``1×H×W`` for
            ``C×H×W`` images).

    Returns:
        float: The mean of ``|img1 - img2| / 255`` over the (masked)
        elements, computed in float64 where ``img1`` is: on its device for
        a tensor off the CPU (so ``MAE(device='cuda')`` measures on the
        GPU), else with numpy.

    Examples:
        >>> mae(np.zeros((2, 2)), np.full((2, 2), 51.))
        0.2
        >>> round(mae(np.zeros((1, 2)), np.array([[51., 255.]]),
        ...           mask=np.array([[1, 0]])), 9)
        0.2
    """
    _check_same_shape(img1, img2)
    device = (
        img1.device
        if isinstance(img1, torch.Tensor) and img1.device.type != 'cpu'
        else None
    )
    img1, img2 = _float64_on(img1, device), _float64_on(img2, device)
    diff = abs(img1 - img2) / 255.0
    if mask is None:
        return float(diff.mean())
    mask = _float64_on(_float64_on(mask, device) != 0, device)
    diff = diff * mask
    scale = math.prod(diff.shape) / math.prod(mask.shape)
    return float(diff.sum() / (mask.sum() * scale + 1e-12))
