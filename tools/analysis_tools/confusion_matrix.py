# Copyright (c) mmflow_ext contributors. All rights reserved.
"""The confusion matrix of saved segmentation predictions.

Predictions are the label PNGs that ``tools/test.py CONFIG CKPT --out DIR``
(or an ``IoUMetric`` with ``output_dir``) writes; the ground truth is read
through the config's test pipeline, so ``reduce_zero_label`` and label maps
apply as in evaluation. Writes ``confusion_matrix.npy`` (``int64`` counts,
rows ground truth) and a labelled ``confusion_matrix.png`` (row
percentages) to ``--out-dir``.

Examples::

    python tools/test.py CONFIG CKPT --out preds
    python tools/analysis_tools/confusion_matrix.py CONFIG preds \\
        --out-dir confusion
"""

import argparse
import os.path as osp

import cv2
import numpy as np
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.utils import ProgressBar

import mmflow_ext  # noqa: F401  (version checks, the mmflow_ext:: prefix)
from mmflow_ext.evaluation.functional.seg_metrics import confusion_matrix
from mmflow_ext.evaluation.seg_result_files import (
    prediction_path,
    save_confusion_matrix,
)
from mmflow_ext.registry import DATASETS


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Confusion matrix of saved prediction PNGs against the '
        'ground truth of a config\'s test dataset'
    )
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        'prediction_dir',
        help='folder of the prediction PNGs written by tools/test.py --out',
    )
    parser.add_argument(
        '--out-dir',
        required=True,
        help='folder receiving confusion_matrix.npy and confusion_matrix.png',
    )
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, `key=value` pairs',
    )
    return parser.parse_args()


def read_prediction(path: str, shape: tuple) -> np.ndarray:
    """The labels of one prediction PNG.

    Args:
        path (str): The PNG.
        shape (tuple): ``(H, W)`` of its ground truth.

    Returns:
        np.ndarray: ``H×W`` labels.

    Raises:
        FileNotFoundError: When the file is missing or not an image.
        ValueError: When its size differs from the ground truth's.
    """
    labels = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if labels is None:
        raise FileNotFoundError(f'no prediction PNG at {path}')
    if labels.shape[:2] != tuple(shape):
        raise ValueError(
            f'prediction {path} is {labels.shape[:2]}, its '
            f'ground truth {tuple(shape)}'
        )
    return labels


def dataset_confusion_matrix(dataset, prediction_dir: str) -> np.ndarray:
    """Sum the confusion counts of every sample of ``dataset``.

    Args:
        dataset (BaseSegDataset): The test dataset (with its pipeline).
        prediction_dir (str): Where the predictions were written.

    Returns:
        np.ndarray: ``(C, C)`` ``int64`` counts, rows ground truth.
    """
    num_classes = len(dataset.metainfo['classes'])
    ignore_index = dataset.ignore_index
    total = np.zeros((num_classes, num_classes), np.int64)
    progress = ProgressBar(len(dataset))
    for index in range(len(dataset)):
        sample = dataset[index]['data_samples']
        gt = sample.gt_sem_seg.data.numpy()[0]
        path = prediction_path(
            prediction_dir,
            sample.img_path,
            sample.metainfo.get('seg_map_path'),
        )
        pred = read_prediction(path, gt.shape)
        total += confusion_matrix(
            pred.astype(np.int64),
            gt.astype(np.int64),
            num_classes,
            ignore_index,
        ).numpy()
        progress.update()
    return total


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmflow_ext'))
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    matrix = dataset_confusion_matrix(dataset, args.prediction_dir)
    save_confusion_matrix(matrix, dataset.metainfo['classes'], args.out_dir)
    accuracy = 100 * np.trace(matrix) / max(int(matrix.sum()), 1)
    print(
        f'\nsaved the confusion matrix of {len(dataset)} predictions to '
        f'{osp.abspath(args.out_dir)} (pixel accuracy {accuracy:.2f})'
    )


if __name__ == '__main__':
    main()
