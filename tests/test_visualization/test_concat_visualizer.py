# Copyright (c) mmflow_ext contributors. All rights reserved.
import glob
import os.path as osp
import uuid
import warnings

import cv2
import numpy as np
import pytest
import torch
from mmengine.evaluator import BaseMetric
from mmengine.model import BaseModel
from mmengine.runner import Runner
from mmengine.structures import BaseDataElement, PixelData
from torch.utils.data import Dataset

from mmflow_ext.registry import VISUALIZERS
from mmflow_ext.structures import SegDataSample
from mmflow_ext.visualization import ConcatImageVisualizer

#: the visualizer of the editing data-flow document, as written there
SEED_VISUALIZER = dict(
    type='ConcatImageVisualizer',
    vis_backends=[dict(type='LocalVisBackend')],
    fn_key='gt_path',
    img_keys=['gt_img', 'input', 'pred_img'],
    bgr2rgb=True,
)


def unique_name() -> str:
    return f'vis_{uuid.uuid4().hex}'


def build(**kwargs) -> ConcatImageVisualizer:
    kwargs.setdefault('fn_key', 'gt_path')
    kwargs.setdefault('img_keys', ['gt_img', 'input', 'pred_img'])
    return ConcatImageVisualizer(name=unique_name(), **kwargs)


def editing_sample(gt, lq, pred, path='data/gt/baboon.png'):
    return BaseDataElement(
        metainfo=dict(gt_path=path),
        gt_img=gt,
        input=lq,
        output=BaseDataElement(pred_img=pred),
    )


def test_row_geometry_with_mixed_heights_and_gray_padding():
    gt = torch.full((3, 4, 5), 10.0)
    lq = torch.full((1, 2, 3), 20.0)
    pred = torch.full((3, 3, 2), 30.0)
    row = build().draw_row(editing_sample(gt, lq, pred))
    assert row.shape == (4, 10, 3) and row.dtype == np.uint8
    assert (row[:, :5] == 10).all()
    assert (row[:2, 5:8] == 20).all() and (row[2:, 5:8] == 127).all()
    assert (row[:3, 8:] == 30).all() and (row[3:, 8:] == 127).all()


def test_bgr2rgb_and_pixel_range_per_key():
    bgr = torch.tensor([-1.0, 0.0, 1.0]).reshape(3, 1, 1)
    vis = build(
        img_keys=['gt_img', 'pred_img'],
        bgr2rgb=True,
        pixel_range=dict(gt_img=(-1, 1)),
    )
    row = vis.draw_row(editing_sample(bgr, None, bgr * 255))
    assert row[0].tolist() == [[255, 128, 0], [255, 0, 0]]


def test_output_takes_precedence_and_dict_form_matches():
    sample = editing_sample(
        torch.zeros(3, 1, 1), torch.zeros(3, 1, 1), torch.ones(3, 1, 1)
    )
    sample.pred_img = torch.full((3, 1, 1), 99.0)
    vis = build()
    row = vis.draw_row(sample)
    assert row[0, 2].tolist() == [1, 1, 1]
    assert np.array_equal(vis.draw_row(sample.to_dict()), row)


def test_pixel_data_values_and_extra_images():
    sample = BaseDataElement(
        metainfo=dict(gt_path='x.png'),
        gt_img=PixelData(data=torch.full((1, 2, 2), 5.0)),
    )
    vis = build(img_keys=['gt_img', 'img'])
    with pytest.warns(UserWarning, match=r"key\(s\) \['img'\] not in"):
        assert vis.draw_row(sample).shape == (2, 2, 3)
    extra = np.full((2, 3, 3), 7, dtype=np.uint8)
    row = vis.draw_row(sample, extra_images={'img': extra, 'gt_img': extra})
    assert row.shape == (2, 6, 3) and (row == 7).all()


