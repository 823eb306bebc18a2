# Copyright (c) mmflow_ext contributors. All rights reserved.
import os.path as osp

import cv2
import numpy as np
import pytest

from mmflow_ext.datasets.basic_frames_dataset import BasicFramesDataset


def _frame(path, value=0):
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.full((4, 4, 3), value, np.uint8))


@pytest.fixture
def reds(tmp_path):
    """REDS layout: train_sharp/000/00000000.png ... and an ann file."""
    for key in ('train_sharp', 'train_sharp_bicubic/X4'):
        for clip, frames in (('000', 5), ('001', 4)):
            for i in range(frames):
                _frame(tmp_path / key / clip / f'{i:08d}.png', i)
    (tmp_path / 'meta_info_reds.txt').write_text(
        '000/00000000.png (4, 4, 3)\n000/00000001.png (4,4,3) 1\n'
        '001 4 (4,4,3)\n'
    )
    return tmp_path


@pytest.fixture
def vimeo(tmp_path):
    """Vimeo-90K layout: sequences/00001/0001/im1.png ... im7.png."""
    for seq in ('00001/0001', '00001/0002', '00002/0001'):
        for i in range(1, 8):
            _frame(tmp_path / 'GT' / seq / f'im{i}.png', i)
            _frame(tmp_path / 'BIx4' / seq / f'im{i}.png', i)
    (tmp_path / 'meta_info_Vimeo90K_train_GT.txt').write_text(
        '00001/0001 (256,448,7)\n00001/0002 (256,448,7)\n'
        '00002/0001 (256,448,7)\n'
    )
    return tmp_path


def _reds_kwargs(root, **kwargs):
    return dict(
        data_root=str(root),
        data_prefix=dict(img='train_sharp_bicubic/X4', gt='train_sharp'),
        depth=1,
        num_input_frames=3,
        **kwargs,
    )


def test_reds_from_folder_counts_frames(reds):
    dataset = BasicFramesDataset(**_reds_kwargs(reds))
    assert [d['key'] for d in dataset] == ['000', '001']
    first = dataset[0]
    assert first['sequence_length'] == 5 and first['num_input_frames'] == 3
    assert first['img_path'] == osp.join(str(reds), 'train_sharp_bicubic/X4')
    assert dataset[1]['sequence_length'] == 4


def test_reds_ann_file_with_fixed_seq_len_and_pipeline(reds):
    dataset = BasicFramesDataset(
        **_reds_kwargs(reds, ann_file='meta_info_reds.txt', fixed_seq_len=4),
        pipeline=[
            dict(type='GenerateSegmentIndices', interval_list=[1]),
            dict(type='LoadImageFromFile', key='img'),
            dict(type='LoadImageFromFile', key='gt'),
        ],
    )
    assert len(dataset) == 2  # clip paths deeper than depth are merged
    np.random.seed(0)
    sample = dataset[1]
    assert len(sample['img']) == 3 and sample['sequence_length'] == 4
    assert [int(f[0, 0, 0]) for f in sample['gt']] == [
        int(osp.basename(p)[:8]) for p in sample['gt_path']
    ]


def test_reds_errors_name_the_file(reds):
    (reds / 'train_sharp' / '001' / '00000003.png').unlink()
    with pytest.raises(
        ValueError,
        match=r'Clip folder .*train_sharp.001 has '
        r'3 frames, fewer than fixed_seq_len=4',
    ):
        BasicFramesDataset(
            **_reds_kwargs(
                reds, ann_file='meta_info_reds.txt', fixed_seq_len=4
            )
        )
    (reds / 'bad.txt').write_text('000 (4,4,3)\n001 4 4 3 oops(\n')
    with pytest.raises(
        ValueError,
        match=r"bad\.txt, line 2: cannot parse "
        r"'001 4 4 3 oops\('",
    ):
        BasicFramesDataset(**_reds_kwargs(reds, ann_file='bad.txt'))
    dataset = BasicFramesDataset(
        **_reds_kwargs(reds),
        pipeline=[
            dict(
                type='GenerateSegmentIndices', interval_list=[1], start_idx=1
            ),
            dict(type='LoadImageFromFile', key='gt'),
        ],
    )
    # clip 001 now has 3 frames; start_idx=1 asks for frames 1 to 3
    with pytest.raises(
        FileNotFoundError, match=r'train_sharp.001.00000003\.png'
    ):
        dataset[1]


def test_vimeo_ann_file_and_frame_lists(vimeo):
    dataset = BasicFramesDataset(
        ann_file='meta_info_Vimeo90K_train_GT.txt',
        data_root=str(vimeo),
        data_prefix=dict(img='BIx4', gt='GT'),
        depth=2,
        num_input_frames=7,
        load_frames_list=dict(img=['all'], gt=['im4.png']),
    )
    assert [d['key'] for d in dataset] == [
        osp.join('00001', '0001'),
        osp.join('00001', '0002'),
        osp.join('00002', '0001'),
    ]
    sample = dataset[0]
    assert sample['num_input_frames'] == 7 and sample['num_output_frames'] == 1
    assert sample['gt_path'] == [osp.join(str(vimeo), 'GT/00001/0001/im4.png')]
    assert sample['sequence_length'] is None
    with pytest.raises(FileNotFoundError, match=r'Frame not found: .*im9'):
        BasicFramesDataset(
            ann_file='meta_info_Vimeo90K_train_GT.txt',
            data_root=str(vimeo),
            data_prefix=dict(img='BIx4', gt='GT'),
            depth=2,
            load_frames_list=dict(img=['im1.png'], gt=['im9.png']),
        )


@pytest.mark.parametrize(
    'layout', ['reds_folder', 'reds_ann', 'vimeo', 'vimeo_depth1_folder']
)
def test_samples_equal_mmagic(reds, vimeo, layout):
    mmagic = pytest.importorskip('mmagic.datasets')
    kwargs = dict(
        reds_folder=_reds_kwargs(reds),
        reds_ann=_reds_kwargs(
            reds, ann_file='meta_info_reds.txt', fixed_seq_len=4
        ),
        vimeo=dict(
            ann_file='meta_info_Vimeo90K_train_GT.txt',
            data_root=str(vimeo),
            data_prefix=dict(img='BIx4', gt='GT'),
            depth=2,
            load_frames_list=dict(img=['all'], gt=['im4.png']),
        ),
        vimeo_depth1_folder=dict(
            data_root=str(vimeo),
            data_prefix=dict(img='BIx4', gt='GT'),
            depth=2,
        ),
    )[layout]
    ours = BasicFramesDataset(**kwargs)
    theirs = mmagic.BasicFramesDataset(**kwargs)
    assert [ours.get_data_info(i) for i in range(len(ours))] == [
        theirs.get_data_info(i) for i in range(len(theirs))
    ]
