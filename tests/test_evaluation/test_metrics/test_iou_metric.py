# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``IoUMetric``: numbers, files and distributed evaluation."""

import json
import os.path as osp
import runpy
import shutil
import sys
import uuid
import warnings
from unittest.mock import patch

import cv2
import numpy as np
import pytest
import torch
from conftest import REPO_ROOT, run_tool
from mmengine.evaluator import Evaluator
from mmengine.logging import MMLogger
from mmengine.structures import PixelData

from mmflow_ext.evaluation import seg_result_files
from mmflow_ext.evaluation.metrics.iou_metric import IoUMetric, format_table
from mmflow_ext.evaluation.seg_result_files import save_label_png
from mmflow_ext.registry import METRICS
from mmflow_ext.structures.seg_data_sample import SegDataSample

CLASSES = ('road', 'car', 'sky')
# Valid (label, pred) pairs: (0, 0), (1, 1), (1, 2), (2, 2), (2, 2);
# per class: intersect [1, 1, 2], pred area [1, 1, 3], label area [1, 2, 2].
HAND_LABEL = [[0, 1, 1], [2, 255, 2]]
HAND_PRED = [[0, 1, 2], [2, 0, 2]]


def make_sample(pred, label=None, img_path='img.jpg', **metainfo):
    sample = SegDataSample(metainfo=dict(img_path=img_path, **metainfo))
    sample.pred_sem_seg = PixelData(data=torch.as_tensor(pred)[None])
    if label is not None:
        sample.gt_sem_seg = PixelData(data=torch.as_tensor(label)[None])
    return sample


def build_metric(classes=CLASSES, **kwargs):
    kwargs.setdefault('prefix', 'val')
    metric = IoUMetric(**kwargs)
    metric.dataset_meta = dict(classes=classes)
    return metric


def evaluate(metric, samples):
    metric.process({}, [s.to_dict() for s in samples])
    return metric.compute_metrics(metric.results)


@pytest.fixture
def log_file(tmp_path):
    """A current MMLogger writing to ``<tmp>/run/run.log``."""
    name = f'iou-test-{uuid.uuid4().hex}'
    path = tmp_path / 'run' / 'run.log'
    path.parent.mkdir()
    logger = MMLogger.get_instance(name, log_file=str(path))
    yield path
    for handler in logger.handlers:
        handler.close()
    MMLogger._instance_dict.pop(name)


def test_registered_under_the_package_scope():
    metric = METRICS.build(dict(type='mmflow_ext.IoUMetric', prefix='val'))
    assert isinstance(metric, IoUMetric)
    assert metric.ignore_index == 255 and metric.metrics == ['mIoU']
    assert metric.nan_to_num is None and metric.beta == 1


def test_hand_computed_metrics_of_all_families():
    metric = build_metric(iou_metrics=['mIoU', 'mDice', 'mFscore'])
    metrics = evaluate(metric, [make_sample(HAND_PRED, HAND_LABEL)])
    # IoU 1, 1/2, 2/3; Acc 1, 1/2, 1; Dice 1, 2/3, 4/5;
    # Precision 1, 1, 2/3; Recall = Acc; Fscore = Dice (beta=1)
    assert metrics == {
        'aAcc': 80.0,
        'mIoU': 72.22,
        'mAcc': 83.33,
        'mDice': 82.22,
        'mFscore': 82.22,
        'mPrecision': 88.89,
        'mRecall': 83.33,
    }


def test_beta_and_single_family():
    metric = build_metric(iou_metrics='mFscore', beta=2)
    metrics = evaluate(metric, [make_sample(HAND_PRED, HAND_LABEL)])
    # F2 = 5 TP / (4 (TP + FN) + TP + FP) = 1, 5/9, 10/11
    assert metrics == {
        'aAcc': 80.0,
        'mFscore': 82.15,
        'mPrecision': 88.89,
        'mRecall': 83.33,
    }


def test_data_samples_and_dicts_give_the_same_counts():
    as_dicts = build_metric()
    as_samples = build_metric()
    sample = make_sample(HAND_PRED, HAND_LABEL)
    as_dicts.process({}, [sample.to_dict()])
    as_samples.process({}, [sample])
    np.testing.assert_array_equal(as_dicts.results[0], as_samples.results[0])
    np.testing.assert_array_equal(
        as_dicts.results[0], [[1, 1, 2], [1, 1, 3], [1, 2, 2]]
    )


def test_counts_are_pooled_over_the_dataset():
    # image 1: 1 of 1 road pixel right; image 2: 1 of 3 right.
    # pooled Acc(road) = 2/4 = 50 %, per-image average would be 66.67 %.
    samples = [
        make_sample([[0]], [[0]]),
        make_sample([[0, 1, 1]], [[0, 0, 0]]),
    ]
    metrics = evaluate(build_metric(classes=('road', 'car')), samples)
    assert metrics == {'aAcc': 50.0, 'mIoU': 25.0, 'mAcc': 50.0}


