# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``init_model`` / ``inference_model``: configs, checkpoints, both task
families, batches of mixed sizes, arrays and paths."""

import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.registry import DefaultScope
from mmengine.runner import save_checkpoint

from mmflow_ext.apis import (
    LoadImageFromArray,
    edit_result_to_image,
    inference_model,
    inference_pipeline,
    init_model,
    result_to_image,
    seg_result_to_color,
)
from mmflow_ext.compat import UnsafeCheckpointError
from mmflow_ext.datasets.transforms.image_loading import LoadImageFromFile
from mmflow_ext.structures import DataSample, SegDataSample

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SEG_CONFIG = osp.join(
    REPO_ROOT, 'configs', 'segmentation', 'fcn-compactcnn_400it_shapes.py'
)
SHAPES_CLASSES = ('background', 'circle', 'square', 'triangle', 'star')


def edit_config(upscale_factor: int) -> Config:
    """A tiny SRCNN restoration config (test pipeline with ground truth)."""
    return Config(
        dict(
            default_scope='mmflow_ext',
            model=dict(
                type='BaseEditModel',
                generator=dict(
                    type='SRCNNNet',
                    channels=(3, 4, 4, 3),
                    kernel_sizes=(3, 1, 3),
                    upscale_factor=upscale_factor,
                ),
                pixel_loss=dict(type='L1Loss'),
                data_preprocessor=dict(
                    type='DataPreprocessor', mean=[0.0] * 3, std=[255.0] * 3
                ),
            ),
            test_dataloader=dict(
                dataset=dict(
                    type='BasicImageDataset',
                    pipeline=[
                        dict(
                            type='LoadImageFromFile',
                            key='img',
                            channel_order='rgb',
                        ),
                        dict(
                            type='LoadImageFromFile',
                            key='gt',
                            channel_order='rgb',
                        ),
                        dict(type='PackInputs', meta_keys=['gt_path']),
                    ],
                )
            ),
        )
    )


def random_image(seed: int, height: int, width: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(
        0, 256, (height, width, 3), dtype=np.uint8
    )


class RunCode:
    """A pickle payload that creates a file when unpickled."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (self.path, 'w'))


@pytest.fixture(scope='module')
def seg_model():
    torch.manual_seed(0)
    return init_model(SEG_CONFIG)


@pytest.fixture(scope='module')
def seg_checkpoint(seg_model, tmp_path_factory):
    """A checkpoint like the Runner's (numpy values, a message hub with
    history buffers) with other weights and other class names."""
    state = {
        name: torch.randn_like(value) if value.is_floating_point() else value
        for name, value in seg_model.state_dict().items()
    }
    hub = MessageHub('users-test-ckpt')
    hub.update_scalar('train/loss', 0.5)
    meta = dict(
        dataset_meta=dict(
            classes=tuple('abcde'), palette=[[i, i, i] for i in range(5)]
        ),
        seed=np.int64(3),
        iter=400,
    )
    path = str(tmp_path_factory.mktemp('ckpt') / 'iter_400.pth')
    save_checkpoint(
        dict(meta=meta, state_dict=state, message_hub=hub.state_dict()), path
    )
    return path, state


# ---------------------------------------------------------------- init_model
def test_init_model_from_config_only(seg_model):
    scope_before = DefaultScope.get_current_instance()
    model = init_model(SEG_CONFIG)
    assert DefaultScope.get_current_instance() is scope_before
    assert not model.training
    assert isinstance(model.cfg, Config)
    assert model.dataset_meta['classes'] == SHAPES_CLASSES
    assert model.dataset_meta['palette'][1] == [220, 50, 50]


def test_init_model_loads_weights_and_meta(seg_checkpoint):
    path, state = seg_checkpoint
    model = init_model(SEG_CONFIG, path)
    for name, value in model.state_dict().items():
        assert torch.equal(value, state[name]), name
    assert model.dataset_meta['classes'] == tuple('abcde')


def test_init_model_refuses_code_in_checkpoint(seg_model, tmp_path):
    marker = tmp_path / 'payload-ran'
    path = str(tmp_path / 'evil.pth')
    torch.save(
        dict(state_dict=seg_model.state_dict(), meta=RunCode(str(marker))),
        path,
    )
    with pytest.raises(UnsafeCheckpointError, match='Refusing to load'):
        init_model(SEG_CONFIG, path)
    assert not marker.exists()
    model = init_model(SEG_CONFIG, path, trust_checkpoint=True)
    assert marker.exists()
    # the meta is not a dict with dataset_meta: the config's is used
    assert model.dataset_meta['classes'] == SHAPES_CLASSES


