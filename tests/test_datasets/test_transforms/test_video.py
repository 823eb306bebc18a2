# Copyright (c) mmflow_ext contributors. All rights reserved.
import os.path as osp

import numpy as np
import pytest
from edit_reference import assert_same, run_both

from mmflow_ext.datasets.transforms.video import (
    GenerateFrameIndiceswithPadding,
    GenerateSegmentIndices,
    MirrorSequence,
    TemporalReverse,
)


@pytest.fixture
def mmagic_transforms():
    return pytest.importorskip('mmagic.datasets.transforms')


def _clip(length=10, num=3):
    return dict(
        key='000',
        sequence_length=length,
        num_input_frames=num,
        img_path='lq',
        gt_path='gt',
    )


def test_segment_indices_draws():
    np.random.seed(1)
    interval = np.random.choice([2, 3])
    start = np.random.randint(0, 10 - 3 * interval + 1)
    np.random.seed(1)
    out = GenerateSegmentIndices(
        [2, 3], start_idx=5, filename_tmpl='{:03d}.jpg'
    )(_clip())
    frames = [start + 5 + i * interval for i in range(3)]
    assert out['img_path'] == [
        osp.join('lq', '000', f'{f:03d}.jpg') for f in frames
    ]
    assert out['gt_path'][0] == osp.join('gt', '000', f'{frames[0]:03d}.jpg')
    assert out['interval'] == interval
    whole = GenerateSegmentIndices([1])(_clip(4, None))
    assert len(whole['img_path']) == 4


def test_segment_indices_too_short_names_clip():
    with pytest.raises(
        ValueError, match='clip "000" has 4 frames, 3 frames at interval 2'
    ):
        GenerateSegmentIndices([2])(_clip(4, 3))


def test_mirror_and_reverse():
    assert MirrorSequence(['img', 'gt'])(dict(img=[1, 2], gt=[3])) == dict(
        img=[1, 2, 2, 1], gt=[3, 3]
    )
    with pytest.raises(TypeError, match='list'):
        MirrorSequence(['img'])(dict(img=np.zeros(2)))
    out = TemporalReverse(['img'], 1.0)(dict(img=[1, 2, 3]))
    assert out == dict(img=[3, 2, 1], reverse=True)


@pytest.mark.parametrize(
    'padding,expected',
    [
        ('replicate', [0, 0, 0, 1, 2]),
        ('reflection', [2, 1, 0, 1, 2]),
        ('reflection_circle', [4, 3, 0, 1, 2]),
        ('circle', [3, 4, 0, 1, 2]),
    ],
)
def test_frame_indices_with_padding(padding, expected):
    out = GenerateFrameIndiceswithPadding(padding, '{:03d}')(
        dict(
            key=osp.join('c', '000'),
            sequence_length=6,
            num_input_frames=5,
            img_path='lq',
            gt_path='gt',
        )
    )
    assert out['img_path'] == [
        osp.join('lq', 'c', f'{i:03d}.png') for i in expected
    ]
    assert out['gt_path'] == [osp.join('gt', 'c', '000.png')]
    with pytest.raises(ValueError, match='Wrong padding mode zeros'):
        GenerateFrameIndiceswithPadding('zeros')


def test_video_transforms_equal_mmagic(mmagic_transforms):
    m = mmagic_transforms
    frames = [np.full((2, 2, 3), i, np.uint8) for i in range(3)]
    pairs = [
        (
            GenerateSegmentIndices([1, 2, 3], 2, '{:04d}.png'),
            m.GenerateSegmentIndices([1, 2, 3], 2, '{:04d}.png'),
            _clip(20, 4),
        ),
        (MirrorSequence(['img']), m.MirrorSequence(['img']), dict(img=frames)),
        (
            TemporalReverse(['img']),
            m.TemporalReverse(['img']),
            dict(img=frames),
        ),
    ] + [
        (
            GenerateFrameIndiceswithPadding(p),
            m.GenerateFrameIndiceswithPadding(p),
            dict(
                key=osp.join('c', f'{k:08d}'),
                sequence_length=7,
                num_input_frames=5,
                img_path='lq',
                gt_path='gt',
            ),
        )
        for p in ('replicate', 'reflection', 'reflection_circle', 'circle')
        for k in (0, 1, 3, 5, 6)
    ]
    for ours, theirs, results in pairs:
        assert repr(ours) == repr(theirs)
        for seed in range(4):
            assert_same(*run_both(ours, theirs, results, seed))
