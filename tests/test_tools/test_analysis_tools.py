# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``tools/analysis_tools``: every tool explains its options, and each one
produces what it promises on the shipped configs."""

import json
import os.path as osp
import re
import sys

import cv2
import numpy as np
import pytest
from conftest import REPO_ROOT, run_tool
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmflow_ext.evaluation.seg_result_files import (
    prediction_path,
    save_label_png,
)
from mmflow_ext.registry import DATASETS

TOOLS = osp.join(REPO_ROOT, 'tools', 'analysis_tools')
SEG_CONFIG = osp.join(
    REPO_ROOT, 'configs', 'segmentation', 'fcn-compactcnn_400it_shapes.py'
)
EDIT_CONFIG = osp.join(
    REPO_ROOT, 'configs', 'editing', 'espcn-res_500it_embedded-sr-denoise.py'
)
TOOL_OPTIONS = {
    'print_config.py': ['--cfg-options', '--save-path'],
    'analyze_logs.py': ['--keys', '--legend', '--title', '--out'],
    'browse_dataset.py': [
        '--output-dir',
        '--phase',
        '--show-number',
        '--cfg-options',
    ],
    'confusion_matrix.py': ['--out-dir', '--cfg-options'],
    'benchmark.py': [
        '--checkpoint',
        '--num-images',
        '--num-warmup',
        '--device',
        '--cfg-options',
    ],
}


def tool(name: str) -> str:
    return osp.join(TOOLS, name)


@pytest.mark.slow
@pytest.mark.parametrize('name', sorted(TOOL_OPTIONS))
def test_help_explains_every_option(name):
    done = run_tool([sys.executable, tool(name), '--help'])
    assert done.returncode == 0, done.stderr
    usage, _, options = done.stdout.partition('options:')
    for option in TOOL_OPTIONS[name]:
        assert option in usage, option
        # the option's own line or the next one carries a sentence of help
        lines = options.splitlines()
        at = next(
            i
            for i, line in enumerate(lines)
            if line.strip().startswith(option)
        )
        text = ' '.join(lines[at : at + 2]).replace(option, '')
        assert len(text.split()) >= 4, (option, text)


@pytest.mark.slow
def test_print_config_merges_options_and_saves_json(tmp_path):
    out = tmp_path / 'merged.json'
    done = run_tool(
        [
            sys.executable,
            tool('print_config.py'),
            SEG_CONFIG,
            '--cfg-options',
            'train_cfg.max_iters=3',
            '--save-path',
            str(out),
        ]
    )
    assert done.returncode == 0, done.stderr
    assert "max_iters=3" in done.stdout
    saved = json.loads(out.read_text())
    assert saved['train_cfg']['max_iters'] == 3
    assert saved['model'] == json.loads(
        json.dumps(Config.fromfile(SEG_CONFIG).model.to_dict())
    )


def write_log(path, losses, mious):
    with open(path, 'w') as f:
        for step, loss in enumerate(losses, 1):
            f.write(json.dumps(dict(step=step, loss=loss, lr=0.01)) + '\n')
        for step, miou in mious:
            f.write(json.dumps({'step': step, 'mIoU': miou}) + '\n')


@pytest.mark.slow
def test_analyze_logs_draws_one_panel_per_key(tmp_path):
    write_log(tmp_path / 'a.json', [3.0, 2.0, 1.0], [(3, 40.0)])
    write_log(tmp_path / 'b.json', [2.0, 1.0], [(2, 55.0)])
    out = tmp_path / 'curves.png'
    done = run_tool(
        [
            sys.executable,
            tool('analyze_logs.py'),
            str(tmp_path / 'a.json'),
            str(tmp_path / 'b.json'),
            '--keys',
            'loss',
            'mIoU',
            '--legend',
            'first',
            'second',
            '--out',
            str(out),
        ]
    )
    assert done.returncode == 0, done.stderr
    image = cv2.imread(str(out))
    # figsize 7 x (3 per key) inches at 100 dpi
    assert image.shape == (600, 700, 3)
    assert image.std() > 0


def test_analyze_logs_errors_name_the_key_and_the_line(tmp_path):
    sys.path.insert(0, TOOLS)
    try:
        import analyze_logs
    finally:
        sys.path.remove(TOOLS)
    write_log(tmp_path / 'a.json', [1.0], [])
    curves = analyze_logs.extract_curves(
        analyze_logs.read_log(str(tmp_path / 'a.json')), ['loss', 'PSNR']
    )
    assert curves == {'loss': ([1], [1.0])}
    with pytest.raises(KeyError, match='"PSNR" is logged in none'):
        analyze_logs.plot_curves({'a.json': curves}, ['PSNR'])
    (tmp_path / 'bad.json').write_text('{"step": 1}\nnot json\n')
    with pytest.raises(ValueError, match=r'bad.json, line 2: not JSON'):
        analyze_logs.read_log(str(tmp_path / 'bad.json'))


@pytest.mark.slow
def test_browse_dataset_draws_image_and_ground_truth(tmp_path):
    data_root = tmp_path / 'shapes'
    out = tmp_path / 'browse'
    done = run_tool(
        [
            sys.executable,
            tool('browse_dataset.py'),
            SEG_CONFIG,
            '--phase',
            'val',
            '--show-number',
            '2',
            '--output-dir',
            str(out),
            '--cfg-options',
            f'val_dataloader.dataset.data_root={data_root}',
            'val_dataloader.dataset.num_train=2',
            'val_dataloader.dataset.num_val=2',
        ],
        cwd=str(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 2 and files[0].startswith('0000_')
    row = cv2.imread(str(out / files[0]))
    image = cv2.imread(
        str(data_root / 'img_dir' / 'val' / (files[0][5:-4] + '.jpg'))
    )
    height, width = image.shape[:2]
    # image | ground truth over the image; no prediction panel
    assert row.shape == (height, 2 * width, 3)
    np.testing.assert_array_equal(row[:, :width], image)
    assert not np.array_equal(row[:, width:], image)


@pytest.mark.slow
def test_confusion_matrix_of_saved_predictions(tmp_path):
    data_root = tmp_path / 'shapes'
    options = [
        f'test_dataloader.dataset.data_root={data_root}',
        'test_dataloader.dataset.num_train=2',
        'test_dataloader.dataset.num_val=2',
    ]
    cfg = Config.fromfile(SEG_CONFIG)
    cfg.merge_from_dict(
        {
            'test_dataloader.dataset.data_root': str(data_root),
            'test_dataloader.dataset.num_train': 2,
            'test_dataloader.dataset.num_val': 2,
        }
    )
    init_default_scope('mmflow_ext')
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    expected = np.zeros((5, 5), np.int64)
    preds = tmp_path / 'preds'
    for index in range(len(dataset)):
        sample = dataset[index]['data_samples']
        gt = sample.gt_sem_seg.data.numpy()[0].astype(np.int64)
        # sample 0 predicted perfectly, sample 1 as all background
        pred = gt if index == 0 else np.zeros_like(gt)
        save_label_png(
            prediction_path(
                str(preds), sample.img_path, sample.metainfo['seg_map_path']
            ),
            pred.astype(np.uint8),
        )
        expected += np.bincount(
            5 * gt.ravel() + pred.ravel(), minlength=25
        ).reshape(5, 5)
    out = tmp_path / 'confusion'
    done = run_tool(
        [
            sys.executable,
            tool('confusion_matrix.py'),
            SEG_CONFIG,
            str(preds),
            '--out-dir',
            str(out),
            '--cfg-options',
        ]
        + options,
        cwd=str(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    np.testing.assert_array_equal(
        np.load(out / 'confusion_matrix.npy'), expected
    )
    assert cv2.imread(str(out / 'confusion_matrix.png')) is not None
    accuracy = 100 * np.trace(expected) / expected.sum()
    assert f'pixel accuracy {accuracy:.2f}' in done.stdout


@pytest.mark.slow
def test_benchmark_reports_images_per_second(tmp_path):
    done = run_tool(
        [
            sys.executable,
            tool('benchmark.py'),
            SEG_CONFIG,
            '--num-images',
            '3',
            '--num-warmup',
            '1',
            '--cfg-options',
            f'test_dataloader.dataset.data_root={tmp_path / "shapes"}',
            'test_dataloader.dataset.num_train=2',
            'test_dataloader.dataset.num_val=2',
            'test_dataloader.num_workers=0',
            'test_dataloader.persistent_workers=False',
        ],
        cwd=str(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    line = done.stdout.strip().splitlines()[-1]
    images, _, rate = re.fullmatch(
        r'(\d+) images in ([\d.]+) s: ([\d.]+) images/s on cpu', line
    ).groups()
    # batches of 1 image: exactly the 3 timed images
    assert int(images) == 3 and float(rate) > 0


def test_benchmark_warms_up_then_times_whole_batches():
    sys.path.insert(0, TOOLS)
    try:
        import benchmark
    finally:
        sys.path.remove(TOOLS)

    class CountingModel:
        calls = []

        def test_step(self, batch):
            self.calls.append(batch['id'])

    loader = [dict(id=i, inputs=[0, 0]) for i in range(3)]  # 2 images each
    model = CountingModel()
    result = benchmark.measure(model, loader, num_images=7, num_warmup=2)
    # 2 warm-up batches, then 4 timed batches (8 >= 7 images), the loader
    # cycled from its start when exhausted
    assert model.calls == [0, 1, 2, 0, 1, 2]
    assert result['images'] == 8
    assert result['images_per_second'] == pytest.approx(8 / result['seconds'])
