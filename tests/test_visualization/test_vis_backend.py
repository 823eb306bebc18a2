# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``LocalVisBackend`` of the mmflow_ext scope: MMEngine's files, atomic."""

import os

import cv2
import numpy as np
import pytest
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import DefaultScope
from mmengine.visualization import LocalVisBackend as MMEngineLocalVisBackend

from mmflow_ext.compat import atomic_write
from mmflow_ext.registry import VISBACKENDS, VISUALIZERS
from mmflow_ext.visualization.vis_backend import LocalVisBackend

ROW = np.arange(2 * 5 * 3, dtype=np.uint8).reshape(2, 5, 3) * 8


def test_same_file_and_pixels_as_mmengine(tmp_path):
    ours = LocalVisBackend(save_dir=str(tmp_path / 'ours'))
    theirs = MMEngineLocalVisBackend(save_dir=str(tmp_path / 'theirs'))
    for backend in (ours, theirs):
        backend.add_image('baboon', ROW, step=7)
    assert os.listdir(tmp_path / 'ours' / 'vis_image') == ['baboon_7.png']
    mine = cv2.imread(str(tmp_path / 'ours' / 'vis_image' / 'baboon_7.png'))
    reference = cv2.imread(
        str(tmp_path / 'theirs' / 'vis_image' / 'baboon_7.png')
    )
    np.testing.assert_array_equal(mine, reference)
    np.testing.assert_array_equal(mine[..., ::-1], ROW)  # stored as BGR


def test_a_killed_write_leaves_the_previous_image(tmp_path, monkeypatch):
    backend = LocalVisBackend(save_dir=str(tmp_path))
    backend.add_image('row', ROW)

    def killed(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic_write.os, 'replace', killed)
    with pytest.raises(KeyboardInterrupt):
        backend.add_image('row', np.zeros_like(ROW))
    folder = tmp_path / 'vis_image'
    assert os.listdir(folder) == ['row_0.png']
    np.testing.assert_array_equal(
        cv2.imread(str(folder / 'row_0.png'))[..., ::-1], ROW
    )


def test_only_our_scope_resolves_to_it(tmp_path):
    assert VISBACKENDS.get('LocalVisBackend') is LocalVisBackend
    assert (
        MMENGINE_VISBACKENDS.get('LocalVisBackend') is MMEngineLocalVisBackend
    )
    cfg = dict(type='LocalVisBackend', save_dir=str(tmp_path))
    with DefaultScope.overwrite_default_scope('mmflow_ext'):
        assert type(MMENGINE_VISBACKENDS.build(cfg)) is LocalVisBackend
    with DefaultScope.overwrite_default_scope('mmengine'):
        assert type(MMENGINE_VISBACKENDS.build(cfg)) is MMEngineLocalVisBackend


def test_non_uint8_images_are_refused(tmp_path):
    with pytest.raises(TypeError, match=r'add_image\("row"\) needs a uint8'):
        LocalVisBackend(save_dir=str(tmp_path)).add_image(
            'row', ROW.astype(np.float32)
        )


def test_visualizer_rows_of_a_scoped_runner_are_written_atomically(tmp_path):
    cfg = dict(
        type='ConcatImageVisualizer',
        name=f'atomic-{tmp_path.name}',
        fn_key='img_path',
        img_keys=['img'],
        vis_backends=[dict(type='LocalVisBackend')],
        save_dir=str(tmp_path),
    )
    with DefaultScope.overwrite_default_scope('mmflow_ext'):
        visualizer = VISUALIZERS.build(cfg)
    (backend,) = visualizer._vis_backends.values()
    assert type(backend) is LocalVisBackend
    visualizer.add_datasample(dict(img_path='a/b.jpg', img=ROW), step=2)
    saved = cv2.imread(str(tmp_path / 'vis_data' / 'vis_image' / 'b_2.png'))
    np.testing.assert_array_equal(saved[..., ::-1], ROW)
