# Copyright (c) mmflow_ext contributors. All rights reserved.
"""The video super-resolution config, end to end through the Runner on a
tiny version of its embedded data."""

import glob
import os.path as osp

import cv2
import numpy as np
import pytest
from conftest import tiny_edit_runner
from mmengine.config import Config

CONFIG = osp.join(
    osp.dirname(__file__),
    '..',
    '..',
    '..',
    'configs',
    'editing',
    'recurrentvsr-c32b2_1xb4-1000it_embedded-video-x4.py',
)


def _bicubic_psnr(dataset) -> float:
    """The baseline counted from the files: per clip, the mean over frames
    of the PSNR of OpenCV's bicubic upsampling of the input frame."""
    clips = []
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        values = []
        for lq_path, gt_path in zip(info['img_path'], info['gt_path']):
            gt = cv2.imread(gt_path).astype(np.float64)
            lq = cv2.imread(lq_path)
            up = cv2.resize(
                lq, gt.shape[1::-1], interpolation=cv2.INTER_CUBIC
            ).astype(np.float64)
            values.append(10 * np.log10(255.0**2 / ((up - gt) ** 2).mean()))
        clips.append(np.mean(values))
    return float(np.mean(clips))


@pytest.mark.slow
def test_video_job_trains_and_validates_a_few_iterations(tmp_path):
    cfg = Config.fromfile(CONFIG)
    cfg.train_dataloader.dataset.num_input_frames = 3
    runner = tiny_edit_runner(
        cfg,
        str(tmp_path / 'work'),
        4,
        data_root=str(tmp_path / 'data'),
        num_train=2,
        num_val=2,
        num_frames=4,
        img_size=32,
    )
    runner.train()
    metrics = runner.val_loop.run()
    assert set(metrics) == {'PSNR', 'SSIM', 'bicubic/PSNR', 'bicubic/SSIM'}
    assert all(isinstance(v, float) for v in metrics.values())
    assert metrics['bicubic/PSNR'] == pytest.approx(
        _bicubic_psnr(runner.val_dataloader.dataset), abs=1e-6
    )
    # the generator starts at the (PyTorch) bicubic upsampling: after four
    # steps it is still within a fraction of a dB of OpenCV's
    assert abs(metrics['PSNR'] - metrics['bicubic/PSNR']) < 0.5
    assert 0 < metrics['bicubic/SSIM'] < 1
    assert osp.isfile(osp.join(cfg.work_dir, 'iter_4.pth'))
    # one PNG per validated clip: 4 frames of gt | bicubic | prediction
    pngs = sorted(
        glob.glob(osp.join(cfg.work_dir, '*', 'vis_data', 'vis_image', '*'))
    )
    names = {osp.basename(p) for p in pngs}
    assert {'val_000_4.png', 'val_001_4.png'} <= names
    assert cv2.imread(pngs[0]).shape == (4 * 32, 3 * 32, 3)