def test_absent_classes_skipped_and_table_logged(log_file):
    # road hit, car only labelled, sky only predicted, bus absent everywhere
    classes = ('road', 'car', 'sky', 'bus')
    sample = make_sample(
        [[0, 0, 2, 2], [0, 2, 1, 1]], [[0, 1, 1, 255], [0, 0, 255, 255]]
    )
    metric = build_metric(classes=classes, iou_metrics=['mIoU', 'mFscore'])
    metrics = evaluate(metric, [sample])
    # IoU: road 2/4, car 0/2, sky 0/2, bus NaN (skipped)
    # Acc: road 2/3, car 0/2, sky NaN, bus NaN
    # Fscore: road 2/3, car 0, sky 0 (never hit), bus NaN
    assert metrics == {
        'aAcc': 40.0,
        'mIoU': 16.67,
        'mAcc': 33.33,
        'mFscore': 22.22,
        'mPrecision': 33.33,
        'mRecall': 33.33,
    }
    log = log_file.read_text()
    assert '| Class | IoU   | Acc   | Fscore | Precision | Recall |' in log
    assert '| road  | 50.00 | 66.67 | 66.67  | 66.67     | 66.67  |' in log
    assert '| bus   | nan   | nan   | nan    | nan       | nan    |' in log


def test_nan_to_num_changes_the_table_not_the_means(log_file):
    sample = make_sample([[0, 1]], [[0, 0]])
    plain = evaluate(build_metric(classes=('road', 'car', 'sky')), [sample])
    replaced = build_metric(classes=('road', 'car', 'sky'), nan_to_num=-1)
    assert (
        evaluate(replaced, [sample])
        == plain
        == {'aAcc': 50.0, 'mIoU': 25.0, 'mAcc': 50.0}
    )
    assert '| sky   | -1.00 | -1.00 |' in log_file.read_text()


def test_sums_beyond_float32_are_exact():
    metric = build_metric(classes=('road', 'car'))
    big = 2**24 + 1
    entry = np.array([[big, 0], [big, 1], [big + 1, 0]])
    total = metric.total_areas([entry, entry, entry])
    assert total.dtype == np.int64
    np.testing.assert_array_equal(
        total, [[3 * big, 0], [3 * big, 3], [3 * big + 3, 0]]
    )
    # float32 would have lost these units
    assert float(np.float32(3 * big + 3)) != 3 * big + 3


def test_retained_entry_is_small_and_independent_of_image_size():
    metric = build_metric(classes=tuple(str(i) for i in range(19)))
    for side in (8, 256):
        label = torch.randint(0, 19, (side, side))
        metric.process({}, [make_sample(label, label)])
    small, large = metric.results
    assert small.dtype == np.int64
    assert small.nbytes == large.nbytes == 3 * 19 * 8


def test_out_of_range_labels_raise():
    metric = build_metric()
    with pytest.raises(ValueError, match=r'label .* \{3: 1, 9: 2\}'):
        metric.process({}, [make_sample([[0, 0, 0, 0]], [[0, 3, 9, 9]])])


def test_missing_dataset_meta_raises():
    metric = IoUMetric(prefix='val')
    with pytest.raises(ValueError, match=r'dataset_meta\["classes"\]'):
        metric.process({}, [make_sample(HAND_PRED, HAND_LABEL).to_dict()])


def test_missing_ground_truth_raises():
    with pytest.raises(
        KeyError,
        match=r'"gt_sem_seg" is not in an IoUMetric sample; keys '
        r'present: \[.*pred_sem_seg.*\]',
    ):
        build_metric().process({}, [make_sample(HAND_PRED).to_dict()])


def test_unknown_metric_and_format_only_without_dir_raise():
    with pytest.raises(KeyError, match=r"iou_metrics \['mAP'\]"):
        IoUMetric(iou_metrics=['mIoU', 'mAP'])
    with pytest.raises(ValueError, match='format_only=True.*output_dir'):
        IoUMetric(format_only=True)


