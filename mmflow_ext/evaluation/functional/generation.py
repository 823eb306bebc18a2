# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Pure functions of the generation metrics: sliced Wasserstein distance
over Laplacian-pyramid patches (SWD), multi-scale SSIM between image pairs
(MS-SSIM) and the Fréchet distance of feature statistics (FID).

They compute what MMagic 1.2.0's metrics compute, drawing their random
numbers (``np.random`` patch positions, ``torch.randn`` directions) in the
same order, so the same seeds give the same values.
"""

from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    'laplacian_pyramid',
    'swd_descriptors',
    'finalize_descriptors',
    'sliced_wasserstein',
    'ms_ssim',
    'frechet_distance',
]

_BINOMIAL = np.array([1, 4, 6, 4, 1], np.float32)


def _gaussian_kernel() -> Tensor:
    """The ``1×1×5×5`` binomial blur of the pyramids."""
    return torch.from_numpy(np.outer(_BINOMIAL, _BINOMIAL) / 256.0).view(
        1, 1, 5, 5
    )


def _pyramid_layer(img: Tensor, kernel: Tensor, up: bool = False) -> Tensor:
    """Blur each channel, then downsample by 2 (or upsample by 2 first)."""
    if up:
        img = F.interpolate(img, scale_factor=2)
    n, c, h, w = img.shape
    out = F.conv2d(
        img.reshape(n * c, 1, h, w),
        kernel.to(img),
        padding=2,
        stride=1 if up else 2,
    )
    return out.reshape(n, c, *out.shape[-2:])


def laplacian_pyramid(img: Tensor, n_pyramids: int) -> List[Tensor]:
    """Laplacian pyramid: ``n_pyramids`` band-pass levels and the last
    low-pass level.

    Args:
        img (Tensor): ``(N, C, H, W)`` images.
        n_pyramids (int): Number of downsamplings.

    Returns:
        list[Tensor]: ``n_pyramids + 1`` levels, finest first.

    Examples:
        >>> [tuple(x.shape) for x in laplacian_pyramid(
        ...     torch.zeros(1, 3, 16, 16), 2)]
        [(1, 3, 16, 16), (1, 3, 8, 8), (1, 3, 4, 4)]
    """
    kernel = _gaussian_kernel()
    gauss = [img]
    for _ in range(n_pyramids):
        gauss.append(_pyramid_layer(gauss[-1], kernel))
    return [
        fine - _pyramid_layer(coarse, kernel, up=True)
        for fine, coarse in zip(gauss[:-1], gauss[1:])
    ] + [gauss[-1]]


def swd_descriptors(
    level: Tensor, nhood_size: int, nhoods_per_image: int
) -> Tensor:
    """Random ``nhood_size²`` patches of one pyramid level, at positions
    drawn with ``np.random.randint`` (columns first, then rows).

    Args:
        level (Tensor): ``(N, 3, H, W)`` pyramid level.
        nhood_size (int): Patch side (odd).
        nhoods_per_image (int): Patches per image.

    Returns:
        Tensor: ``(N * nhoods_per_image, 3, nhood_size, nhood_size)``,
        indexed ``[patch, channel, column offset, row offset]``.
    """
    n, c, h, w = level.shape
    if c != 3:
        raise ValueError(f'SWD descriptors need 3 channels, got {c}')
    half = nhood_size // 2
    count = nhoods_per_image * n
    cols = np.random.randint(half, w - half, size=(count, 1, 1, 1))
    rows = np.random.randint(half, h - half, size=(count, 1, 1, 1))
    offsets = np.arange(-half, half + 1)
    image = (np.arange(count) // nhoods_per_image)[:, None, None, None]
    chan = np.arange(3)[None, :, None, None]
    # as MMagic: axis 2 of a patch runs along columns, axis 3 along rows
    idx = (
        ((image * c + chan) * h + rows + offsets[None, None, None, :]) * w
        + cols
        + offsets[None, None, :, None]
    )
    return level.reshape(-1)[torch.from_numpy(idx)]


def finalize_descriptors(desc) -> Tensor:
    """Normalize descriptors per channel (mean 0, std 1 over all patches
    and positions) and flatten each patch.

    Args:
        desc (Tensor | list[Tensor]): ``(M, C, h, w)`` descriptors.

    Returns:
        Tensor: ``(M, C * h * w)``.
    """
    if isinstance(desc, (list, tuple)):
        desc = torch.cat(list(desc), dim=0)
    desc = desc - desc.mean(dim=(0, 2, 3), keepdim=True)
    desc = desc / desc.std(dim=(0, 2, 3), keepdim=True)
    return desc.reshape(desc.shape[0], -1)


def sliced_wasserstein(
    dist_a: Tensor,
    dist_b: Tensor,
    dir_repeats: int = 4,
    dirs_per_repeat: int = 128,
) -> float:
    """Mean absolute difference of the sorted projections of two point
    sets on random unit directions (``torch.randn``).

    Args:
        dist_a (Tensor): ``(M, D)`` points.
        dist_b (Tensor): ``(M, D)`` points.
        dir_repeats (int): Rounds of directions. Defaults to 4.
        dirs_per_repeat (int): Directions per round. Defaults to 128.

    Returns:
        float: The distance.

    Raises:
        ValueError: For sets of different shapes or non-positive counts.
    """
    if dist_a.ndim != 2 or dist_a.shape != dist_b.shape:
        raise ValueError(
            'sliced_wasserstein needs two (M, D) sets of the '
            f'same shape, got {tuple(dist_a.shape)} and '
            f'{tuple(dist_b.shape)}'
        )
    if dir_repeats <= 0 or dirs_per_repeat <= 0:
        raise ValueError('dir_repeats and dirs_per_repeat must be > 0')
    results = []
    for _ in range(dir_repeats):
        dirs = torch.randn(dist_a.shape[1], dirs_per_repeat)
        dirs /= torch.sqrt(torch.sum(dirs**2, dim=0, keepdim=True))
        dirs = dirs.to(dist_b.device)
        proj_a = torch.sort(dist_a.to(dirs) @ dirs, dim=0)[0]
        proj_b = torch.sort(dist_b @ dirs, dim=0)[0]
        results.append(torch.mean(torch.abs(proj_a - proj_b)).item())
    return sum(results) / dir_repeats


def _gauss_window(size: int, sigma: float) -> Tensor:
    radius = size // 2
    start, stop, offset = -radius, radius + 1, 0.0
    if size % 2 == 0:
        offset, stop = 0.5, stop - 1
    coords = np.arange(offset + start, stop)
    yy, xx = np.meshgrid(coords, coords, indexing='ij')
    g = np.exp(-((xx**2 + yy**2) / (2.0 * sigma**2)))
    return torch.from_numpy(g / g.sum()).float()


def _ssim_cs(
    img1: Tensor,
    img2: Tensor,
    max_val: float,
    filter_size: int,
    filter_sigma: float,
    k1: float,
    k2: float,
) -> Tuple[Tensor, Tensor]:
    """Per-image SSIM and contrast-structure of ``(N, C, H, W)`` pairs
    (Gaussian window, valid region)."""
    h, w = img1.shape[-2:]
    size = min(filter_size, h, w)
    c = img1.shape[1]
    if filter_size:
        sigma = size * filter_sigma / filter_size
        window = _gauss_window(size, sigma).to(img1)
        window = window.expand(c, 1, size, size)

        def blur(x):
            return F.conv2d(x, window, groups=c)
    else:

        def blur(x):
            return x

    mu1, mu2 = blur(img1), blur(img2)
    s11 = blur(img1 * img1) - mu1 * mu1
    s22 = blur(img2 * img2) - mu2 * mu2
    s12 = blur(img1 * img2) - mu1 * mu2
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    v1, v2 = 2.0 * s12 + c2, s11 + s22 + c2
    ssim = ((2.0 * mu1 * mu2 + c1) * v1) / ((mu1 * mu1 + mu2 * mu2 + c1) * v2)
    return ssim.mean(dim=(1, 2, 3)), (v1 / v2).mean(dim=(1, 2, 3))


def ms_ssim(
    img1,
    img2,
    max_val: float = 255,
    filter_size: int = 11,
    filter_sigma: float = 1.5,
    k1: float = 0.01,
    k2: float = 0.03,
    weights: Optional[Sequence[float]] = None,
    reduce_mean: bool = True,
):
    """Multi-scale SSIM of image pairs (Wang et al., 2003), as MMagic's
    ``ms_ssim``: NHWC inputs, 2×2 box downsampling between the scales.

    Args:
        img1 (np.ndarray | Tensor): ``(N, H, W, C)`` images in
            ``[0, max_val]``.
        img2 (np.ndarray | Tensor): Same shape.
        max_val (float): Dynamic range. Defaults to 255.
        filter_size (int): Gaussian window side. Defaults to 11.
        filter_sigma (float): Its sigma. Defaults to 1.5.
        k1 (float): SSIM constant. Defaults to 0.01.
        k2 (float): SSIM constant. Defaults to 0.03.
        weights (Sequence[float], optional): Weight per scale. Defaults to
            ``[0.0448, 0.2856, 0.3001, 0.2363, 0.1333]``.
        reduce_mean (bool): Average over pairs. Defaults to True.

    Returns:
        float | np.ndarray: The mean score, or one per pair.

    Raises:
        ValueError: For shapes that differ or are not 4-D.

    Examples:
        >>> img = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3))
        >>> round(float(ms_ssim(img, img)), 4)
        1.0
    """
    im1, im2 = (
        torch.as_tensor(np.asarray(x, np.float32))
        if not isinstance(x, Tensor)
        else x.float()
        for x in (img1, img2)
    )
    if im1.shape != im2.shape or im1.ndim != 4:
        raise ValueError(
            'ms_ssim needs two (N, H, W, C) batches of the same '
            f'shape, got {tuple(im1.shape)} and '
            f'{tuple(im2.shape)}'
        )
    weights = torch.tensor(
        weights if weights else [0.0448, 0.2856, 0.3001, 0.2363, 0.1333],
        dtype=torch.float64,
    )
    im1, im2 = im1.permute(0, 3, 1, 2), im2.permute(0, 3, 1, 2)
    ssims, css = [], []
    for _ in range(len(weights)):
        ssim, cs = _ssim_cs(
            im1, im2, max_val, filter_size, filter_sigma, k1, k2
        )
        ssims.append(ssim)
        css.append(cs)
        im1, im2 = (
            x[..., : x.shape[-2] // 2 * 2, : x.shape[-1] // 2 * 2]
            for x in (im1, im2)
        )
        im1, im2 = F.avg_pool2d(im1, 2), F.avg_pool2d(im2, 2)
    ssims = torch.stack(ssims).double().clamp(min=0)
    css = torch.stack(css).double().clamp(min=0)
    scores = (
        torch.prod(css[:-1] ** weights[:-1, None], dim=0)
        * ssims[-1] ** weights[-1]
    )
    scores = scores.numpy()
    return float(scores.mean()) if reduce_mean else scores


def _sqrtm_psd_product(a: Tensor, b: Tensor) -> Tensor:
    """Trace-relevant square root of ``a @ b`` for symmetric PSD ``a``,
    ``b``: ``sqrt(a^½ b a^½)`` (same trace)."""
    vals, vecs = torch.linalg.eigh(a)
    root_a = vecs @ torch.diag(vals.clamp(min=0).sqrt()) @ vecs.T
    inner = root_a @ b @ root_a
    inner_vals = torch.linalg.eigvalsh((inner + inner.T) / 2)
    return inner_vals.clamp(min=0).sqrt().sum()


def frechet_distance(
    mean1: np.ndarray, cov1: np.ndarray, mean2: np.ndarray, cov2: np.ndarray
) -> Tuple[float, float, float]:
    """Fréchet distance of two Gaussians: ``|m1 - m2|² + tr(c1 + c2 -
    2 (c1 c2)^½)``.

    Args:
        mean1 (np.ndarray): ``(D, )`` mean.
        cov1 (np.ndarray): ``(D, D)`` covariance.
        mean2 (np.ndarray): ``(D, )`` mean.
        cov2 (np.ndarray): ``(D, D)`` covariance.

    Returns:
        tuple[float, float, float]: The distance, its mean term and its
        covariance term.

    Examples:
        >>> eye = np.eye(2)
        >>> frechet_distance(np.zeros(2), eye, np.ones(2), eye)
        (2.0, 2.0, 0.0)
    """
    m1, m2 = (
        torch.as_tensor(np.asarray(m), dtype=torch.float64)
        for m in (mean1, mean2)
    )
    c1, c2 = (
        torch.as_tensor(np.asarray(c), dtype=torch.float64)
        for c in (cov1, cov2)
    )
    mean_term = float(((m1 - m2) ** 2).sum())
    cov_term = float(
        torch.trace(c1) + torch.trace(c2) - 2 * _sqrtm_psd_product(c1, c2)
    )
    cov_term = round(cov_term, 10) + 0.0
    return mean_term + cov_term, mean_term, cov_term
