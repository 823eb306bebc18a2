# Copyright (c) mmflow_ext contributors. All rights reserved.
"""VisBackend: MMagic's generation-runtime backend name and files."""

import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.registry import DefaultScope

from mmflow_ext.registry import VISBACKENDS, VISUALIZERS
from mmflow_ext.visualization import LocalVisBackend, VisBackend


def test_gen_default_runtime_visualizer_builds_and_saves(tmp_path):
    # gen_default_runtime.py: Visualizer with [dict(type='VisBackend')]
    with DefaultScope.overwrite_default_scope('mmflow_ext'):
        vis = VISUALIZERS.build(
            dict(
                type='Visualizer',
                vis_backends=[dict(type='VisBackend')],
                save_dir=str(tmp_path),
                name='gen_vis_backend_test',
            )
        )
    backend = vis.get_backend('VisBackend')
    assert isinstance(backend, VisBackend)
    assert isinstance(backend, LocalVisBackend)
    rgb = np.zeros((4, 5, 3), np.uint8)
    rgb[..., 0] = 200  # red
    vis.add_image('trans', rgb, step=7)
    saved = cv2.imread(osp.join(backend._save_dir, 'vis_image', 'trans_7.png'))
    assert saved.shape == (4, 5, 3) and saved[0, 0].tolist() == [0, 0, 200]


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="ceph_path='s3://x' is not support"):
        VISBACKENDS.build(
            dict(type='VisBackend', save_dir=str(tmp_path), ceph_path='s3://x')
        )
    with pytest.raises(ValueError, match=r'config_save_file must end in \.py'):
        VisBackend(str(tmp_path), config_save_file='c.txt')
    backend = VisBackend(str(tmp_path))
    with pytest.raises(ValueError, match='GIFs are not supported'):
        backend.add_image('g', np.zeros((2, 4, 4, 3), np.uint8))