def test_format_only_writes_pngs_and_keeps_nothing(tmp_path):
    out = tmp_path / 'preds'
    metric = build_metric(format_only=True, output_dir=str(out))
    samples = [
        make_sample([[0, 0]], img_path='/data/c/old.png'),
        make_sample([[0, 2]], img_path='/data/a/frame_01.jpg'),
        make_sample(
            [[1, 2]], img_path='/data/b/frame_02.png', reduce_zero_label=True
        ),
    ]
    metric.process({}, [s.to_dict() for s in samples])
    assert metric.num_written == 3
    with patch.object(seg_result_files, 'print_log') as log:
        assert metric.compute_metrics(metric.results) == {}
    assert f'3 predictions are saved to {out}' in log.call_args_list[0][0][0]
    assert metric.num_written == 0  # counted afresh for the next run
    assert metric.results == []
    assert sorted(p.name for p in out.iterdir()) == [
        'frame_01.png',
        'frame_02.png',
        'old.png',
    ]
    first = cv2.imread(str(out / 'frame_01.png'), cv2.IMREAD_UNCHANGED)
    second = cv2.imread(str(out / 'frame_02.png'), cv2.IMREAD_UNCHANGED)
    assert first.dtype == np.uint8 and first.tolist() == [[0, 2]]
    assert second.tolist() == [[2, 3]]  # reduce_zero_label: + 1


def test_output_dir_without_format_only_also_evaluates(tmp_path):
    metric = build_metric(output_dir=str(tmp_path))
    metrics = evaluate(metric, [make_sample(HAND_PRED, HAND_LABEL)])
    assert metrics['mIoU'] == 72.22
    saved = cv2.imread(str(tmp_path / 'img.png'), cv2.IMREAD_UNCHANGED)
    assert saved.tolist() == HAND_PRED


def test_output_dir_needs_img_path(tmp_path):
    sample = make_sample(HAND_PRED, HAND_LABEL).to_dict()
    del sample['img_path']
    with pytest.raises(KeyError, match='"img_path", which is missing'):
        build_metric(output_dir=str(tmp_path)).process({}, [sample])


def test_label_pngs_never_wrap(tmp_path):
    path = str(tmp_path / 'wide.png')
    save_label_png(path, np.array([[255, 256, 65535]]))
    saved = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    assert saved.dtype == np.uint16
    assert saved.tolist() == [[255, 256, 65535]]
    with pytest.raises(ValueError, match=r'labels in \[0, 65536\]'):
        save_label_png(path, np.array([[0, 65536]]))
    with pytest.raises(ValueError, match=r'labels in \[-1, 3\]'):
        save_label_png(path, np.array([[-1, 3]]))


def test_format_table_aligns_columns():
    assert format_table(['Class', 'IoU'], [['a', 1.0], ['long', 'nan']]) == (
        '+-------+------+\n'
        '| Class | IoU  |\n'
        '+-------+------+\n'
        '| a     | 1.00 |\n'
        '| long  | nan  |\n'
        '+-------+------+'
    )


def test_confusion_matrix_outputs(tmp_path):
    samples = [
        make_sample(HAND_PRED, HAND_LABEL),
        make_sample([[2, 2]], [[0, 1]]),
    ]
    with_matrix = build_metric(
        iou_metrics=['mIoU', 'mDice'],
        confusion_matrix=True,
        confusion_matrix_dir=str(tmp_path / 'cm'),
    )
    metrics = evaluate(with_matrix, samples)
    assert metrics == {
        'aAcc': 57.14,
        'mIoU': 41.11,
        'mAcc': 61.11,
        'mDice': 57.94,
    }
    expected = np.array([[1, 0, 1], [0, 1, 2], [0, 0, 2]])
    np.testing.assert_array_equal(with_matrix.last_confusion_matrix, expected)
    saved = np.load(tmp_path / 'cm' / 'confusion_matrix.npy')
    assert saved.dtype == np.int64
    np.testing.assert_array_equal(saved, expected)
    image = cv2.imread(str(tmp_path / 'cm' / 'confusion_matrix.png'))
    assert image is not None and image.shape[0] > 3 * 40
    # the sparse per-sample entries give the same numbers as the areas
    plain = build_metric(iou_metrics=['mIoU', 'mDice'])
    assert evaluate(plain, samples) == metrics
    assert with_matrix.results[1].tolist() == [[2, 5], [1, 1]]


def test_confusion_matrix_defaults_to_the_log_folder(log_file):
    metric = build_metric(confusion_matrix=True)
    evaluate(metric, [make_sample(HAND_PRED, HAND_LABEL)])
    assert (log_file.parent / 'confusion_matrix.npy').is_file()
    assert (log_file.parent / 'confusion_matrix.png').is_file()