def test_init_model_cfg_options_leave_the_config_unchanged():
    cfg = Config.fromfile(SEG_CONFIG)
    slide = dict(mode='slide', crop_size=(16, 16), stride=(12, 12))
    model = init_model(cfg, cfg_options={'model.test_cfg': slide})
    assert model.test_cfg.mode == 'slide'
    assert model.cfg.model.test_cfg.mode == 'slide'
    assert cfg.model.test_cfg.mode == 'whole'


def test_init_model_rejects_a_config_without_model():
    with pytest.raises(KeyError, match='has no "model"'):
        init_model(Config(dict(default_scope='mmflow_ext')))
    with pytest.raises(TypeError, match='config must be a file path'):
        init_model(dict(model=dict()))


# ------------------------------------------------------ segmentation results
def normalized(img: np.ndarray) -> torch.Tensor:
    """What SegDataPreProcessor makes of a BGR image with the config's
    settings, written out by hand."""
    mean = torch.tensor([123.675, 116.28, 103.53]).view(3, 1, 1)
    std = torch.tensor([58.395, 57.12, 57.375]).view(3, 1, 1)
    rgb = torch.from_numpy(np.ascontiguousarray(img[..., ::-1]))
    return (rgb.permute(2, 0, 1).float() - mean) / std


def test_seg_batch_of_mixed_sizes(seg_model):
    big, small = random_image(0, 24, 20), random_image(1, 13, 17)
    results = inference_model(seg_model, [big, small])
    assert [r.pred_sem_seg.shape for r in results] == [(24, 20), (13, 17)]
    assert all(isinstance(r, SegDataSample) for r in results)
    # the largest image needs no padding: same as predicted alone
    alone = inference_model(seg_model, big)
    torch.testing.assert_close(
        results[0].seg_logits.data, alone.seg_logits.data
    )
    # the small one is zero-padded at the bottom/right, then cropped back
    padded = torch.zeros(1, 3, 24, 20)
    padded[0, :, :13, :17] = normalized(small)
    meta = dict(img_shape=(24, 20), ori_shape=(24, 20), pad_shape=(24, 20))
    with torch.no_grad():
        logits = seg_model.encode_decode(padded, [meta])[0, :, :13, :17]
    torch.testing.assert_close(
        results[1].seg_logits.data, logits, rtol=1e-4, atol=1e-5
    )
    assert torch.equal(results[1].pred_sem_seg.data[0], logits.argmax(0))


def test_seg_paths_arrays_and_batch_sizes_agree(seg_model, tmp_path):
    images = [random_image(i, 16, 12) for i in range(3)]
    paths = []
    for i, img in enumerate(images):
        paths.append(str(tmp_path / f'{i}.png'))
        cv2.imwrite(paths[-1], img)
    from_arrays = inference_model(seg_model, images)
    from_paths = inference_model(seg_model, tuple(paths), batch_size=2)
    assert len(from_paths) == 3
    for a, p in zip(from_arrays, from_paths):
        torch.testing.assert_close(a.seg_logits.data, p.seg_logits.data)
    assert from_paths[1].img_path == paths[1]
    assert 'img_path' not in from_arrays[1]
    # the caller's array is neither changed nor made read-only
    assert images[0].flags.writeable


def test_seg_result_without_ground_truth(seg_model):
    result = inference_model(seg_model, random_image(5, 8, 8))
    assert isinstance(result, SegDataSample)
    assert 'gt_sem_seg' not in result
    assert result.seg_logits.shape == (8, 8)
    assert result.seg_logits.data.shape[0] == len(SHAPES_CLASSES)


def test_inference_model_input_errors(seg_model):
    with pytest.raises(ValueError, match='images is empty'):
        inference_model(seg_model, [])
    with pytest.raises(
        ValueError, match=r'images\[1\] must be an H×W×C BGR uint8'
    ):
        inference_model(
            seg_model, [random_image(0, 4, 4), np.zeros((4, 4, 3), np.float32)]
        )
    with pytest.raises(TypeError, match=r'images\[0\] must be a file path'):
        inference_model(seg_model, [torch.zeros(3, 4, 4)])
    with pytest.raises(FileNotFoundError, match='missing.png'):
        inference_model(seg_model, '/nonexistent/missing.png')
    with pytest.raises(ValueError, match='batch_size must be >= 1'):
        inference_model(seg_model, [random_image(0, 4, 4)], batch_size=0)
    bare = torch.nn.Module()
    with pytest.raises(AttributeError, match='has no "cfg"'):
        inference_model(bare, random_image(0, 4, 4))


