# Copyright (c) mmflow_ext contributors. All rights reserved.
import uuid

import cv2
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData

from mmflow_ext.datasets.seg_metainfo import (
    CITYSCAPES_CLASSES,
    CITYSCAPES_PALETTE,
    VOC_CLASSES,
)
from mmflow_ext.registry import VISUALIZERS
from mmflow_ext.structures import SegDataSample
from mmflow_ext.visualization import SegLocalVisualizer
from mmflow_ext.visualization.dataset_names import (
    DATASET_ALIASES,
    dataset_classes_and_palette,
)

CLASSES = ['background', 'road', 'car']
PALETTE = [[10, 20, 30], [200, 0, 0], [0, 250, 100]]


def visualizer(**kwargs):
    kwargs.setdefault('classes', CLASSES)
    kwargs.setdefault('palette', PALETTE)
    return SegLocalVisualizer(name=f'seg_local_{uuid.uuid4().hex}', **kwargs)


def sample(gt, pred=None):
    data = SegDataSample(gt_sem_seg=PixelData(data=torch.as_tensor(gt)[None]))
    if pred is not None:
        data.pred_sem_seg = PixelData(data=torch.as_tensor(pred)[None])
    return data


def test_panels_blend_colours_over_the_image_gt_left_pred_right():
    image = np.array(
        [[[100, 50, 0], [0, 0, 255], [40, 40, 40]]], dtype=np.uint8
    )
    gt = [[0, 1, 255]]  # 255: outside the classes, colour 0 (black)
    pred = [[2, 2, 1]]
    drawn = visualizer(alpha=0.8).add_datasample(
        'row', image, sample(gt, pred), with_labels=False
    )
    assert drawn.shape == (1, 6, 3) and drawn.dtype == np.uint8
    colors = np.array(PALETTE + [[0, 0, 0]], dtype=np.float64)
    weight = 1 - 0.8  # 0.19999999999999996
    expected_gt = (image[0] * weight + colors[[0, 1, 3]] * 0.8).astype(
        np.uint8
    )
    expected_pred = (image[0] * weight + colors[[2, 2, 1]] * 0.8).astype(
        np.uint8
    )
    # float64 then truncation, as upstream: 100 * 0.2 + 10 * 0.8 gives 27
    assert expected_gt[0].tolist() == [27, 26, 24]
    assert drawn[0, :3].tolist() == expected_gt.tolist()
    assert drawn[0, 3:].tolist() == expected_pred.tolist()


def test_draw_gt_or_pred_alone_and_nothing_to_draw():
    image = np.zeros((2, 2, 3), dtype=np.uint8)
    vis = visualizer(alpha=1.0)
    data = sample([[1, 1], [1, 1]], [[2, 2], [2, 2]])
    gt_only = vis.add_datasample(
        'a', image, data, draw_pred=False, with_labels=False
    )
    pred_only = vis.add_datasample(
        'b', image, data, draw_gt=False, with_labels=False
    )
    assert (gt_only == PALETTE[1]).all() and gt_only.shape == (2, 2, 3)
    assert (pred_only == PALETTE[2]).all() and pred_only.shape == (2, 2, 3)
    with pytest.raises(
        ValueError, match='nothing to draw.*keys: gt_sem_seg, pred_sem_seg'
    ):
        vis.add_datasample('c', image, data, draw_gt=False, draw_pred=False)


def test_size_mismatch_is_a_clear_error():
    with pytest.raises(
        ValueError, match='"gt_sem_seg" is 1×2 but the image is 3×3'
    ):
        visualizer().add_datasample(
            'x', np.zeros((3, 3, 3), np.uint8), sample([[0, 1]])
        )


def test_with_labels_writes_names_in_boxes_of_the_class_colour():
    labels = np.zeros((200, 240), dtype=np.int64)
    labels[:, 120:] = 1
    image = np.zeros((200, 240, 3), dtype=np.uint8)
    vis = visualizer(alpha=1.0)
    plain = vis.add_datasample('p', image, sample(labels), with_labels=False)
    named = vis.add_datasample('n', image, sample(labels), with_labels=True)
    changed = np.any(plain != named, axis=2)
    # one box per class, starting at the middle of its first longest row
    assert changed[0, 60] and changed[0, 180]
    assert not changed[40:].any() and not changed[:, :60].any()
    # white text inside each box, black box borders
    assert (named[:40, 60:120] == 255).all(axis=2).any()
    assert (named[:40, 180:] == 255).all(axis=2).any()
    assert named[0, 60].tolist() == [0, 0, 0]


def test_out_file_is_written_atomically_as_bgr(tmp_path):
    image = np.zeros((2, 3, 3), dtype=np.uint8)
    out = tmp_path / 'sub' / 'vis.png'
    drawn = visualizer(alpha=1.0).add_datasample(
        'x',
        image,
        sample([[1, 2, 0], [0, 0, 0]]),
        out_file=str(out),
        with_labels=False,
    )
    assert sorted(p.name for p in out.parent.iterdir()) == ['vis.png']
    assert np.array_equal(cv2.imread(str(out))[..., ::-1], drawn)
    assert drawn[0, 0].tolist() == PALETTE[1]


