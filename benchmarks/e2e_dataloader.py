# Copyright (c) mmflow_ext contributors. All rights reserved.
"""End to end: the main job's training dataloader through the preprocessor.

The train dataloader and ``SegDataPreProcessor`` of
``configs/segmentation/fcn-compactcnn_400it_shapes.py`` at 512×1024: the
embedded shapes dataset is written as real JPEG/PNG files under
``--data-root`` (reused on later runs), and the pipeline's resize and crop
sizes are raised to 512×1024. Everything else is the config's.

Two packers run the same pipeline:

- ``ours``: ``PackSegInputs`` (a CHW view of a private HWC copy of the
  image, uint8 labels);
- ``straightforward``: a contiguous CHW copy of the image and int64
  labels, what a direct port ships from a worker.

For each, it reports

1. images/s of the DataLoader plus preprocessor at ``num_workers`` 0 and
   2 (after warm-up batches), with the main process's share of the time;
2. where the time goes per image, measured stage by stage in this process
   with the same random draws: load, transforms, pack, collate, the
   worker → main transfer (pickling the batch into shared memory as a
   worker's queue does and unpickling it) and preprocess;
3. the bytes that cross the worker → main boundary per batch: the shared
   memory of every tensor storage (whole storages travel, not views) and
   the pickle stream.

Both packers' preprocessed batches must be identical.

Run ``python benchmarks/e2e_dataloader.py [--tiny] [--markdown FILE]``.
"""

import argparse
import copy
import hashlib
import os
import os.path as osp
import pickle
import random
import statistics
import time
from multiprocessing.reduction import ForkingPickler
from typing import Dict, Iterator, Optional, Tuple

import numpy as np
import torch
import torch.multiprocessing  # noqa: F401  (tensor reductions)
from mmcv.transforms import BaseTransform
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmflow_ext.registry import DATASETS, MODELS

HERE = osp.dirname(osp.abspath(__file__))
REPO_ROOT = osp.dirname(HERE)
CONFIG = osp.join(
    REPO_ROOT, 'configs', 'segmentation', 'fcn-compactcnn_400it_shapes.py'
)
STAGES = ('load', 'transforms', 'pack', 'collate', 'transfer', 'preprocess')


class StraightforwardPack(BaseTransform):
    """The direct packing: contiguous CHW image copy, int64 labels."""

    def __init__(self, meta_keys):
        self.meta_keys = meta_keys

    def transform(self, results: dict) -> dict:
        from mmengine.structures import PixelData

        from mmflow_ext.structures import SegDataSample

        img = np.ascontiguousarray(results['img'].transpose(2, 0, 1))
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(
            data=torch.from_numpy(results['gt_seg_map'][None].astype(np.int64))
        )
        sample.set_metainfo(
            {k: results[k] for k in self.meta_keys if k in results}
        )
        return dict(inputs=torch.from_numpy(img), data_samples=sample)


class TimedTransform:
    """A transform that adds its run time to ``totals[stage]``."""

    def __init__(self, transform, stage: str, totals: Dict[str, float]):
        self.transform = transform
        self.stage = stage
        self.totals = totals

    def __call__(self, results: dict) -> Optional[dict]:
        start = time.perf_counter()
        out = self.transform(results)
        self.totals[self.stage] += time.perf_counter() - start
        return out


def stage_of(transform) -> str:
    """``load``, ``pack`` or ``transforms`` for a pipeline step."""
    name = type(transform).__name__
    if name.startswith('Load'):
        return 'load'
    if name.startswith('Pack') or isinstance(transform, StraightforwardPack):
        return 'pack'
    return 'transforms'


def load_config(
    data_root: str, height: int, width: int, num_train: int, batch_size: int
) -> Config:
    """The main job's config at ``height``×``width`` under ``data_root``."""
    cfg = Config.fromfile(CONFIG)
    loader = cfg.train_dataloader
    loader.batch_size = batch_size
    loader.dataset.data_root = data_root
    loader.dataset.image_size = (height, width)
    loader.dataset.num_train = num_train
    loader.dataset.num_val = 0
    for step in loader.dataset.pipeline:
        if step.type == 'RandomResize':
            step.scale = (width, height)  # mmcv scales are (w, h)
        elif step.type == 'RandomCrop':
            step.crop_size = (height, width)
    return cfg


def build_dataset(cfg: Config, packer: str):
    """The training dataset, its last step replaced for ``straightforward``."""
    dataset = DATASETS.build(copy.deepcopy(cfg.train_dataloader.dataset))
    if packer == 'straightforward':
        pack = dataset.pipeline.transforms[-1]
        dataset.pipeline.transforms[-1] = StraightforwardPack(pack.meta_keys)
    return dataset