# ----------------------------------------------------------- editing results
def test_edit_single_image_super_resolution():
    torch.manual_seed(0)
    model = init_model(edit_config(upscale_factor=2))
    assert model.dataset_meta['task_name'] == 'editing'
    img = random_image(3, 6, 5)
    result = inference_model(model, img)
    assert isinstance(result, DataSample)
    assert result.output.pred_img.shape == (3, 12, 10)
    # the same as running the generator by hand on the RGB input in [0, 1]
    rgb = torch.from_numpy(np.ascontiguousarray(img[..., ::-1]))
    with torch.no_grad():
        out = model.generator(rgb.permute(2, 0, 1)[None].float() / 255)[0]
    expected_bgr = (out * 255).clamp(0, 255).flip(0)
    torch.testing.assert_close(result.output.pred_img, expected_bgr)


def test_edit_batch_of_mixed_sizes():
    torch.manual_seed(0)
    model = init_model(edit_config(upscale_factor=1))
    big, small = random_image(0, 9, 11), random_image(1, 7, 6)
    results = inference_model(model, [big, small])
    assert [tuple(r.output.pred_img.shape) for r in results] == [
        (3, 9, 11),
        (3, 7, 6),
    ]
    alone = inference_model(model, [big])[0]
    torch.testing.assert_close(
        results[0].output.pred_img, alone.output.pred_img
    )


def test_edit_batch_of_mixed_sizes_upscaled():
    """``destruct`` scales the input padding to the output size."""
    model = init_model(edit_config(upscale_factor=2))
    results = inference_model(
        model, [random_image(0, 9, 11), random_image(1, 7, 6)]
    )
    assert [tuple(r.output.pred_img.shape) for r in results] == [
        (3, 18, 22),
        (3, 14, 12),
    ]


# ------------------------------------------------------------------ pipeline
def test_inference_pipeline_drops_ground_truth_steps():
    steps = inference_pipeline(
        [
            dict(type='LoadImageFromFile', key='img'),
            dict(type='mmflow_ext.LoadImageFromFile', key='gt'),
            dict(type='LoadAnnotations'),
            dict(type='Flip', keys=['img', 'gt']),
            dict(type='CenterCrop', keys=['gt']),
            dict(type='PackInputs', keys='img', meta_keys=['gt_path', 'key']),
        ]
    )
    assert steps == [
        dict(type='LoadImageFromFile', key='img'),
        dict(type='Flip', keys=['img']),
        dict(type='PackInputs', keys='img', meta_keys=['key']),
    ]


def test_inference_pipeline_needs_an_image_loader():
    with pytest.raises(
        ValueError,
        match=r"no LoadImageFromFile step .*"
        r"\['LoadAnnotations', 'PackSegInputs'\]",
    ):
        inference_pipeline(
            [dict(type='LoadAnnotations'), dict(type='PackSegInputs')]
        )


@pytest.mark.parametrize(
    'loader',
    [
        dict(),
        dict(key='img'),
        dict(key='img', channel_order='rgb'),
        dict(key='img', to_y_channel=True, to_float32=True),
        dict(key='img', color_type='unchanged'),
    ],
)
def test_array_loader_matches_the_file_loader(loader, tmp_path):
    img = random_image(7, 5, 6)
    path = str(tmp_path / 'img.png')
    cv2.imwrite(path, img)
    from_file = LoadImageFromFile(**loader)(dict(img_path=path))
    from_array = LoadImageFromArray.from_loader(dict(loader))(dict(img=img))
    assert sorted(from_array) == sorted(
        k for k in from_file if k != 'img_path'
    )
    for key, value in from_file.items():
        if key == 'img':
            np.testing.assert_array_equal(from_array['img'], value)
            assert from_array['img'].dtype == value.dtype
        elif key != 'img_path':
            assert from_array[key] == value, key


def test_array_loader_turns_gray_into_color():
    gray = np.array([[0, 100]], np.uint8)
    out = LoadImageFromArray(key='img')(dict(img=gray))
    assert out['img'].tolist() == [[[0, 0, 0], [100, 100, 100]]]


# ------------------------------------------------------------ result images
def test_result_images(seg_model):
    result = inference_model(seg_model, random_image(2, 10, 9))
    painted = result_to_image(result, seg_model.dataset_meta)
    palette = np.array(seg_model.dataset_meta['palette'], np.uint8)
    labels = result.pred_sem_seg.data[0].numpy()
    np.testing.assert_array_equal(painted, palette[labels][..., ::-1])
    # without a palette: the seeded one, one colour per logit channel
    assert seg_result_to_color(result).shape == (10, 9, 3)

    edit = DataSample()
    edit.output = DataSample(
        pred_img=torch.tensor([[[0.4, 300.0]], [[1.5, -2.0]], [[254.5, 9.0]]])
    )
    assert edit_result_to_image(edit).tolist() == [[[0, 2, 254], [255, 0, 9]]]
    with pytest.raises(KeyError, match='output.pred_img'):
        edit_result_to_image(DataSample())
