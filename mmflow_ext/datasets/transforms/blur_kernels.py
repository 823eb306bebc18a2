# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Blur kernels of the Real-ESRGAN degradations: (an)isotropic Gaussian,
generalized Gaussian, plateau and sinc (circular low-pass)."""

from typing import Tuple

import numpy as np
import torch

__all__ = ['mesh_grid', 'gaussian_kernel', 'sinc_kernel', 'draw_kernel']

KERNEL_TYPES = (
    'iso',
    'aniso',
    'generalized_iso',
    'generalized_aniso',
    'plateau_iso',
    'plateau_aniso',
    'sinc',
)


def mesh_grid(kernel_size: int) -> np.ndarray:
    """``K×K×2`` grid of ``(x, y)`` offsets from the kernel centre.

    Examples:
        >>> mesh_grid(3)[0, 0].tolist(), mesh_grid(3)[2, 1].tolist()
        ([-1.0, -1.0], [0.0, 1.0])
    """
    axis = np.arange(-kernel_size // 2 + 1.0, kernel_size // 2 + 1.0)
    x, y = np.meshgrid(axis, axis)
    return np.stack([x, y], axis=-1)


def _sigma_matrix(
    sig_x: float, sig_y: float, theta: float, isotropic: bool
) -> np.ndarray:
    if isotropic:
        return np.array([[sig_x**2, 0], [0, sig_x**2]]).astype(np.float32)
    diag = np.array([[sig_x**2, 0], [0, sig_y**2]]).astype(np.float32)
    rot = np.array(
        [[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]]
    ).astype(np.float32)
    return rot @ diag @ rot.T


def gaussian_kernel(
    kernel_size: int,
    sig_x: float,
    sig_y: float = None,
    theta: float = 0.0,
    isotropic: bool = True,
    shape: str = 'gaussian',
    beta: float = 1.0,
) -> np.ndarray:
    """A normalised Gaussian-family kernel.

    Args:
        kernel_size (int): Odd side.
        sig_x (float): Standard deviation along x.
        sig_y (float, optional): Along y (anisotropic only).
        theta (float): Rotation (anisotropic only).
        isotropic (bool): Use ``sig_x`` on both axes.
        shape (str): ``'gaussian'``, ``'generalized'`` or ``'plateau'``.
        beta (float): Shape parameter of the last two.

    Returns:
        np.ndarray: ``K×K`` kernel summing to 1.

    Examples:
        >>> k = gaussian_kernel(5, 1.0)
        >>> round(float(k.sum()), 6), int(k.argmax())
        (1.0, 12)
    """
    if not isotropic and sig_y is None:
        raise ValueError('"sig_y" cannot be None if "is_isotropic" is False.')
    grid = mesh_grid(kernel_size)
    inverse = np.linalg.inv(_sigma_matrix(sig_x, sig_y, theta, isotropic))
    dist = np.sum((grid @ inverse) * grid, 2)
    if shape == 'gaussian':
        kernel = np.exp(-0.5 * dist)
    elif shape == 'generalized':
        kernel = np.exp(-0.5 * np.power(dist, beta))
    elif shape == 'plateau':
        kernel = np.reciprocal(np.power(dist, beta) + 1)
    else:
        raise ValueError(f'Unknown kernel shape {shape!r}')
    return kernel / np.sum(kernel)


def sinc_kernel(kernel_size: int, omega: float) -> np.ndarray:
    """Circular low-pass (2-D sinc) kernel with cutoff ``omega``.

    Args:
        kernel_size (int): Odd side.
        omega (float): Cutoff frequency.

    Returns:
        np.ndarray: ``K×K`` kernel summing to 1.
    """
    centre = (kernel_size - 1) / 2
    x, y = np.meshgrid(
        np.arange(kernel_size), np.arange(kernel_size), indexing='ij'
    )
    radius = np.sqrt((x - centre) ** 2 + (y - centre) ** 2)
    bessel = torch.special.bessel_j1(
        torch.from_numpy(omega * radius).double()
    ).numpy()
    with np.errstate(divide='ignore', invalid='ignore'):
        kernel = omega * bessel / (2 * np.pi * radius)
    mid = (kernel_size - 1) // 2
    kernel[mid, mid] = omega**2 / (4 * np.pi)
    return kernel / np.sum(kernel)


def _draw_sigmas(
    sigma_x: float, sigma_y: float, rotation: float, isotropic: bool
) -> Tuple[float, float, float]:
    # MMagic draws from degenerate ranges: the values are kept, but every
    # draw advances NumPy's generator
    sig_x = np.random.uniform(sigma_x, sigma_x)
    if isotropic:
        return sig_x, sig_x, 0
    return (
        sig_x,
        np.random.uniform(sigma_y, sigma_y),
        np.random.uniform(rotation, rotation),
    )


def draw_kernel(
    kernel_type: str,
    kernel_size: int,
    sigma_x: float,
    sigma_y: float,
    rotation: float,
    beta_gaussian: float,
    beta_plateau: float,
    omega: float,
) -> np.ndarray:
    """The kernel MMagic's ``RandomBlur`` builds from its drawn parameters.

    It makes the same NumPy draws as MMagic's ``random_mixed_kernels``
    called with one-value ranges (including the draw of the beta side,
    which is then drawn between the given beta and 1).

    Args:
        kernel_type (str): One of :data:`KERNEL_TYPES`.
        kernel_size (int): Odd side.
        sigma_x, sigma_y, rotation, beta_gaussian, beta_plateau, omega
            (float): The drawn parameters.

    Returns:
        np.ndarray: ``K×K`` kernel.
    """
    if kernel_size % 2 != 1:
        raise ValueError(
            f'Kernel size must be an odd number, got {kernel_size}.'
        )
    if kernel_type not in KERNEL_TYPES:
        raise ValueError(
            f'Unknown kernel type {kernel_type!r}; use one of '
            f'{list(KERNEL_TYPES)}'
        )
    np.random.choice([kernel_type], p=[1])
    if kernel_type == 'sinc':
        return sinc_kernel(kernel_size, np.random.uniform(omega, omega))
    family, _, iso = kernel_type.rpartition('_')
    isotropic = iso == 'iso'
    sig_x, sig_y, theta = _draw_sigmas(sigma_x, sigma_y, rotation, isotropic)
    if not family:
        kernel = gaussian_kernel(kernel_size, sig_x, sig_y, theta, isotropic)
    else:
        beta = beta_gaussian if family == 'generalized' else beta_plateau
        if np.random.uniform() <= 0.5:
            beta = np.random.uniform(beta, 1)
        else:
            beta = np.random.uniform(1, beta)
        kernel = gaussian_kernel(
            kernel_size, sig_x, sig_y, theta, isotropic, family, beta
        )
    # normalised a second time, as MMagic does (equal to the last bit)
    return kernel / np.sum(kernel)
