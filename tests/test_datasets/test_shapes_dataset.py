import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

import mmflow_ext.datasets.transforms.seg_transforms  # noqa: F401
from mmflow_ext.datasets.shapes_dataset import (
    MANIFEST_NAME,
    SHAPES_CLASSES,
    ShapesDataset,
    draw_shapes_scene,
    generate_shapes_dataset,
)

CONFIG = osp.join(
    osp.dirname(__file__),
    '..',
    '..',
    'configs',
    '_base_',
    'datasets',
    'shapes.py',
)
SMALL = dict(num_train=4, num_val=2, image_size=32, show_progress=False)


def read_tree(root):
    files = {}
    for folder, _, names in os.walk(root):
        for name in names:
            with open(osp.join(folder, name), 'rb') as f:
                files[osp.relpath(osp.join(folder, name), root)] = f.read()
    return files


def test_same_seed_gives_identical_files(tmp_path):
    generate_shapes_dataset(str(tmp_path / 'a'), seed=3, **SMALL)
    generate_shapes_dataset(str(tmp_path / 'b'), seed=3, **SMALL)
    generate_shapes_dataset(str(tmp_path / 'c'), seed=4, **SMALL)
    a, b, c = (read_tree(tmp_path / n) for n in 'abc')
    assert sorted(a) == sorted(
        [
            'img_dir/train/00000.jpg',
            'img_dir/train/00001.jpg',
            'img_dir/train/00002.jpg',
            'img_dir/train/00003.jpg',
            'ann_dir/train/00000.png',
            'ann_dir/train/00001.png',
            'ann_dir/train/00002.png',
            'ann_dir/train/00003.png',
            'img_dir/val/00000.jpg',
            'img_dir/val/00001.jpg',
            'ann_dir/val/00000.png',
            'ann_dir/val/00001.png',
            MANIFEST_NAME,
            f'.{MANIFEST_NAME}.lock',
        ]
    )
    assert a == b
    assert a['ann_dir/train/00000.png'] != c['ann_dir/train/00000.png']


def test_labels_match_the_images(tmp_path):
    generate_shapes_dataset(
        str(tmp_path),
        num_train=8,
        num_val=0,
        image_size=(48, 64),
        seed=0,
        show_progress=False,
    )
    colours = {label: [] for label in range(len(SHAPES_CLASSES))}
    for i in range(8):
        img = cv2.imread(str(tmp_path / f'img_dir/train/{i:05d}.jpg'))
        labels = cv2.imread(
            str(tmp_path / f'ann_dir/train/{i:05d}.png'), cv2.IMREAD_UNCHANGED
        )
        assert img.shape == (48, 64, 3) and labels.shape == (48, 64)
        assert labels.dtype == np.uint8 and labels.max() < len(SHAPES_CLASSES)
        # interior pixels only: JPEG blurs the edges
        for label in np.unique(labels):
            inside = cv2.erode(
                (labels == label).astype(np.uint8), np.ones((5, 5), np.uint8)
            ).astype(bool)
            colours[label].append(img[inside])
    saturation = {}
    for label, pixels in colours.items():
        hsv = cv2.cvtColor(np.concatenate(pixels)[None], cv2.COLOR_BGR2HSV)
        saturation[label] = np.median(hsv[0, :, 1])
    # shapes are vividly coloured, the background is greyish
    assert all(saturation[label] > 2 * saturation[0] for label in (1, 2, 3, 4))
    # the class-typical colour: red circles, green squares, blue triangles
    means = {k: np.concatenate(v).mean(axis=0) for k, v in colours.items()}
    assert means[1].argmax() == 2 and means[2].argmax() == 1
    assert means[3].argmax() == 0


def test_scenes_have_several_classes_and_overlap_ordering():
    rng = np.random.default_rng(5)
    counts = [
        len(np.unique(draw_shapes_scene(rng, 64, 64)[1])) for _ in range(20)
    ]
    assert min(counts) >= 2 and max(counts) >= 4


def test_complete_tree_is_reused(tmp_path):
    assert generate_shapes_dataset(str(tmp_path), **SMALL)
    before = read_tree(tmp_path)
    stamp = os.stat(tmp_path / 'img_dir/train/00000.jpg').st_mtime_ns
    assert not generate_shapes_dataset(str(tmp_path), **SMALL)
    assert os.stat(tmp_path / 'img_dir/train/00000.jpg').st_mtime_ns == stamp
    os.remove(tmp_path / 'ann_dir/val/00001.png')
    assert generate_shapes_dataset(str(tmp_path), **SMALL)
    assert read_tree(tmp_path) == before


