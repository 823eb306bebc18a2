# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Video samples drawn by ConcatImageVisualizer: one column per key, one row
of tiles per frame, saved as one PNG per clip."""

import uuid

import cv2
import numpy as np
import torch

from mmflow_ext.structures import DataSample
from mmflow_ext.visualization import ConcatImageVisualizer


def _clip(values, size):
    """A (T, 3, size, size) BGR clip, frame t filled with values[t]."""
    return torch.stack([torch.full((3, size, size), float(v)) for v in values])


def test_video_sample_is_a_grid_of_frames_in_one_png(tmp_path):
    vis = ConcatImageVisualizer(
        name=f'video_{uuid.uuid4().hex}',
        fn_key='key',
        img_keys=['gt_img', 'img_bicubic', 'input', 'pred_img'],
        bgr2rgb=True,
        vis_backends=[dict(type='LocalVisBackend')],
        save_dir=str(tmp_path),
    )
    gt = _clip([10, 20, 30], 8)
    gt[:, 0] = 250  # blue in BGR: drawn as RGB (0-255 order reversed)
    sample = DataSample(
        metainfo=dict(
            key='val_001',
            gt_path=[f'gt/val_001/{t:08d}.png' for t in range(3)],
        ),
        gt_img=gt,
        img_bicubic=_clip([40, 50, 60], 8),
        input=_clip([70, 80, 90], 2),
    )
    sample.output = DataSample(pred_img=_clip([100, 110, 120], 8))
    row = vis.add_datasample(sample, step=7)
    saved = cv2.imread(
        str(tmp_path / 'vis_data' / 'vis_image' / 'val_001_7.png'),
        cv2.IMREAD_UNCHANGED,
    )
    # 3 frames of 8 rows each; columns 8 + 8 + 2 (low resolution) + 8
    assert saved.shape == (24, 26, 3) and saved.dtype == np.uint8
    assert np.array_equal(saved[..., ::-1], row)
    for t in range(3):
        rows = slice(8 * t, 8 * t + 8)
        assert (row[rows, :8] == [10 * (t + 1)] * 2 + [250]).all()
        assert (row[rows, 8:16] == 40 + 10 * t).all()
        assert (row[rows, 24:] == 100 + 10 * t).all()
    # the low-resolution input: its 3 frames on top, gray 127 below
    assert (row[:2, 16:18] == 70).all() and (row[4:6, 16:18] == 90).all()
    assert (row[6:, 16:18] == 127).all()
