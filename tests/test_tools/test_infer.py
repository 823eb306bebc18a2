# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``tools/infer.py``: coloured masks and restored images written for files
and folders, with a progress bar."""

import importlib.util
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
import torch
from conftest import REPO_ROOT, run_tool
from mmengine.config import Config
from mmengine.runner import save_checkpoint

from mmflow_ext.apis import inference_model, init_model

INFER = osp.join(REPO_ROOT, 'tools', 'infer.py')
SEG_CONFIG = osp.join(
    REPO_ROOT, 'configs', 'segmentation', 'fcn-compactcnn_400it_shapes.py'
)
PALETTE = [[0, 0, 0], [250, 0, 0], [0, 250, 0], [0, 0, 250], [9, 9, 9]]


def load_infer_module():
    spec = importlib.util.spec_from_file_location('infer_tool', INFER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_image(path, seed: int, height: int, width: int) -> np.ndarray:
    img = np.random.default_rng(seed).integers(
        0, 256, (height, width, 3), dtype=np.uint8
    )
    assert cv2.imwrite(str(path), img)
    return img


@pytest.fixture(scope='module')
def seg_checkpoint(tmp_path_factory):
    torch.manual_seed(0)
    model = init_model(SEG_CONFIG)
    meta = dict(dataset_meta=dict(classes=tuple('abcde'), palette=PALETTE))
    path = str(tmp_path_factory.mktemp('seg') / 'seg.pth')
    save_checkpoint(dict(meta=meta, state_dict=model.state_dict()), path)
    return path


def test_segmentation_masks_for_a_folder_and_a_file(seg_checkpoint, tmp_path):
    folder = tmp_path / 'images'
    folder.mkdir()
    write_image(folder / 'b.jpg', 0, 20, 16)
    write_image(folder / 'a.png', 1, 12, 18)
    (folder / 'notes.txt').write_text('not an image')
    single = write_image(tmp_path / 'c.bmp', 2, 9, 9)
    out_dir = tmp_path / 'out'
    proc = run_tool(
        [
            sys.executable,
            INFER,
            SEG_CONFIG,
            seg_checkpoint,
            str(folder),
            str(tmp_path / 'c.bmp'),
            '--out-dir',
            str(out_dir),
            '--batch-size',
            '2',
        ]
    )
    assert proc.returncode == 0, proc.stderr
    assert '3/3' in proc.stdout  # the progress bar
    assert '3 result image(s) written' in proc.stdout
    assert sorted(p.name for p in out_dir.iterdir()) == [
        'a.png',
        'b.png',
        'c.png',
    ]
    model = init_model(SEG_CONFIG, seg_checkpoint)
    result = inference_model(model, single)
    labels = result.pred_sem_seg.data[0].numpy()
    expected_bgr = np.array(PALETTE, np.uint8)[labels][..., ::-1]
    np.testing.assert_array_equal(
        cv2.imread(str(out_dir / 'c.png')), expected_bgr
    )
    assert cv2.imread(str(out_dir / 'b.png')).shape == (20, 16, 3)


def test_restored_images(tmp_path, monkeypatch, capsys):
    cfg = Config(
        dict(
            default_scope='mmflow_ext',
            model=dict(
                type='BaseEditModel',
                generator=dict(
                    type='SRCNNNet',
                    channels=(3, 4, 4, 3),
                    kernel_sizes=(3, 1, 3),
                    upscale_factor=2,
                ),
                pixel_loss=dict(type='L1Loss'),
            ),
            test_dataloader=dict(
                dataset=dict(
                    type='BasicImageDataset',
                    pipeline=[
                        dict(type='LoadImageFromFile', key='img'),
                        dict(type='LoadImageFromFile', key='gt'),
                        dict(type='PackInputs'),
                    ],
                )
            ),
        )
    )
    config = str(tmp_path / 'srcnn_tiny.py')
    cfg.dump(config)
    torch.manual_seed(0)
    model = init_model(config)
    checkpoint = str(tmp_path / 'srcnn.pth')
    save_checkpoint(dict(state_dict=model.state_dict()), checkpoint)
    img = write_image(tmp_path / 'lq.png', 3, 7, 5)
    monkeypatch.setattr(
        sys,
        'argv',
        [
            INFER,
            config,
            checkpoint,
            str(tmp_path / 'lq.png'),
            '--out-dir',
            str(tmp_path / 'out'),
        ],
    )
    load_infer_module().main()
    assert '1 result image(s) written' in capsys.readouterr().out
    restored = cv2.imread(str(tmp_path / 'out' / 'lq.png'))
    expected = inference_model(model, img).output.pred_img
    expected = expected.round().byte().permute(1, 2, 0).numpy()
    np.testing.assert_array_equal(restored, expected)


def test_inputs_are_checked(tmp_path):
    infer = load_infer_module()
    write_image(tmp_path / 'x.png', 0, 4, 4)
    (tmp_path / 'sub').mkdir()
    write_image(tmp_path / 'sub' / 'x.jpg', 0, 4, 4)
    with pytest.raises(FileNotFoundError, match='input .*nope.png does not'):
        infer.collect_images([str(tmp_path / 'nope.png')])
    (tmp_path / 'empty').mkdir()
    with pytest.raises(ValueError, match='empty holds no image file'):
        infer.collect_images([str(tmp_path / 'empty')])
    images = infer.collect_images(
        [str(tmp_path / 'x.png'), str(tmp_path / 'sub')]
    )
    assert images == [str(tmp_path / 'x.png'), str(tmp_path / 'sub' / 'x.jpg')]
    with pytest.raises(ValueError, match='would both be written to .*x.png'):
        infer.output_paths(images, str(tmp_path / 'out'))


def test_an_output_never_replaces_an_input(tmp_path):
    infer = load_infer_module()
    folder = tmp_path / 'photos'
    folder.mkdir()
    write_image(folder / 'a.png', 0, 4, 4)
    write_image(folder / 'b.jpg', 1, 4, 4)
    images = infer.collect_images([str(folder)])
    with pytest.raises(ValueError) as info:
        infer.output_paths(images, str(folder))
    assert str(info.value) == (
        f'the result of {folder / "a.png"} would overwrite the input image '
        f'{folder / "a.png"}; choose an --out-dir that holds no input image'
    )
    # the same folder through another spelling (a symlink) is caught too
    (tmp_path / 'link').symlink_to(folder)
    with pytest.raises(ValueError, match='would overwrite the input image'):
        infer.output_paths(images, str(tmp_path / 'link'))
    # writing beside an input that is not replaced is fine
    assert infer.output_paths([str(folder / 'b.jpg')], str(folder)) == [
        str(folder / 'b.png')
    ]


def test_infer_refuses_before_writing_anything(
    seg_checkpoint, tmp_path, monkeypatch
):
    folder = tmp_path / 'photos'
    folder.mkdir()
    write_image(folder / 'a.png', 0, 6, 6)
    write_image(folder / 'b.jpg', 1, 6, 6)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    monkeypatch.setattr(
        sys,
        'argv',
        [
            INFER,
            SEG_CONFIG,
            seg_checkpoint,
            str(folder),
            '--out-dir',
            str(folder),
        ],
    )
    with pytest.raises(ValueError, match='would overwrite the input image'):
        load_infer_module().main()
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