def storage_bytes(batch: dict) -> Tuple[int, int]:
    """Bytes of the distinct tensor storages in a batch, and of the tensors.

    The first is what moves into shared memory when the batch leaves a
    worker; the second is what the batch needs. They differ when a tensor
    views part of a larger buffer.
    """
    storages, payload = {}, 0
    tensors = list(batch['inputs'])
    for sample in batch['data_samples']:
        tensors += [
            value.data for value in sample.values() if hasattr(value, 'data')
        ]
    for tensor in tensors:
        storage = tensor.untyped_storage()
        storages[storage.data_ptr()] = storage.nbytes()
        payload += tensor.numel() * tensor.element_size()
    return sum(storages.values()), payload


def transfer(batch: dict) -> Tuple[dict, int]:
    """Send a batch the way a DataLoader worker does; return it and the
    pickle size."""
    stream = ForkingPickler.dumps(batch)
    return pickle.loads(stream), len(stream)


def stage_breakdown(cfg: Config, packer: str, batches: int, seed: int) -> dict:
    """Per-image seconds of every stage, in this process.

    Returns:
        dict: ``seconds`` per stage (per image), ``storage``/``payload``/
        ``pickle`` bytes per batch, and a digest of each preprocessed batch.
    """
    totals = dict.fromkeys(STAGES, 0.0)
    dataset = build_dataset(cfg, packer)
    steps = dataset.pipeline.transforms
    for i, step in enumerate(steps):
        steps[i] = TimedTransform(step, stage_of(step), totals)
    preprocessor = MODELS.build(cfg.model.data_preprocessor)
    batch_size = cfg.train_dataloader.batch_size
    random.seed(seed)
    np.random.seed(seed)
    order = np.random.permutation(len(dataset))
    sizes, digests = [], []
    for b in range(batches):
        indices = [
            int(order[(b * batch_size + k) % len(order)])
            for k in range(batch_size)
        ]
        samples = [dataset[i] for i in indices]
        start = time.perf_counter()
        batch = pseudo_collate(samples)
        totals['collate'] += time.perf_counter() - start
        sizes.append(storage_bytes(batch))
        start = time.perf_counter()
        batch, stream_bytes = transfer(batch)
        totals['transfer'] += time.perf_counter() - start
        start = time.perf_counter()
        out = preprocessor(batch, training=True)
        totals['preprocess'] += time.perf_counter() - start
        digests.append(batch_digest(out))
        sizes[-1] += (stream_bytes,)
    images = batches * batch_size
    storage, payload, stream = (statistics.mean(s) for s in zip(*sizes))
    return dict(
        seconds={k: v / images for k, v in totals.items()},
        storage=storage,
        payload=payload,
        pickle=stream,
        digests=digests,
    )


def throughput(
    cfg: Config,
    packer: str,
    num_workers: int,
    warmup: int,
    batches: int,
    seed: int,
) -> dict:
    """Images/s of dataloader + preprocessor, and the main process's share."""
    loader_cfg = copy.deepcopy(cfg.train_dataloader)
    loader_cfg.dataset = build_dataset(cfg, packer)
    loader_cfg.num_workers = num_workers
    loader_cfg.persistent_workers = False
    loader = Runner.build_dataloader(loader_cfg, seed=seed)
    preprocessor = MODELS.build(cfg.model.data_preprocessor)
    iterator: Iterator = iter(loader)
    for _ in range(warmup):
        preprocessor(next(iterator), training=True)
    wait = preprocess = 0.0
    start = time.perf_counter()
    for _ in range(batches):
        t0 = time.perf_counter()
        batch = next(iterator)
        t1 = time.perf_counter()
        preprocessor(batch, training=True)
        wait += t1 - t0
        preprocess += time.perf_counter() - t1
    elapsed = time.perf_counter() - start
    del iterator  # stops the workers
    images = batches * cfg.train_dataloader.batch_size
    return dict(
        images_per_s=images / elapsed,
        wait_ms=wait / batches * 1e3,
        preprocess_ms=preprocess / batches * 1e3,
    )


def batch_digest(batch: dict) -> str:
    """A hash of a preprocessed batch: inputs, labels and their dtypes."""
    digest = hashlib.blake2b()
    tensors = [batch['inputs']]
    tensors += [s.gt_sem_seg.data for s in batch['data_samples']]
    for tensor in tensors:
        digest.update(f'{tensor.dtype}{tuple(tensor.shape)}'.encode())
        digest.update(tensor.contiguous().numpy().tobytes())
    return digest.hexdigest()


def ceiling(seconds: Dict[str, float], workers: int) -> float:
    """Images/s if every usable core did nothing but this data path."""
    per_image = sum(seconds.values())
    if workers == 0:
        per_image -= seconds['transfer']
    cores = min(workers + 1, os.cpu_count() or 1)
    return cores / per_image


