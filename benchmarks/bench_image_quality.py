# Copyright (c) mmflow_ext contributors. All rights reserved.
"""PSNR and SSIM on a batch of images, ours vs the direct float64 forms.

Workload: 16 pairs of 3×256×256 images (CHW, values 0–255: a random
image and a noisy copy), measured image by image as the metrics do.

References measured in the same run:

- SSIM ``filter2D``: per channel, five float64 ``cv2.filter2D`` passes
  with the full 11×11 Gaussian window (σ = 1.5), cropped to the valid
  region. Ours runs the window as two 1-D passes. Values must agree to
  1e-6.
- PSNR ``numpy``: HWC float64 copy, mean squared error, ``20·log10``.
  Values must agree to 1e-9.

Run ``python benchmarks/bench_image_quality.py [--tiny]``.
"""

import cv2
import numpy as np
import torch
from common import Row, parse_args, peak_memory, report, time_fn

from mmflow_ext.evaluation.functional import psnr, ssim

C1, C2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2


def make_pairs(num: int, size: int):
    rng = np.random.default_rng(0)
    gts = rng.integers(0, 256, (num, 3, size, size)).astype(np.uint8)
    noisy = np.clip(gts + rng.normal(0, 10, gts.shape), 0, 255)
    return gts, noisy.round().astype(np.uint8)


def reference_ssim(img1: np.ndarray, img2: np.ndarray) -> float:
    kernel = cv2.getGaussianKernel(11, 1.5)
    window = np.outer(kernel, kernel.T)
    values = []
    for x, y in zip(img1.astype(np.float64), img2.astype(np.float64)):

        def blur(z):
            return cv2.filter2D(z, -1, window)[5:-5, 5:-5]

        mx, my = blur(x), blur(y)
        sx, sy = blur(x * x) - mx**2, blur(y * y) - my**2
        sxy = blur(x * y) - mx * my
        values.append(
            (
                (2 * mx * my + C1)
                * (2 * sxy + C2)
                / ((mx**2 + my**2 + C1) * (sx + sy + C2))
            ).mean()
        )
    return float(np.mean(values))


def reference_psnr(img1: np.ndarray, img2: np.ndarray) -> float:
    a = img1.transpose(1, 2, 0).astype(np.float64)
    b = img2.transpose(1, 2, 0).astype(np.float64)
    return float(20 * np.log10(255.0 / np.sqrt(((a - b) ** 2).mean())))


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    num, size = (2, 32) if args.tiny else (16, 256)
    gts, preds = make_pairs(num, size)
    workload = f'{num}x3x{size}x{size} CHW'

    def each(fn, **kwargs):
        return lambda: [fn(g, p, **kwargs) for g, p in zip(gts, preds)]

    ours_ssim, ref_ssim = each(ssim, input_order='CHW'), each(reference_ssim)
    ours_psnr, ref_psnr = each(psnr, input_order='CHW'), each(reference_psnr)
    rows = []
    for threads in args.threads:
        torch.set_num_threads(threads)
        cv2.setNumThreads(threads)
        ssim_equal = np.allclose(ours_ssim(), ref_ssim(), rtol=0, atol=1e-6)
        psnr_equal = np.allclose(ours_psnr(), ref_psnr(), rtol=0, atol=1e-9)
        rows.append(
            Row(
                'ssim',
                workload,
                time_fn(ours_ssim, args.repeats),
                'per-channel float64 cv2.filter2D',
                time_fn(ref_ssim, args.repeats),
                peak_memory(ours_ssim),
                ssim_equal,
            )
        )
        rows.append(
            Row(
                'psnr',
                workload,
                time_fn(ours_psnr, args.repeats),
                'numpy float64',
                time_fn(ref_psnr, args.repeats),
                peak_memory(ours_psnr),
                psnr_equal,
            )
        )
    report(rows, args.json)


if __name__ == '__main__':
    main()
