# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Predict image files with a trained model and save the results as PNGs.

Segmentation models write the predicted mask coloured with the dataset
palette, editing models the restored image, each as ``<stem>.png`` in the
output folder. Each file is written atomically, and an output that would
replace one of the input images is refused before anything is written.

Examples::

    python tools/infer.py CONFIG CHECKPOINT demo.jpg --out-dir out
    python tools/infer.py CONFIG CHECKPOINT images/ more.png --out-dir out \\
        --batch-size 8
"""

import argparse
import os
import os.path as osp
from typing import Dict, List

import cv2
from mmengine.utils import ProgressBar

import mmflow_ext  # noqa: F401  (version checks)
from mmflow_ext.apis import inference_model, init_model, result_to_image
from mmflow_ext.compat import atomic_write_bytes
from mmflow_ext.engine.tool_args import (
    add_config_arguments,
    add_partial_load_argument,
)

#: file extensions read from an input folder
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Predict images and save coloured masks (segmentation) '
        'or restored images (editing)'
    )
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        'inputs',
        nargs='+',
        metavar='INPUT',
        help='image files, or folders whose image files (not sub-folders) '
        'are predicted',
    )
    parser.add_argument(
        '--out-dir',
        required=True,
        help='folder receiving one <stem>.png per input image',
    )
    parser.add_argument(
        '--device', default='cpu', help='device of the model, e.g. cuda:0'
    )
    parser.add_argument(
        '--batch-size',
        type=int,
        default=1,
        help='images per forward pass (they may differ in size)',
    )
    add_partial_load_argument(parser)
    add_config_arguments(parser)
    return parser.parse_args()


def collect_images(inputs: List[str]) -> List[str]:
    """The image files named by ``inputs``, folders expanded (sorted).

    Args:
        inputs (list[str]): Files and folders.

    Returns:
        list[str]: Image file paths.

    Raises:
        FileNotFoundError: When an input does not exist.
        ValueError: When a folder holds no image file.
    """
    paths = []
    for item in inputs:
        if osp.isdir(item):
            found = sorted(
                osp.join(item, name)
                for name in os.listdir(item)
                if name.lower().endswith(IMAGE_EXTENSIONS)
                and osp.isfile(osp.join(item, name))
            )
            if not found:
                raise ValueError(
                    f'input folder {item} holds no image file '
                    f'({", ".join(IMAGE_EXTENSIONS)})'
                )
            paths.extend(found)
        elif osp.isfile(item):
            paths.append(item)
        else:
            raise FileNotFoundError(f'input {item} does not exist')
    return paths


def output_paths(images: List[str], out_dir: str) -> List[str]:
    """``<out_dir>/<stem>.png`` for every image.

    Args:
        images (list[str]): Image files.
        out_dir (str): Output folder.

    Returns:
        list[str]: One output path per image.

    Raises:
        ValueError: When two images would be written to the same file, or
            an output would replace an input image.
    """
    inputs = {osp.realpath(path): path for path in images}
    owners: Dict[str, str] = {}
    outputs = []
    for path in images:
        out = osp.join(out_dir, osp.splitext(osp.basename(path))[0] + '.png')
        if out in owners:
            raise ValueError(
                f'inputs {owners[out]} and {path} would both be '
                f'written to {out}; rename one of them'
            )
        if osp.realpath(out) in inputs:
            raise ValueError(
                f'the result of {path} would overwrite the input image '
                f'{inputs[osp.realpath(out)]}; choose an --out-dir that '
                'holds no input image'
            )
        owners[out] = path
        outputs.append(out)
    return outputs


def main() -> None:
    args = parse_args()
    if args.batch_size < 1:
        raise SystemExit(
            f'error: --batch-size must be >= 1, got {args.batch_size}'
        )
    images = collect_images(args.inputs)
    outputs = output_paths(images, args.out_dir)
    model = init_model(
        args.config,
        args.checkpoint,
        device=args.device,
        cfg_options=args.cfg_options,
        trust_checkpoint=args.trust_checkpoint,
        allow_partial_load=args.allow_partial_load,
    )
    os.makedirs(args.out_dir, exist_ok=True)
    progress = ProgressBar(len(images)) if len(images) > 1 else None
    for start in range(0, len(images), args.batch_size):
        batch = images[start : start + args.batch_size]
        results = inference_model(model, batch)
        for result, out in zip(results, outputs[start : start + len(batch)]):
            encoded, png = cv2.imencode(
                '.png', result_to_image(result, model.dataset_meta)
            )
            if not encoded:
                raise OSError(f'could not encode the result for {out}')
            atomic_write_bytes(png.tobytes(), out)
            if progress is not None:
                progress.update()
    if progress is not None:
        print()
    print(f'{len(images)} result image(s) written to {args.out_dir}')


if __name__ == '__main__':
    main()
