# Copyright (c) mmflow_ext contributors. All rights reserved.
"""README's numbers are the ones ``tools/misc/readme_results.py run``
saved: rendering README from the saved file changes nothing."""

import importlib.util
import json
import os.path as osp

import pytest
from conftest import REPO_ROOT

SCRIPT = osp.join(REPO_ROOT, 'tools', 'misc', 'readme_results.py')


@pytest.fixture(scope='module')
def script():
    spec = importlib.util.spec_from_file_location('readme_results', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_matches_the_saved_results(script):
    with open(script.RESULTS) as f:
        results = json.load(f)
    with open(script.README) as f:
        readme = f.read()
    missing = []
    rendered = script.render(
        readme, script.render_blocks(results), missing.append
    )
    assert missing == []
    assert rendered == readme, (
        'README.md drifted from docs/results/main_jobs.json: run '
        '`python tools/misc/readme_results.py render`'
    )


def test_blocks_show_the_saved_numbers(script):
    results = {
        'segmentation': {
            'config': 'fcn.py',
            'seconds': 61.4,
            'val': {'mIoU': 89.4512, 'aAcc': 98.3, 'mDice': 94.29},
            'test': {'mIoU': 89.4512},
            'class_iou': [98.4, 94.0, 92.1, 82.8, 80.0],
        },
        'editing': {
            'seconds': 47.0,
            'val': {
                'PSNR': 28.84,
                'SSIM': 0.8412,
                'noisy_input/PSNR': 24.76,
                'noisy_input/SSIM': 0.5704,
            },
            'test': {'PSNR': 28.84},
        },
        'generation': {
            'seconds': 250.4,
            'test': {'SWD/avg': 48.094, 'MS-SSIM/avg': 0.3791},
            'untrained': {'SWD/avg': 195.8634, 'MS-SSIM/avg': 0.9796},
        },
        'segmentation-resnet': {
            'config': 'upernet.py',
            'seconds': 200.6,
            'val': {'mIoU': 80.126, 'aAcc': 97.0, 'mDice': 88.5},
        },
        'sr-x2': {
            'config': 'x2.py',
            'seconds': 99.5,
            'val': {
                'PSNR': 28.9,
                'SSIM': 0.94,
                'bicubic/PSNR': 28.34,
                'bicubic/SSIM': 0.9324,
            },
        },
        'video-x4': {
            'config': 'video.py',
            'seconds': 80.2,
            'val': {
                'PSNR': 21.2228,
                'SSIM': 0.6979,
                'bicubic/PSNR': 20.7104,
                'bicubic/SSIM': 0.6689,
            },
        },
        'sr-x4': {
            'config': 'x4.py',
            'seconds': 120.0,
            'val': {
                'PSNR': 23.9,
                'SSIM': 0.79,
                'bicubic/PSNR': 23.44,
                'bicubic/SSIM': 0.7687,
            },
        },
    }
    blocks = script.render_blocks(results)
    assert blocks['segmentation'].startswith('**mIoU 89.45**, aAcc 98.30')
    assert 'took 61 s' in blocks['segmentation']
    assert (
        '| IoU | 98.40 | 94.00 | 92.10 | 82.80 | 80.00 |'
        in (blocks['segmentation-classes'])
    )
    assert '**PSNR 28.84 dB, SSIM 0.841**' in blocks['editing']
    assert '**24.76 dB, SSIM 0.570**' in blocks['editing']
    assert '(**+4.08 dB**)' in blocks['editing']
    assert '| **48.09** | 0.379 |' in blocks['generation']
    assert '| 195.86 | 0.980 |' in blocks['generation']
    assert 'took 250 s' in blocks['generation']
    networks = blocks['segmentation-networks'].splitlines()
    assert networks[2].startswith('| CompactCNN + FCNHead')
    assert networks[3] == (
        '| ResNetV1c-18 + UPerHead | `upernet.py` | **80.13** | 88.50 | '
        '97.00 | 201 s |'
    )
    sr = blocks['super-resolution'].splitlines()
    assert sr[2] == (
        '| image ×2 | `x2.py` | **28.90 dB / 0.940** | 28.34 dB / 0.932 | '
        '+0.56 dB | 100 s |'
    )
    assert sr[3].startswith('| image ×4 | `x4.py` | **23.90 dB / 0.790** |')
    assert '| +0.46 dB | 120 s |' in sr[3]
    assert sr[4] == (
        '| video ×4 | `video.py` | **21.22 dB / 0.698** | 20.71 dB / 0.669 '
        '| +0.51 dB | 80 s |'
    )


def test_run_refuses_an_unknown_job(script, monkeypatch):
    monkeypatch.setattr('sys.argv', ['readme_results.py', 'run', 'sr-x9'])
    with pytest.raises(SystemExit, match=r"unknown jobs \['sr-x9'\]"):
        script.main()


def test_a_block_missing_from_readme_is_reported(script):
    missing = []
    text = (
        'x\n<!-- results:segmentation -->\nold\n<!-- /results:'
        'segmentation -->\n'
    )
    out = script.render(
        text, {'segmentation': 'new\n', 'editing': 'e\n'}, missing.append
    )
    assert out == (
        'x\n<!-- results:segmentation -->\nnew\n<!-- /results:'
        'segmentation -->\n'
    )
    assert missing == ['editing']
