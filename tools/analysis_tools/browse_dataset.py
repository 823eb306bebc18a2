# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Draw what a config's data pipeline produces, one PNG per sample.

The samples go through the dataset and pipeline exactly as in training (or
validation/testing with ``--phase``) and are drawn by the config's own
visualizer with no prediction: image and ground-truth mask for
segmentation, the packed input next to ``gt_img`` for editing.

Examples::

    python tools/analysis_tools/browse_dataset.py CONFIG --output-dir browse
    python tools/analysis_tools/browse_dataset.py CONFIG --phase val \\
        --show-number 10 --output-dir browse
"""

import argparse
import os.path as osp
from typing import Any

import cv2
import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.utils import ProgressBar

import mmflow_ext  # noqa: F401  (version checks, the mmflow_ext:: prefix)
from mmflow_ext.compat.atomic_write import atomic_write_bytes
from mmflow_ext.registry import DATASETS, VISUALIZERS

PHASES = ('train', 'val', 'test')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Save the samples a config\'s data pipeline produces as '
        'PNG images, drawn by the config\'s visualizer'
    )
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--output-dir',
        required=True,
        help='folder receiving one <index>_<file name>.png per sample',
    )
    parser.add_argument(
        '--phase',
        default='train',
        choices=PHASES,
        help='which dataloader\'s dataset and pipeline to draw '
        '(default: train)',
    )
    parser.add_argument(
        '--show-number',
        type=int,
        default=8,
        help='how many samples to draw, from the first (default: 8)',
    )
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, `key=value` pairs',
    )
    return parser.parse_args()


def to_numpy_image(inputs: Any) -> np.ndarray:
    """A packed ``C×H×W`` (or ``T×C×H×W``) input as an ``H×W×C`` RGB array.

    Args:
        inputs (torch.Tensor): Packed input in BGR order.

    Returns:
        np.ndarray: ``H×W×3`` uint8 (frames stacked vertically).
    """
    tensor = torch.as_tensor(inputs)
    if tensor.ndim == 4:
        tensor = torch.cat(list(tensor), dim=1)
    array = tensor.permute(1, 2, 0).numpy()
    if array.dtype != np.uint8:
        array = np.clip(np.rint(array), 0, 255).astype(np.uint8)
    if array.shape[2] == 1:
        array = np.repeat(array, 3, axis=2)
    return np.ascontiguousarray(array[..., ::-1])


def draw_sample(visualizer: Any, item: dict, out_file: str) -> None:
    """Draw one packed sample with ``visualizer`` into ``out_file``.

    A visualizer that draws rows of named fields (``draw_row``, e.g.
    ConcatImageVisualizer) gets the packed input as the ``img`` / ``input``
    fields; one with MMSegmentation's ``add_datasample(name, image,
    data_sample, draw_pred=..., out_file=...)`` draws the image and ground
    truth itself.

    Args:
        visualizer (Visualizer): The config's visualizer.
        item (dict): ``{'inputs': ..., 'data_samples': ...}``.
        out_file (str): The PNG to write.
    """
    sample = item['data_samples']
    if hasattr(visualizer, 'draw_row'):
        inputs = item['inputs']
        row = visualizer.draw_row(
            sample, extra_images={'img': inputs, 'input': inputs}
        )
        ok, png = cv2.imencode('.png', np.ascontiguousarray(row[..., ::-1]))
        if not ok:
            raise RuntimeError(f'could not encode the PNG for {out_file}')
        atomic_write_bytes(png.tobytes(), out_file)
    else:
        visualizer.add_datasample(
            osp.basename(out_file),
            to_numpy_image(item['inputs']),
            sample,
            draw_gt=True,
            draw_pred=False,
            show=False,
            out_file=out_file,
        )


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmflow_ext'))
    loader = cfg.get(f'{args.phase}_dataloader')
    if not loader:
        raise SystemExit(
            f'error: {args.config} has no {args.phase}_dataloader'
        )
    dataset = DATASETS.build(loader['dataset'])
    visualizer = VISUALIZERS.build(
        dict(cfg.visualizer, name='browse_dataset', vis_backends=None)
    )
    visualizer.dataset_meta = dataset.metainfo
    count = min(args.show_number, len(dataset))
    progress = ProgressBar(count)
    for index in range(count):
        item = dataset[index]
        path = item['data_samples'].metainfo.get('img_path') or item[
            'data_samples'
        ].metainfo.get('gt_path', f'sample{index}')
        stem = osp.splitext(osp.basename(str(path)))[0]
        draw_sample(
            visualizer,
            item,
            osp.join(args.output_dir, f'{index:04d}_{stem}.png'),
        )
        progress.update()
    print(f'\nsaved {count} {args.phase} samples to {args.output_dir}')


if __name__ == '__main__':
    main()
