# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Measure inference speed: images per second through the test dataloader,
the data preprocessor and the model's ``predict``.

The first ``--num-warmup`` batches are not timed. Use ``--checkpoint`` to
time the trained weights (speed rarely depends on them).

Examples::

    python tools/analysis_tools/benchmark.py CONFIG
    python tools/analysis_tools/benchmark.py CONFIG --checkpoint CKPT \\
        --num-images 200 --device cuda
"""

import argparse
import time
from typing import Any, Dict, Iterator

import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import mmflow_ext  # noqa: F401  (version checks, the mmflow_ext:: prefix)
from mmflow_ext.compat.checkpoint import load_checkpoint_file
from mmflow_ext.registry import MODELS


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Images per second of a config\'s model on its test '
        'dataloader (data loading, preprocessing and predict)'
    )
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--checkpoint', help='weights to load (default: initial weights)'
    )
    parser.add_argument(
        '--num-images',
        type=int,
        default=100,
        help='images to time, after the warm-up (default: 100)',
    )
    parser.add_argument(
        '--num-warmup',
        type=int,
        default=5,
        help='batches run before timing starts (default: 5)',
    )
    parser.add_argument(
        '--device', default='cpu', help='device of the model, e.g. cuda:0'
    )
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, `key=value` pairs',
    )
    return parser.parse_args()


def measure(
    model: torch.nn.Module, loader: Any, num_images: int, num_warmup: int
) -> Dict[str, float]:
    """Time ``model.test_step`` over batches of ``loader``.

    Args:
        model (BaseModel): The model, in eval mode.
        loader (Iterable): Yields collated batches.
        num_images (int): Images to time after the warm-up; the loader is
            cycled when it holds fewer.
        num_warmup (int): Batches run first and not timed.

    Returns:
        dict: ``images``, ``seconds`` and ``images_per_second``.
    """

    def batches() -> Iterator[dict]:
        while True:
            yield from loader

    stream = batches()
    with torch.no_grad():
        for _ in range(num_warmup):
            model.test_step(next(stream))
        done = 0
        start = time.perf_counter()
        while done < num_images:
            batch = next(stream)
            model.test_step(batch)
            done += len(batch['inputs'])
    seconds = time.perf_counter() - start
    return dict(images=done, seconds=seconds, images_per_second=done / seconds)


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmflow_ext'))
    model = MODELS.build(cfg.model).to(args.device).eval()
    if args.checkpoint:
        checkpoint = load_checkpoint_file(args.checkpoint, 'cpu')
        model.load_state_dict(checkpoint.get('state_dict', checkpoint))
    loader = Runner.build_dataloader(cfg.test_dataloader)
    result = measure(model, loader, args.num_images, args.num_warmup)
    print(
        f'{result["images"]} images in {result["seconds"]:.2f} s: '
        f'{result["images_per_second"]:.1f} images/s on {args.device}'
    )


if __name__ == '__main__':
    main()