def test_interrupted_tree_is_regenerated(tmp_path):
    generate_shapes_dataset(str(tmp_path), **SMALL)
    before = read_tree(tmp_path)
    manifest = json.loads((tmp_path / MANIFEST_NAME).read_text())
    manifest['complete'] = False  # the journal an interrupted run leaves
    (tmp_path / MANIFEST_NAME).write_text(json.dumps(manifest))
    with open(tmp_path / 'img_dir/train/00000.jpg', 'wb') as f:
        f.write(b'half')
    assert generate_shapes_dataset(str(tmp_path), **SMALL)
    assert read_tree(tmp_path) == before


def test_files_it_did_not_write_are_kept_or_refused(tmp_path):
    generate_shapes_dataset(str(tmp_path), **SMALL)
    (tmp_path / 'img_dir/train/mine.jpg').write_bytes(b'user file')
    (tmp_path / 'notes.txt').write_text('keep me')
    generate_shapes_dataset(
        str(tmp_path),
        num_train=1,
        num_val=1,
        image_size=16,
        show_progress=False,
    )
    assert (tmp_path / 'img_dir/train/mine.jpg').read_bytes() == b'user file'
    assert (tmp_path / 'notes.txt').read_text() == 'keep me'
    assert not (tmp_path / 'img_dir/train/00003.jpg').exists()
    other = tmp_path / 'other'
    (other / 'ann_dir/val').mkdir(parents=True)
    (other / 'ann_dir/val/00001.png').write_bytes(b'theirs')
    with pytest.raises(
        FileExistsError, match=r'ann_dir/val/00001.png \(and 0 more planned'
    ):
        generate_shapes_dataset(str(other), **SMALL)
    assert (other / 'ann_dir/val/00001.png').read_bytes() == b'theirs'


def test_other_arguments_replace_the_old_files(tmp_path):
    generate_shapes_dataset(str(tmp_path), **SMALL)
    assert generate_shapes_dataset(
        str(tmp_path),
        num_train=2,
        num_val=1,
        image_size=(16, 24),
        show_progress=False,
    )
    assert sorted(os.listdir(tmp_path / 'img_dir/train')) == [
        '00000.jpg',
        '00001.jpg',
    ]
    assert cv2.imread(str(tmp_path / 'img_dir/val/00000.jpg')).shape == (
        16,
        24,
        3,
    )
    manifest = json.loads((tmp_path / MANIFEST_NAME).read_text())
    assert manifest['image_size'] == [16, 24] and len(manifest['files']) == 6


def test_bad_arguments():
    with pytest.raises(ValueError, match=r'at least 16 pixels, got \(8, 8\)'):
        generate_shapes_dataset('unused', image_size=8)
    with pytest.raises(ValueError, match='must be >= 0, got -1 and 2'):
        generate_shapes_dataset('unused', num_train=-1, num_val=2)


def test_dataset_generates_on_first_use(tmp_path):
    root = str(tmp_path / 'shapes')
    dataset = ShapesDataset(
        data_root=root, num_train=3, num_val=2, image_size=32
    )
    assert osp.isfile(osp.join(root, MANIFEST_NAME))
    assert len(dataset) == 3
    assert dataset.metainfo['classes'] == SHAPES_CLASSES
    assert len(dataset.metainfo['palette']) == len(SHAPES_CLASSES)
    val = ShapesDataset(
        data_root=root,
        data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'),
        num_train=3,
        num_val=2,
        image_size=32,
        test_mode=True,
    )
    assert len(val) == 2
    lazy = ShapesDataset(
        data_root=str(tmp_path / 'lazy'),
        lazy_init=True,
        num_train=1,
        num_val=1,
        image_size=32,
    )
    assert not osp.exists(tmp_path / 'lazy')
    lazy.full_init()
    assert len(lazy) == 1


def test_runner_builds_the_config_dataloaders(tmp_path):
    cfg = Config.fromfile(CONFIG)
    for key in ('train_dataloader', 'val_dataloader'):
        loader = cfg[key]
        loader.update(num_workers=0, persistent_workers=False, batch_size=2)
        loader.dataset.update(
            data_root=str(tmp_path), num_train=4, num_val=2, image_size=32
        )
    with DefaultScope.overwrite_default_scope('mmflow_ext'):
        train = Runner.build_dataloader(cfg.train_dataloader, seed=0)
        val = Runner.build_dataloader(cfg.val_dataloader)
        train_batch = next(iter(train))
        val_batch = next(iter(val))
    # the config crops to 128 x 128 from at least 128 x 128 resized images
    assert [t.shape for t in train_batch['inputs']] == [(3, 128, 128)] * 2
    assert train_batch['data_samples'][0].gt_sem_seg.shape == (128, 128)
    assert [t.shape for t in val_batch['inputs']] == [(3, 32, 32)] * 2
    sample = val_batch['data_samples'][0]
    assert sample.gt_sem_seg.data.dtype == torch.uint8
    assert sample.img_path.endswith('img_dir/val/00000.jpg')
    assert cfg.val_evaluator == dict(type='IoUMetric', iou_metrics=['mIoU'])