def test_missing_keys_warn_once_and_none_is_an_error():
    vis = build()
    sample = BaseDataElement(
        metainfo=dict(gt_path='a.png'), gt_img=torch.zeros(3, 2, 2)
    )
    with pytest.warns(UserWarning) as record:
        vis.draw_row(sample)
    assert len(record) == 1
    assert "key(s) ['input', 'pred_img'] not in" in str(record[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        vis.draw_row(sample)  # already reported: no second warning
    empty = BaseDataElement(metainfo=dict(gt_path='a.png'), other=1)
    with pytest.raises(
        ValueError,
        match=r"none of img_keys \['gt_img', "
        r"'input', 'pred_img'\] is in the data sample or its "
        r"output \(keys: gt_path, other\)",
    ):
        vis.draw_row(empty)


@pytest.mark.parametrize(
    'path, stem',
    [
        ('data/gt/baboon.png', 'baboon'),
        ('C:\\data\\frame.0001.png', 'frame.0001'),
        (['clip/00000001.png', 'clip/00000002.png'], '00000001'),
        ('no_extension', 'no_extension'),
    ],
)
def test_file_stem(path, stem):
    assert build().file_stem({'gt_path': path}) == stem


def test_file_stem_errors():
    vis = build()
    with pytest.raises(
        KeyError,
        match='fn_key "gt_path" is not in the data '
        r"sample or its output \(keys: img_path\)",
    ):
        vis.file_stem({'img_path': 'a.png'})
    with pytest.raises(
        TypeError, match='fn_key "gt_path" must hold a file path, got 3'
    ):
        vis.file_stem({'gt_path': 3})


def test_local_backend_writes_named_png(tmp_path):
    vis = build(
        vis_backends=[dict(type='LocalVisBackend')],
        save_dir=str(tmp_path),
        bgr2rgb=True,
    )
    gt = torch.zeros(3, 2, 2)
    gt[0] = 200  # blue in BGR
    row = vis.add_datasample(
        editing_sample(gt, gt, gt, 'a/b/c/head.png'), step=12
    )
    path = tmp_path / 'vis_data' / 'vis_image' / 'head_12.png'
    saved = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert saved.shape == (2, 6, 3)
    assert np.array_equal(saved[..., ::-1], row)  # file is BGR, row RGB
    assert saved[0, 0].tolist() == [200, 0, 0]


def seg_sample(gt, pred, path='imgs/street.jpg'):
    return SegDataSample(
        metainfo=dict(img_path=path),
        gt_sem_seg=PixelData(data=torch.tensor(gt)[None]),
        pred_sem_seg=PixelData(data=torch.tensor(pred)[None]),
    )


def test_segmentation_row_with_dataset_palette_and_blending():
    vis = build(
        fn_key='img_path',
        img_keys=['img', 'gt_sem_seg', 'pred_sem_seg'],
        bgr2rgb=True,
        blend_key='img',
        alpha=0.5,
    )
    vis.dataset_meta = dict(
        classes=('road', 'car'), palette=[[200, 0, 0], [0, 100, 0]]
    )
    sample = seg_sample([[0, 255]], [[1, 0]])
    image = np.array([[[10, 20, 30], [40, 50, 60]]], dtype=np.uint8)  # BGR
    row = vis.draw_row(sample, extra_images={'img': image})
    assert row.shape == (1, 6, 3)
    assert row[0, :2].tolist() == [[30, 20, 10], [60, 50, 40]]
    # round(0.5 * image + 0.5 * colour); ignore pixel keeps the image
    assert row[0, 2:4].tolist() == [[115, 10, 5], [60, 50, 40]]
    assert row[0, 4:].tolist() == [[15, 60, 5], [130, 25, 20]]
    assert np.array_equal(vis.draw_row(sample.to_dict(), {'img': image}), row)


def test_label_maps_must_match_the_blended_image():
    vis = build(
        fn_key='img_path',
        img_keys=['img', 'gt_sem_seg'],
        blend_key='img',
        palette=[[1, 2, 3]],
    )
    with pytest.raises(
        ValueError,
        match='"gt_sem_seg" is 1×2 but the "img" '
        'image it is drawn over is 3×3',
    ):
        vis.draw_row(
            seg_sample([[0, 0]], [[0, 0]]),
            {'img': np.zeros((3, 3, 3), np.uint8)},
        )


def test_constructor_classes_and_palette_survive_dataset_meta():
    vis = build(
        fn_key='img_path',
        img_keys=['gt_sem_seg'],
        classes=['a', 'b'],
        palette=[[1, 2, 3], [4, 5, 6]],
    )
    assert vis.dataset_meta == dict(
        classes=['a', 'b'], palette=[[1, 2, 3], [4, 5, 6]]
    )
    vis.dataset_meta = dict(
        classes=('x', 'y'), palette=[[9, 9, 9], [8, 8, 8]], extra=1
    )
    assert vis.dataset_meta == dict(
        classes=['a', 'b'], palette=[[1, 2, 3], [4, 5, 6]], extra=1
    )
    row = vis.draw_row(seg_sample([[1, 0]], [[0, 0]]))
    assert row[0].tolist() == [[4, 5, 6], [1, 2, 3]]


def test_missing_palette_uses_seeded_colours_and_bad_one_is_rejected():
    vis = build(fn_key='img_path', img_keys=['gt_sem_seg'])
    vis.dataset_meta = dict(classes=('a', 'b', 'c'))
    row = vis.draw_row(seg_sample([[2, 0]], [[0, 0]]))
    np.random.seed(42)
    expected = np.random.randint(0, 255, size=(3, 3))
    assert row[0].tolist() == [expected[2].tolist(), expected[0].tolist()]
    vis.dataset_meta = dict(classes=('a', 'b'), palette=[[1, 2, 3]])
    with pytest.raises(
        ValueError,
        match=r"palette of 1 colours does not fit the 2 "
        r"classes \['a', 'b'\]",
    ):
        vis.draw_row(seg_sample([[0]], [[0]]))
    with pytest.raises(ValueError, match='palette must be a list of RGB'):
        build(palette=[[1, 2]])


def test_class_name_labels_on_masks():
    gt = np.zeros((40, 80), dtype=np.int64)
    plain = build(
        fn_key='img_path',
        img_keys=['gt_sem_seg'],
        classes=['road'],
        palette=[[50, 50, 50]],
    )
    labelled = build(
        fn_key='img_path',
        img_keys=['gt_sem_seg'],
        classes=['road'],
        palette=[[50, 50, 50]],
        with_labels=True,
    )
    sample = seg_sample(gt, gt)
    assert (plain.draw_row(sample) == 50).all()
    drawn = labelled.draw_row(sample)
    assert drawn.max() > 200 and drawn.min() < 10  # white text, black edge


@pytest.mark.parametrize(
    'kwargs, error, message',
    [
        (dict(img_keys=[]), ValueError, 'img_keys must be a non-empty list'),
        (dict(alpha=1.5), ValueError, r'alpha must be in \[0, 1\], got 1.5'),
        (
            dict(pixel_range=dict(gt_img=(1, 0))),
            ValueError,
            r'pixel_range\["gt_img"\] must be \(min, max\) with max > min',
        ),
    ],
)
def test_constructor_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        build(**kwargs)


class PairDataset(Dataset):
    """Four BGR uint8 images; the model's prediction adds 1 to each."""

    metainfo = dict(dataset_name='pairs')

    def __len__(self):
        return 4

    def __getitem__(self, index):
        gt = torch.arange(3 * 4 * 5, dtype=torch.uint8).reshape(3, 4, 5)
        gt = gt + 10 * index
        sample = BaseDataElement(
            metainfo=dict(gt_path=f'data/gt/img{index}.png'), gt_img=gt
        )
        return dict(inputs=gt[:, ::2, ::2].contiguous(), data_samples=sample)


class PlusOneEditor(BaseModel):
    def forward(self, inputs, data_samples=None, mode='tensor'):
        for lq, sample in zip(inputs, data_samples):
            sample.input = lq.float()
            sample.output = BaseDataElement(pred_img=sample.gt_img.float() + 1)
        return data_samples


class CountMetric(BaseMetric):
    def process(self, data_batch, data_samples):
        self.results.extend(1 for _ in data_samples)

    def compute_metrics(self, results):
        return dict(count=len(results))


def test_seed_config_writes_rows_in_a_runner_val_loop(tmp_path):
    runner = Runner(
        model=PlusOneEditor(),
        work_dir=str(tmp_path),
        experiment_name=unique_name(),
        default_scope='mmflow_ext',
        val_dataloader=dict(
            dataset=PairDataset(),
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=2,
            num_workers=0,
            collate_fn=dict(type='pseudo_collate'),
        ),
        val_cfg=dict(),
        val_evaluator=[CountMetric()],
        visualizer=dict(SEED_VISUALIZER),
        default_hooks=dict(
            visualization=dict(type='BasicVisualizationHook', max_samples=3)
        ),
        env_cfg=dict(dist_cfg=dict(backend='gloo')),
        log_level='WARNING',
    )
    assert type(runner.visualizer) is VISUALIZERS.get('ConcatImageVisualizer')
    runner.val()
    saved = sorted(
        glob.glob(osp.join(tmp_path, '*', 'vis_data', 'vis_image', '*.png'))
    )
    assert [osp.basename(p) for p in saved] == [
        'img0_0.png',
        'img1_0.png',
        'img2_0.png',
    ]
    bgr = cv2.imread(saved[1], cv2.IMREAD_UNCHANGED)
    gt = (
        PairDataset()[1]['inputs']
        .new_tensor(PairDataset()[1]['data_samples'].gt_img)
        .permute(1, 2, 0)
        .numpy()
    )
    expected = np.concatenate(
        [
            gt,
            np.concatenate([gt[::2, ::2], np.full((2, 3, 3), 127, np.uint8)]),
            gt + 1,
        ],
        axis=1,
    )
    # the file is BGR, and the row is BGR input reversed to RGB
    assert np.array_equal(bgr, expected)
