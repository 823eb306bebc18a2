# Copyright (c) mmflow_ext contributors. All rights reserved.
import os.path as osp

import cv2
import numpy as np
import pytest
from conftest import tiny_edit_runner
from mmengine.config import Config

CONFIG_DIR = osp.join(
    osp.dirname(__file__), '..', '..', '..', 'configs', 'editing'
)
CONFIG = osp.join(CONFIG_DIR, 'espcn-res_500it_embedded-sr-denoise.py')


@pytest.mark.slow
def test_main_job_trains_and_validates_a_few_iterations(tmp_path):
    cfg = Config.fromfile(CONFIG)
    runner = tiny_edit_runner(
        cfg,
        str(tmp_path / 'work'),
        4,
        data_root=str(tmp_path / 'data'),
        num_train=4,
        num_val=2,
        img_size=32,
    )
    runner.train()
    metrics = runner.val_loop.run()
    assert set(metrics) == {
        'PSNR',
        'SSIM',
        'MAE',
        'noisy_input/PSNR',
        'noisy_input/SSIM',
    }
    # the logged baseline is the noisy input's own PSNR, counted here from
    # the validation samples themselves
    dataset = runner.val_dataloader.dataset
    psnrs = []
    for index in range(len(dataset)):
        item = dataset[index]
        noisy = item['inputs'].double()
        gt = item['data_samples'].gt_img.double()
        mse = float(((noisy - gt) ** 2).mean())
        psnrs.append(10 * np.log10(255.0**2 / mse))
    assert metrics['noisy_input/PSNR'] == pytest.approx(
        float(np.mean(psnrs)), abs=1e-4
    )
    assert all(isinstance(v, float) for v in metrics.values())
    # the residual denoiser starts near the identity: around the 24.6 dB
    # of sigma-15 noise, far from a broken pipeline's single digits
    assert 18 < metrics['PSNR'] < 40
    assert 0 < metrics['MAE'] < 0.2
    assert osp.isfile(osp.join(cfg.work_dir, 'iter_4.pth'))


def psnr_of_files(gt_path: str, pred: np.ndarray, border: int) -> float:
    gt = cv2.imread(gt_path).astype(np.float64)[border:-border, border:-border]
    pred = pred.astype(np.float64)[border:-border, border:-border]
    return float(10 * np.log10(255.0**2 / ((gt - pred) ** 2).mean()))


@pytest.mark.slow
@pytest.mark.parametrize('scale', [2, 4])
def test_sr_job_logs_the_bicubic_baseline(scale, tmp_path):
    """A few iterations of the x2/x4 EDSR jobs: the crops, flips and
    transposes of training, then validation with the bicubic baseline,
    whose PSNR is recomputed here from the image files with OpenCV."""
    cfg = Config.fromfile(
        osp.join(CONFIG_DIR, f'edsr-small_x{scale}_1000it_embedded-sr.py')
    )
    runner = tiny_edit_runner(
        cfg,
        str(tmp_path / 'work'),
        2,
        data_root=str(tmp_path / 'data'),
        num_train=4,
        num_val=2,
        img_size=64,
    )
    runner.train()
    metrics = runner.val_loop.run()
    assert set(metrics) == {'PSNR', 'SSIM', 'bicubic/PSNR', 'bicubic/SSIM'}
    expected = []
    for info in runner.val_dataloader.dataset:
        sample = info['data_samples']
        lq = cv2.imread(sample.img_path)
        bicubic = cv2.resize(
            lq, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC
        )
        expected.append(psnr_of_files(sample.gt_path, bicubic, scale))
    assert metrics['bicubic/PSNR'] == pytest.approx(np.mean(expected), 1e-6)
    # an untrained EDSR is far from the bicubic image, not a swapped copy
    assert metrics['PSNR'] < metrics['bicubic/PSNR']
    assert 0 < metrics['bicubic/SSIM'] < 1