def test_backend_receives_the_drawing(tmp_path):
    vis = visualizer(
        alpha=1.0,
        vis_backends=[dict(type='LocalVisBackend')],
        save_dir=str(tmp_path),
    )
    drawn = vis.add_datasample(
        'val_a.png',
        np.zeros((1, 1, 3), np.uint8),
        sample([[2]], [[1]]),
        step=7,
        with_labels=False,
    )
    saved = tmp_path / 'vis_data' / 'vis_image' / 'val_a.png_7.png'
    assert np.array_equal(cv2.imread(str(saved))[..., ::-1], drawn)
    assert drawn[0].tolist() == [PALETTE[2], PALETTE[1]]


def test_meta_defaults_dataset_name_and_bad_palette():
    vis = VISUALIZERS.build(
        dict(type='SegLocalVisualizer', name=f'v_{uuid.uuid4().hex}')
    )
    assert tuple(vis.dataset_meta['classes']) == CITYSCAPES_CLASSES
    assert vis.dataset_meta['palette'] == [list(c) for c in CITYSCAPES_PALETTE]
    assert vis.alpha == 0.8
    voc = visualizer(classes=None, palette=None, dataset_name='voc12aug')
    assert tuple(voc.dataset_meta['classes']) == VOC_CLASSES
    # given classes win over the dataset's, given palette too
    mixed = visualizer(palette=None, classes=['a'] * 21, dataset_name='voc')
    assert mixed.dataset_meta['classes'] == ['a'] * 21
    with pytest.raises(
        ValueError, match='palette has 3 colours but there are 2 classes'
    ):
        visualizer(classes=['a', 'b'])
    with pytest.raises(ValueError, match='unknown dataset_name "vocc"'):
        visualizer(classes=None, palette=None, dataset_name='vocc')
    # the Runner's loops replace the meta with the dataset's
    vis.dataset_meta = dict(classes=CLASSES, palette=PALETTE)
    drawn = vis.add_datasample(
        'x', np.zeros((1, 1, 3), np.uint8), sample([[2]]), with_labels=False
    )
    assert drawn[0, 0].tolist() == [0, 200, 80]  # 0.8 * (0, 250, 100)


def test_lip_alias_has_colours_not_names():
    classes, palette = dataset_classes_and_palette('lip')
    assert len(classes) == len(palette) == 20
    assert palette[1] == [128, 0, 0]
    assert DATASET_ALIASES['coco-stuff164k'] == 'cocostuff'


# ---------------------------------------------------------------------------
# differential tests against MMSegmentation (reference environment only)


def _random_case(seed, height, width, num_classes):
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    # blocky label maps, with some pixels outside the classes
    small = rng.integers(0, num_classes + 1, (height // 8 + 1, width // 8 + 1))
    gt = np.kron(small, np.ones((8, 8), dtype=np.int64))[:height, :width]
    gt[gt == num_classes] = 255
    pred = np.roll(gt, 5, axis=1)
    pred[pred == 255] = 0
    return image, gt, pred


@pytest.mark.parametrize('with_labels', [False, True])
@pytest.mark.parametrize('shape,alpha', [((37, 53), 0.8), ((320, 310), 0.5)])
def test_same_pixels_as_mmseg(tmp_path, with_labels, shape, alpha):
    mmseg_vis = pytest.importorskip('mmseg.visualization')
    from mmseg.structures import SegDataSample as MMSegDataSample

    image, gt, pred = _random_case(0, *shape, num_classes=len(CLASSES))
    theirs = MMSegDataSample()
    theirs.gt_sem_seg = PixelData(data=torch.from_numpy(gt)[None])
    theirs.pred_sem_seg = PixelData(data=torch.from_numpy(pred)[None])
    upstream = mmseg_vis.SegLocalVisualizer(
        name=f'mmseg_{uuid.uuid4().hex}', alpha=alpha
    )
    upstream.dataset_meta = dict(classes=CLASSES, palette=PALETTE)
    upstream.add_datasample(
        'x',
        image,
        theirs,
        out_file=str(tmp_path / 'theirs.png'),
        with_labels=with_labels,
    )
    ours = visualizer(alpha=alpha).add_datasample(
        'x',
        image,
        sample(gt, pred),
        out_file=str(tmp_path / 'ours.png'),
        with_labels=with_labels,
    )
    expected = cv2.imread(str(tmp_path / 'theirs.png'))[..., ::-1]
    assert ours.shape == (shape[0], 2 * shape[1], 3)
    assert np.array_equal(ours, expected)
    assert np.array_equal(
        cv2.imread(str(tmp_path / 'ours.png')),
        cv2.imread(str(tmp_path / 'theirs.png')),
    )


@pytest.mark.parametrize('alias', sorted(DATASET_ALIASES))
def test_dataset_names_match_mmseg(alias):
    class_names = pytest.importorskip('mmseg.utils.class_names')
    classes, palette = dataset_classes_and_palette(alias)
    if DATASET_ALIASES[alias] == 'lip':
        # upstream's lip_palette() returns class names, not colours
        assert len(classes) == len(class_names.get_classes(alias)) == 20
        assert all(len(color) == 3 for color in palette)
        return
    assert classes == list(class_names.get_classes(alias))
    assert palette == [list(c) for c in class_names.get_palette(alias)]
