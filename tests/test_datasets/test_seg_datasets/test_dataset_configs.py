# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Every segmentation dataset config of ours on a tiny copy of its dataset.

Each case writes two samples per split in the dataset's real folder layout
(the file names its converter or release uses, split files included),
loads ``configs/_base_/datasets/<name>.py`` with ``data_root`` pointing
there, and runs its train and test dataloaders through the pipeline,
:class:`SegDataPreProcessor`, the small FCN of
``configs/_base_/models/fcn_compactcnn.py`` in loss and predict mode, the
config's ``IoUMetric``, ``SegLocalVisualizer`` and the config's
``tta_pipeline``. Only the image scales of the train and test pipelines
are shrunk, to keep the run fast.
"""

import copy
import os
import os.path as osp
from typing import Dict, List, Tuple

import cv2
import mmcv
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import DefaultScope

from mmflow_ext.registry import (
    DATASETS,
    METRICS,
    MODELS,
    TRANSFORMS,
    VISUALIZERS,
)

REPO_ROOT = osp.dirname(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
)
DATASET_CONFIGS = osp.join(REPO_ROOT, 'configs', '_base_', 'datasets')
MODEL_CONFIG = osp.join(
    REPO_ROOT, 'configs', '_base_', 'models', 'fcn_compactcnn.py'
)
MAP_SHAPE = (24, 32)

#: (image, map) paths relative to data_root, per loader: the file names of
#: the real datasets. ``splits`` are split files and the stems they list.
LAYOUTS: Dict[str, dict] = {
    'ade20k': dict(
        train=[
            (
                'images/training/ADE_train_00000001.jpg',
                'annotations/training/ADE_train_00000001.png',
            ),
            (
                'images/training/ADE_train_00000002.jpg',
                'annotations/training/ADE_train_00000002.png',
            ),
        ],
        val=[
            (
                'images/validation/ADE_val_00000001.jpg',
                'annotations/validation/ADE_val_00000001.png',
            )
        ],
    ),
    'cityscapes': dict(
        train=[
            (
                'leftImg8bit/train/aachen/aachen_000000_000019_leftImg8bit'
                '.png',
                'gtFine/train/aachen/aachen_000000_000019_gtFine_'
                'labelTrainIds.png',
            ),
            (
                'leftImg8bit/train/bochum/bochum_000000_000313_leftImg8bit'
                '.png',
                'gtFine/train/bochum/bochum_000000_000313_gtFine_'
                'labelTrainIds.png',
            ),
        ],
        val=[
            (
                'leftImg8bit/val/lindau/lindau_000000_000019_leftImg8bit.png',
                'gtFine/val/lindau/lindau_000000_000019_gtFine_labelTrainIds'
                '.png',
            )
        ],
    ),
    'pascal_voc12': dict(
        train=[
            (
                'JPEGImages/2007_000032.jpg',
                'SegmentationClass/2007_000032.png',
            ),
            (
                'JPEGImages/2007_000039.jpg',
                'SegmentationClass/2007_000039.png',
            ),
        ],
        val=[
            ('JPEGImages/2007_000033.jpg', 'SegmentationClass/2007_000033.png')
        ],
        splits={
            'ImageSets/Segmentation/train.txt': ['2007_000032', '2007_000039'],
            'ImageSets/Segmentation/val.txt': ['2007_000033'],
        },
    ),
    'pascal_voc12_aug': dict(
        train=[
            (
                'JPEGImages/2007_000032.jpg',
                'SegmentationClass/2007_000032.png',
            ),
            (
                'JPEGImages/2008_000002.jpg',
                'SegmentationClassAug/2008_000002.png',
            ),
            (
                'JPEGImages/2008_000003.jpg',
                'SegmentationClassAug/2008_000003.png',
            ),
        ],
        val=[
            ('JPEGImages/2007_000033.jpg', 'SegmentationClass/2007_000033.png')
        ],
        splits={
            'ImageSets/Segmentation/train.txt': ['2007_000032'],
            'ImageSets/Segmentation/aug.txt': ['2008_000002', '2008_000003'],
            'ImageSets/Segmentation/val.txt': ['2007_000033'],
        },
    ),
    'pascal_context': dict(
        train=[
            (
                'JPEGImages/2008_000002.jpg',
                'SegmentationClassContext/2008_000002.png',
            ),
            (
                'JPEGImages/2008_000003.jpg',
                'SegmentationClassContext/2008_000003.png',
            ),
        ],
        val=[
            (
                'JPEGImages/2008_000007.jpg',
                'SegmentationClassContext/2008_000007.png',
            )
        ],
        splits={
            'ImageSets/SegmentationContext/train.txt': [
                '2008_000002',
                '2008_000003',
            ],
            'ImageSets/SegmentationContext/val.txt': ['2008_000007'],
        },
    ),
    'coco-stuff10k': dict(
        train=[
            (
                'images/train2014/COCO_train2014_000000000077.jpg',
                'annotations/train2014/COCO_train2014_000000000077_'
                'labelTrainIds.png',
            ),
            (
                'images/train2014/COCO_train2014_000000000078.jpg',
                'annotations/train2014/COCO_train2014_000000000078_'
                'labelTrainIds.png',
            ),
        ],
        val=[
            (
                'images/test2014/COCO_train2014_000000000011.jpg',
                'annotations/test2014/COCO_train2014_000000000011_'
                'labelTrainIds.png',
            )
        ],
    ),
    'coco-stuff164k': dict(
        train=[
            (
                'images/train2017/000000000009.jpg',
                'annotations/train2017/000000000009_labelTrainIds.png',
            ),
            (
                'images/train2017/000000000025.jpg',
                'annotations/train2017/000000000025_labelTrainIds.png',
            ),
        ],
        val=[
            (
                'images/val2017/000000000139.jpg',
                'annotations/val2017/000000000139_labelTrainIds.png',
            )
        ],
    ),
    'loveda': dict(
        train=[
            ('img_dir/train/0.png', 'ann_dir/train/0.png'),
            ('img_dir/train/1.png', 'ann_dir/train/1.png'),
        ],
        val=[('img_dir/val/2522.png', 'ann_dir/val/2522.png')],
    ),
    'potsdam': dict(
        train=[
            (
                'img_dir/train/2_10_0_0_512_512.png',
                'ann_dir/train/2_10_0_0_512_512.png',
            ),
            (
                'img_dir/train/2_10_0_512_512_1024.png',
                'ann_dir/train/2_10_0_512_512_1024.png',
            ),
        ],
        val=[
            (
                'img_dir/val/2_13_0_0_512_512.png',
                'ann_dir/val/2_13_0_0_512_512.png',
            )
        ],
    ),
    'vaihingen': dict(
        train=[
            (
                'img_dir/train/area1_0_0_512_512.png',
                'ann_dir/train/area1_0_0_512_512.png',
            ),
            (
                'img_dir/train/area1_0_512_512_1024.png',
                'ann_dir/train/area1_0_512_512_1024.png',
            ),
        ],
        val=[
            (
                'img_dir/val/area2_0_0_512_512.png',
                'ann_dir/val/area2_0_0_512_512.png',
            )
        ],
    ),
    'isaid': dict(
        train=[
            (
                'img_dir/train/P0002_0_896_0_896.png',
                'ann_dir/train/P0002_0_896_0_896_instance_color_RGB.png',
            ),
            (
                'img_dir/train/P0002_0_896_600_1496.png',
                'ann_dir/train/P0002_0_896_600_1496_instance_color_RGB.png',
            ),
        ],
        val=[
            (
                'img_dir/val/P0003_0_896_0_896.png',
                'ann_dir/val/P0003_0_896_0_896_instance_color_RGB.png',
            )
        ],
    ),
    'drive': dict(
        train=[
            ('images/training/21.png', 'annotations/training/21_manual1.png'),
            ('images/training/22.png', 'annotations/training/22_manual1.png'),
        ],
        val=[
            (
                'images/validation/01.png',
                'annotations/validation/01_manual1.png',
            )
        ],
    ),
    'hrf': dict(
        train=[
            ('images/training/01_dr.png', 'annotations/training/01_dr.png'),
            ('images/training/01_g.png', 'annotations/training/01_g.png'),
        ],
        val=[
            ('images/validation/06_dr.png', 'annotations/validation/06_dr.png')
        ],
    ),
    'stare': dict(
        train=[
            (
                'images/training/im0001.png',
                'annotations/training/im0001.ah.png',
            ),
            (
                'images/training/im0002.png',
                'annotations/training/im0002.ah.png',
            ),
        ],
        val=[
            (
                'images/validation/im0291.png',
                'annotations/validation/im0291.ah.png',
            )
        ],
    ),
    'chase_db1': dict(
        train=[
            (
                'images/training/Image_01L.png',
                'annotations/training/Image_01L_1stHO.png',
            ),
            (
                'images/training/Image_01R.png',
                'annotations/training/Image_01R_1stHO.png',
            ),
        ],
        val=[
            (
                'images/validation/Image_11L.png',
                'annotations/validation/Image_11L_1stHO.png',
            )
        ],
    ),
    'refuge': dict(
        train=[
            ('images/training/g0001.png', 'annotations/training/g0001.png'),
            ('images/training/n0001.png', 'annotations/training/n0001.png'),
        ],
        val=[
            ('images/validation/V0001.png', 'annotations/validation/V0001.png')
        ],
        test=[('images/test/T0001.png', 'annotations/test/T0001.png')],
    ),
    'synapse': dict(
        train=[
            (
                'img_dir/train/case0005_slice000.jpg',
                'ann_dir/train/case0005_slice000.png',
            ),
            (
                'img_dir/train/case0005_slice001.jpg',
                'ann_dir/train/case0005_slice001.png',
            ),
        ],
        val=[
            (
                'img_dir/val/case0008_slice000.jpg',
                'ann_dir/val/case0008_slice000.png',
            )
        ],
    ),
    'mapillary_v1': dict(
        train=[
            (
                'training/images/0035fkbjWljhaftpVM37-g.jpg',
                'training/v1.2/labels/0035fkbjWljhaftpVM37-g.png',
            ),
            (
                'training/images/00qclUcInksIYnm19b1Xfw.jpg',
                'training/v1.2/labels/00qclUcInksIYnm19b1Xfw.png',
            ),
        ],
        val=[
            (
                'validation/images/03G8WHFnNfiJR-457i0MWQ.jpg',
                'validation/v1.2/labels/03G8WHFnNfiJR-457i0MWQ.png',
            )
        ],
    ),
    'mapillary_v2': dict(
        train=[
            (
                'training/images/0035fkbjWljhaftpVM37-g.jpg',
                'training/v2.0/labels/0035fkbjWljhaftpVM37-g.png',
            ),
            (
                'training/images/00qclUcInksIYnm19b1Xfw.jpg',
                'training/v2.0/labels/00qclUcInksIYnm19b1Xfw.png',
            ),
        ],
        val=[
            (
                'validation/images/03G8WHFnNfiJR-457i0MWQ.jpg',
                'validation/v2.0/labels/03G8WHFnNfiJR-457i0MWQ.png',
            )
        ],
    ),
    'bdd100k': dict(
        train=[
            (
                'images/10k/train/0004a4c0-d4dff0ad.jpg',
                'labels/sem_seg/masks/train/0004a4c0-d4dff0ad.png',
            ),
            (
                'images/10k/train/00054602-3bf57337.jpg',
                'labels/sem_seg/masks/train/00054602-3bf57337.png',
            ),
        ],
        val=[
            (
                'images/10k/val/7d2f7975-e0c1c5a7.jpg',
                'labels/sem_seg/masks/val/7d2f7975-e0c1c5a7.png',
            )
        ],
    ),
    'lip': dict(
        train=[
            (
                'train_images/77_471474.jpg',
                'train_segmentations/77_471474.png',
            ),
            (
                'train_images/77_471480.jpg',
                'train_segmentations/77_471480.png',
            ),
        ],
        val=[
            (
                'val_images/100034_483681.jpg',
                'val_segmentations/100034_483681.png',
            )
        ],
    ),
    # change detection: the second image of train/A/x.png is train/B/x.png
    'levir_256x256': dict(
        train=[
            ('train/A/train_1_0_0.png', 'train/label/train_1_0_0.png'),
            ('train/A/train_1_0_256.png', 'train/label/train_1_0_256.png'),
        ],
        val=[('test/A/test_1_0_0.png', 'test/label/test_1_0_0.png')],
        second=('/A/', '/B/'),
    ),
}
# Pascal Context 59 reads the maps of Pascal Context
LAYOUTS['pascal_context_59'] = LAYOUTS['pascal_context']
# the 65 labelled classes of the v1.2 maps
LAYOUTS['mapillary_v1_65'] = LAYOUTS['mapillary_v1']
# tested on their own images, trained on Cityscapes (cityscapes.py)
LAYOUTS['dark_zurich'] = dict(
    LAYOUTS['cityscapes'],
    test=[
        (
            'rgb_anon/val/night/GOPR0356/GOPR0356_frame_000321_rgb_anon.png',
            'gt/val/night/GOPR0356/GOPR0356_frame_000321_gt_labelTrainIds.png',
        )
    ],
)
LAYOUTS['night_driving'] = dict(
    LAYOUTS['cityscapes'],
    test=[
        (
            'leftImg8bit/test/night/0_frame_0062_leftImg8bit.png',
            'gtCoarse_daytime_trainvaltest/test/night/0_frame_0062_gtCoarse_'
            'labelTrainIds.png',
        )
    ],
)

#: type, number of classes and reduce_zero_label of each config's dataset
EXPECTED = {
    'ade20k': ('ADE20KDataset', 150, True),
    'cityscapes': ('CityscapesDataset', 19, False),
    'pascal_voc12': ('PascalVOCDataset', 21, False),
    'pascal_voc12_aug': ('PascalVOCDataset', 21, False),
    'pascal_context': ('PascalContextDataset', 60, False),
    'pascal_context_59': ('PascalContextDataset59', 59, True),
    'coco-stuff10k': ('COCOStuffDataset', 171, True),
    'coco-stuff164k': ('COCOStuffDataset', 171, False),
    'loveda': ('LoveDADataset', 7, True),
    'potsdam': ('PotsdamDataset', 6, True),
    'vaihingen': ('ISPRSDataset', 6, True),
    'isaid': ('iSAIDDataset', 16, False),
    'drive': ('DRIVEDataset', 2, False),
    'hrf': ('HRFDataset', 2, False),
    'stare': ('STAREDataset', 2, False),
    'chase_db1': ('ChaseDB1Dataset', 2, False),
    'refuge': ('REFUGEDataset', 3, False),
    'synapse': ('SynapseDataset', 9, False),
    'mapillary_v1': ('MapillaryDataset_v1', 66, False),
    'mapillary_v1_65': ('MapillaryDataset_v1', 65, False),
    'mapillary_v2': ('MapillaryDataset_v2', 124, False),
    'bdd100k': ('BDD100KDataset', 19, False),
    'lip': ('LIPDataset', 20, False),
    'levir_256x256': ('LEVIRCDDataset', 2, False),
    'dark_zurich': ('DarkZurichDataset', 19, False),
    'night_driving': ('NightDrivingDataset', 19, False),
}
#: variants that only change the scales of a config tested here (which
#: this test shrinks anyway); test_seg_dataset_parity compares their values
SIZE_VARIANTS = {
    'ade20k_640x640',
    'cityscapes_768x768',
    'cityscapes_769x769',
    'cityscapes_832x832',
    'cityscapes_1024x1024',
}
#: depth estimation: test_nyu_config_flow runs their pipelines and metric
DEPTH_CONFIGS = {'nyu', 'nyu_512x512'}
#: configs tested elsewhere: other tasks (with their datasets), variants
NOT_TESTED_HERE = (
    {'shapes', 'embedded_sr_denoise'} | SIZE_VARIANTS | DEPTH_CONFIGS
)


def raw_map(index: int, num_classes: int, reduce_zero_label: bool):
    """A map of raw values in ``[0, num_classes]`` (``reduce_zero_label``)
    or ``[0, num_classes)``, with one ignored (255) corner."""
    rng = np.random.RandomState(index)
    high = num_classes + 1 if reduce_zero_label else num_classes
    values = rng.randint(0, high, size=MAP_SHAPE).astype(np.uint8)
    values[:2, :2] = 255
    return values


def expected_labels(raw: np.ndarray, reduce_zero_label: bool) -> np.ndarray:
    """The labels a metric must see for ``raw``, computed by hand."""
    if not reduce_zero_label:
        return raw
    out = raw.astype(np.int64) - 1
    out[raw == 0] = 255
    out[raw == 255] = 255
    return out.astype(np.uint8)


def write_layout(
    root: str, layout: dict, num_classes: int, reduce_zero_label: bool
) -> Dict[str, np.ndarray]:
    """Write the images, maps and split files; return the raw map of
    each map path."""
    maps = {}
    pairs = [
        pair
        for key in ('train', 'val', 'test')
        for pair in layout.get(key, [])
    ]
    for index, (img, seg) in enumerate(pairs):
        for rel in (img, seg):
            os.makedirs(osp.dirname(osp.join(root, rel)), exist_ok=True)
        rng = np.random.RandomState(100 + index)
        image = rng.randint(0, 256, size=MAP_SHAPE + (3,)).astype(np.uint8)
        cv2.imwrite(osp.join(root, img), image)
        if 'second' in layout:
            second = osp.join(root, img.replace(*layout['second']))
            os.makedirs(osp.dirname(second), exist_ok=True)
            cv2.imwrite(second, 255 - image)
        maps[seg] = raw_map(index, num_classes, reduce_zero_label)
        cv2.imwrite(osp.join(root, seg), maps[seg])
    for rel, stems in layout.get('splits', {}).items():
        os.makedirs(osp.dirname(osp.join(root, rel)), exist_ok=True)
        with open(osp.join(root, rel), 'w') as f:
            f.write('\n'.join(stems) + '\n')
    return maps


def shrink(pipeline: List[dict]) -> List[dict]:
    """The pipeline with tiny scales and crops; every type must exist."""
    pipeline = copy.deepcopy(pipeline)
    for step in pipeline:
        try:
            TRANSFORMS.get(step['type'])
        except KeyError:
            pytest.skip(f'transform {step["type"]} is not implemented yet')
        if step['type'] == 'Albu':
            pytest.importorskip(
                'albumentations', reason='Albu needs albumentations'
            )
        if 'scale' in step:
            step['scale'] = (64, 32)
        for key in ('crop_size', 'size'):
            if key in step:
                step[key] = (16, 16)
    return pipeline


def set_root(dataset_cfg: dict, root: str, pipeline: bool = True) -> dict:
    """Point every dataset of a (wrapped) dataset config at ``root``, with
    the shrunk pipeline or none."""
    dataset_cfg = copy.deepcopy(dataset_cfg)
    if 'datasets' in dataset_cfg:
        dataset_cfg['datasets'] = [
            set_root(d, root, pipeline) for d in dataset_cfg['datasets']
        ]
    elif 'dataset' in dataset_cfg:
        dataset_cfg['dataset'] = set_root(
            dataset_cfg['dataset'], root, pipeline
        )
    else:
        dataset_cfg['data_root'] = root
        # skips the gc.collect of serialization (half a second each)
        dataset_cfg['serialize_data'] = False
        dataset_cfg['pipeline'] = (
            shrink(dataset_cfg['pipeline']) if pipeline else []
        )
    return dataset_cfg


def leaves(dataset) -> list:
    """The segmentation datasets inside wrappers."""
    if hasattr(dataset, 'datasets'):
        return [d for child in dataset.datasets for d in leaves(child)]
    if hasattr(dataset, 'dataset'):
        return leaves(dataset.dataset)
    return [dataset]


def build_model(num_classes: int, image_pairs: bool = False):
    model_cfg = copy.deepcopy(Config.fromfile(MODEL_CONFIG).model)
    model_cfg.decode_head.num_classes = num_classes
    model_cfg.auxiliary_head.num_classes = num_classes
    if image_pairs:  # change detection: both images, 6 channels
        model_cfg.backbone.in_channels = 6
        preprocessor = model_cfg.data_preprocessor
        preprocessor.update(
            mean=preprocessor.mean * 2,
            std=preprocessor.std * 2,
            bgr_to_rgb=False,
        )
    torch.manual_seed(0)
    return MODELS.build(model_cfg)


def relative(paths: List[str], root: str) -> List[str]:
    return [osp.relpath(p, root) for p in paths]


def run_case(name: str, root: str) -> Tuple[dict, list]:
    cfg = Config.fromfile(osp.join(DATASET_CONFIGS, name + '.py'))
    ds_type, num_classes, reduce_zero_label = EXPECTED[name]
    layout = LAYOUTS[name]
    maps = write_layout(root, layout, num_classes, reduce_zero_label)
    train_set = DATASETS.build(
        set_root(cfg.train_dataloader.dataset, root, pipeline=False)
    )
    test_set = DATASETS.build(
        set_root(cfg.test_dataloader.dataset, root, pipeline=False)
    )

    # the samples are exactly the files of the real layout
    train_leaves = leaves(train_set)
    assert {type(d).__name__ for d in train_leaves} <= {
        ds_type,
        'CityscapesDataset',
    }
    assert type(leaves(test_set)[0]).__name__ == ds_type
    listed = [
        (info['img_path'], info['seg_map_path'])
        for d in train_leaves
        for info in (d.get_data_info(i) for i in range(len(d)))
    ]
    assert sorted(tuple(relative(pair, root)) for pair in listed) == sorted(
        layout['train']
    )
    test_pairs = layout.get('test', layout['val'])
    assert [
        tuple(relative([i['img_path'], i['seg_map_path']], root))
        for i in (test_set.get_data_info(k) for k in range(len(test_set)))
    ] == [tuple(p) for p in test_pairs]
    meta = test_set.metainfo
    assert len(meta['classes']) == len(meta['palette']) == num_classes
    assert meta['reduce_zero_label'] is reduce_zero_label
    if 'second' in layout:
        info = test_set.get_data_info(0)
        assert info['img_path2'] == info['img_path'].replace(*layout['second'])

    # train pipeline -> preprocessor -> loss
    train_set = DATASETS.build(set_root(cfg.train_dataloader.dataset, root))
    test_set = DATASETS.build(set_root(cfg.test_dataloader.dataset, root))
    model = build_model(num_classes, image_pairs='second' in layout)
    batch = pseudo_collate([train_set[0], train_set[1]])
    data = model.data_preprocessor(batch, training=True)
    losses = model(**data, mode='loss')
    assert losses and all(
        torch.isfinite(v).all() for k, v in losses.items() if 'loss' in k
    )

    # test pipeline: the labels reach the metric unresized, reduced as the
    # dataset says
    model.eval()
    samples = [test_set[i] for i in range(len(test_set))]
    for sample, (_, seg) in zip(samples, test_pairs):
        gt = sample['data_samples'].gt_sem_seg.data[0].numpy()
        np.testing.assert_array_equal(
            gt, expected_labels(maps[seg], reduce_zero_label)
        )
    batch = pseudo_collate(samples)
    with torch.no_grad():
        outputs = model.test_step(batch)
    metric = METRICS.build(cfg.test_evaluator)
    metric.dataset_meta = meta
    metric.process(batch, outputs)
    results = metric.evaluate(len(outputs))

    # the visualizer draws image, ground truth and prediction side by side
    visualizer = VISUALIZERS.build(
        dict(
            type='SegLocalVisualizer',
            name=f'h5_{name}_{osp.basename(root)}',
            classes=meta['classes'],
            palette=meta['palette'],
        )
    )
    image = mmcv.imread(outputs[0].img_path, channel_order='rgb')
    out_file = osp.join(root, 'vis', 'sample.png')
    drawn = visualizer.add_datasample(
        'sample', image, outputs[0], out_file=out_file
    )
    assert drawn.shape == (MAP_SHAPE[0], 2 * MAP_SHAPE[1], 3)
    assert osp.isfile(out_file)

    # the test-time augmentation pipeline: one variant per combination
    # (6 scales x 2 flips in most configs)
    if 'tta_pipeline' in cfg:
        groups = cfg.tta_pipeline[-1]['transforms']
        variants = int(np.prod([len(group) for group in groups]))
        augmented = Compose(cfg.tta_pipeline)(
            copy.deepcopy(test_set.get_data_info(0))
        )
        assert (
            len(augmented['inputs'])
            == len(augmented['data_samples'])
            == variants
        )
        if variants == 12:
            flips = [s.flip for s in augmented['data_samples']]
            assert flips == [False, True] * 6
    return results, outputs


CASES = sorted(LAYOUTS)


def is_segmentation_config(name: str) -> bool:
    """Whether a dataset config's training set is a segmentation dataset
    (the folder holds the editing dataset configs too)."""
    from mmflow_ext.datasets import BaseSegDataset

    cfg = Config.fromfile(osp.join(DATASET_CONFIGS, f'{name}.py'))
    dataset = cfg.train_dataloader.dataset
    while 'datasets' in dataset or 'dataset' in dataset:
        dataset = (
            dataset['datasets'][0]
            if 'datasets' in dataset
            else dataset['dataset']
        )
    with DefaultScope.overwrite_default_scope('mmflow_ext'):
        return issubclass(DATASETS.get(dataset['type']), BaseSegDataset)


def test_every_dataset_config_is_covered():
    names = {
        f[:-3]
        for f in os.listdir(DATASET_CONFIGS)
        if f.endswith('.py') and is_segmentation_config(f[:-3])
    }
    assert names - NOT_TESTED_HERE == set(CASES) == set(EXPECTED)


@pytest.mark.parametrize('name', CASES)
def test_config_runs_on_its_layout(name, tmp_path):
    with DefaultScope.overwrite_default_scope('mmflow_ext'):
        results, outputs = run_case(name, str(tmp_path))
    gt = np.concatenate([o.gt_sem_seg.data.numpy().ravel() for o in outputs])
    pred = np.concatenate(
        [o.pred_sem_seg.data.numpy().ravel() for o in outputs]
    )
    for out in outputs:
        assert tuple(out.pred_sem_seg.shape) == MAP_SHAPE
    valid = gt != 255
    expected_acc = 100 * float((pred[valid] == gt[valid]).mean())
    assert results['aAcc'] == pytest.approx(expected_acc, abs=0.01)