DIST_SCRIPT = '''
import json
import os.path as osp
import sys

import numpy as np
import torch
from mmengine.dataset import DefaultSampler
from mmengine.dist import get_rank, get_world_size
from mmengine.evaluator import Evaluator
from mmengine.structures import PixelData

from mmflow_ext.compat import init_distributed  # gloo on CPU-only hosts
from mmflow_ext.evaluation.metrics.iou_metric import IoUMetric
from mmflow_ext.structures.seg_data_sample import SegDataSample

NUM_SAMPLES = 7  # odd: the sampler of 2 processes pads with sample 0
CLASSES = ('a', 'b', 'c', 'd', 'e')


def fixed_prediction(index):
    """What a fake model predicts for sample ``index``, with its GT."""
    g = torch.Generator().manual_seed(index)
    shape = (1, 4 + index, 9 - index % 3)
    label = torch.randint(0, 5, shape, generator=g)
    label[torch.rand(shape, generator=g) < 0.1] = 255
    pred = torch.where(
        torch.rand(shape, generator=g) < 0.6, label.clamp(max=4),
        torch.randint(0, 5, shape, generator=g))
    sample = SegDataSample(metainfo=dict(img_path=f'{index}.jpg'))
    sample.gt_sem_seg = PixelData(data=label)
    sample.pred_sem_seg = PixelData(data=pred)
    return sample


def evaluate(indices_of_rank, out_dir, size=NUM_SAMPLES):
    evaluator = Evaluator(
        IoUMetric(
            iou_metrics=['mIoU', 'mDice', 'mFscore'],
            prefix='val',
            confusion_matrix=True,
            confusion_matrix_dir=out_dir))
    evaluator.dataset_meta = dict(classes=CLASSES)
    for start in range(0, len(indices_of_rank), 2):
        batch = indices_of_rank[start:start + 2]
        evaluator.process([fixed_prediction(i) for i in batch])
    return evaluator.evaluate(size)


if __name__ == '__main__':
    init_distributed('pytorch', backend='gloo')
    sampler = DefaultSampler(list(range(NUM_SAMPLES)), shuffle=False)
    indices = list(sampler)
    metrics = evaluate(indices, sys.argv[1])
    if get_rank() == 0:
        with open(osp.join(sys.argv[1], 'metrics.json'), 'w') as f:
            json.dump(dict(metrics=metrics, world_size=get_world_size(),
                           indices=indices), f)
    torch.distributed.destroy_process_group()  # a clean exit on both ranks
'''


@pytest.mark.slow
def test_two_processes_equal_one_process(tmp_path):
    script = tmp_path / 'iou_dist_eval.py'
    script.write_text(DIST_SCRIPT)
    module = runpy.run_path(str(script), run_name='iou_dist_eval')
    single_dir, dist_dir = tmp_path / 'single', tmp_path / 'dist'
    single_dir.mkdir()
    dist_dir.mkdir()
    single = module['evaluate'](list(range(7)), str(single_dir))
    # counting the padded duplicate would change the numbers
    padded = module['evaluate'](list(range(7)) + [0], str(tmp_path), size=8)
    assert padded != single

    torchrun = shutil.which('torchrun') or osp.join(
        osp.dirname(sys.executable), 'torchrun'
    )
    result = run_tool(
        [
            torchrun,
            '--standalone',
            '--nproc_per_node=2',
            str(script),
            str(dist_dir),
        ],
        cwd=REPO_ROOT,
        timeout=120,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-8000:]
    report = json.loads((dist_dir / 'metrics.json').read_text())
    assert report['world_size'] == 2
    assert report['indices'] == [0, 2, 4, 6]
    assert report['metrics'] == single
    np.testing.assert_array_equal(
        np.load(dist_dir / 'confusion_matrix.npy'),
        np.load(single_dir / 'confusion_matrix.npy'),
    )


def test_evaluator_drops_padding_in_one_process():
    # the same truncation, without processes: entries stay one per sample
    metric = build_metric(classes=('a', 'b'))
    evaluator = Evaluator(metric)
    evaluator.dataset_meta = dict(classes=('a', 'b'))
    evaluator.process([make_sample([[0, 1]], [[0, 1]])])
    evaluator.process([make_sample([[1, 1]], [[0, 0]])])  # padding
    assert evaluator.evaluate(1) == {
        'val/aAcc': 100.0,
        'val/mIoU': 100.0,
        'val/mAcc': 100.0,
    }


def test_ignore_index_inside_the_classes_is_warned_about():
    metric = IoUMetric(ignore_index=1)
    with pytest.warns(
        UserWarning,
        match=r'IoUMetric\(ignore_index=1\) is the label of class "car" '
        r'\(classes 0\.\.2\)',
    ):
        metric.dataset_meta = dict(classes=CLASSES)
    # what it hides: every "car" pixel predicted wrong, yet mIoU is 100
    sample = make_sample([[0, 0, 2]], [[0, 1, 2]])
    assert evaluate(metric, [sample])['mIoU'] == 100.0
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        IoUMetric().dataset_meta = dict(classes=CLASSES)
        IoUMetric(ignore_index=3).dataset_meta = dict(classes=CLASSES)
        IoUMetric(ignore_index=-1).dataset_meta = dict(classes=CLASSES)