def mib(nbytes: float) -> str:
    return f'{nbytes / 2**20:.2f} MiB'


def markdown(args, results: Dict[str, dict], equal: bool) -> str:
    """The report as a Markdown section."""
    height, width = args.size
    batch = args.batch_size
    lines = [
        '## End to end: train dataloader + SegDataPreProcessor',
        '',
        f'Main-job config (`{osp.relpath(CONFIG, REPO_ROOT)}`) at '
        f'{height}×{width}, shapes dataset as JPEG/PNG files '
        f'({args.num_train} scenes), batch {batch}, torch threads '
        f'{args.threads} in the main process (1 in workers); '
        f'{args.warmup} warm-up + {args.batches} timed batches per run. '
        'Preprocessed batches of both packers identical: '
        f'{"yes" if equal else "NO"}.',
        '',
        '| packer | num_workers | images/s | ceiling images/s | main waits '
        'for a batch (ms) | main preprocesses a batch (ms) |',
        '|---|---|---|---|---|---|',
    ]
    for packer, result in results.items():
        seconds = result['breakdown']['seconds']
        for workers, run in sorted(result['runs'].items()):
            lines.append(
                f'| {packer} | {workers} | '
                f'{run["images_per_s"]:.1f} | '
                f'{ceiling(seconds, workers):.1f} | '
                f'{run["wait_ms"]:.1f} | '
                f'{run["preprocess_ms"]:.1f} |'
            )
    lines += [
        '',
        'Ceiling: the cores the run can use (workers + main process, at '
        f'most the {os.cpu_count()} visible) divided by the CPU time of one '
        'image in the table below (without the transfer at num_workers 0).',
    ]
    lines += [
        '',
        'Where the time goes, ms per image (one process, same random '
        'draws; transfer = pickling a batch into shared memory and '
        'unpickling it, as between a worker and the main process):',
        '',
        '| packer | ' + ' | '.join(STAGES) + ' | total |',
        '|---|' + '---|' * (len(STAGES) + 1),
    ]
    for packer, result in results.items():
        seconds = result['breakdown']['seconds']
        cells = [f'{seconds[s] * 1e3:.2f}' for s in STAGES]
        total = sum(seconds.values()) * 1e3
        lines.append(
            f'| {packer} | ' + ' | '.join(cells) + f' | {total:.2f} |'
        )
    lines += [
        '',
        f'Bytes crossing the worker → main boundary per batch of {batch}:',
        '',
        '| packer | tensor storages (shared memory) | of which tensor '
        'data | pickle stream |',
        '|---|---|---|---|',
    ]
    for packer, result in results.items():
        b = result['breakdown']
        lines.append(
            f'| {packer} | {mib(b["storage"])} | '
            f'{mib(b["payload"])} | {b["pickle"] / 1024:.1f} KiB |'
        )
    if len(results) == 2:
        before = results['straightforward']['breakdown']['storage']
        after = results['ours']['breakdown']['storage']
        lines += [
            '',
            f'Shared memory per batch: {mib(before)} before, '
            f'{mib(after)} after ({before / after:.2f}× less).',
        ]
    return '\n'.join(lines) + '\n'


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--data-root',
        default=osp.join(REPO_ROOT, 'data', 'shapes_e2e'),
        help='where the dataset files are written (and reused)',
    )
    parser.add_argument('--tiny', action='store_true')
    parser.add_argument('--batches', type=int, default=12)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--num-train', type=int, default=48)
    parser.add_argument('--workers', type=int, nargs='+', default=[0, 2])
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--markdown', help='write the report here too')
    args = parser.parse_args()
    args.size = (512, 1024)
    if args.tiny:
        args.size = (64, 128)
        args.batches, args.warmup = 2, 1
        args.batch_size, args.num_train = 2, 6
    return args


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    init_default_scope('mmflow_ext')
    data_root = osp.join(args.data_root, f'{args.size[0]}x{args.size[1]}')
    cfg = load_config(data_root, *args.size, args.num_train, args.batch_size)
    DATASETS.build(copy.deepcopy(cfg.train_dataloader.dataset))  # write it

    results = {}
    for packer in ('ours', 'straightforward'):
        runs = {
            workers: throughput(
                cfg, packer, workers, args.warmup, args.batches, args.seed
            )
            for workers in args.workers
        }
        results[packer] = dict(
            runs=runs,
            breakdown=stage_breakdown(cfg, packer, args.batches, args.seed),
        )
    equal = (
        results['ours']['breakdown']['digests']
        == results['straightforward']['breakdown']['digests']
    )
    report = markdown(args, results, equal)
    print(report)
    if args.markdown:
        with open(args.markdown, 'w') as f:
            f.write(report)
    if not equal:
        raise SystemExit('preprocessed batches differ between the packers')


if __name__ == '__main__':
    main()
