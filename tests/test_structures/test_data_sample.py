# Copyright (c) mmflow_ext contributors. All rights reserved.
import numpy as np
import pytest
import torch
from mmengine.structures import LabelData

from mmflow_ext.structures import DataSample


def _sample(value, path):
    return DataSample(
        gt_img=torch.full((3, 4, 5), value), metainfo=dict(gt_path=path)
    )


def test_predefined_keys_map_to_fields_and_img_stays_out():
    sample = DataSample()
    sample.set_predefined_data(
        dict(
            img=np.zeros((2, 2, 3), np.uint8),
            gt=np.ones((4, 5, 3), np.uint8),
            ref=np.ones((4, 5, 3), np.uint8),
            merged=np.ones((4, 5, 3), np.uint8),
            fg=np.ones((4, 5, 3), np.uint8),
            bg=np.ones((4, 5, 3), np.uint8),
            alpha=np.ones((4, 5), np.uint8),
            mask=np.ones((4, 5, 1), np.float32),
            gt_path='a.png',
            ori_gt_shape=(4, 5, 3),
            gt_channel_order='rgb',
            unknown_key=1,
        )
    )
    assert set(sample.keys()) == {
        'gt_img',
        'ref_img',
        'gt_merged',
        'gt_fg',
        'gt_bg',
        'gt_alpha',
        'mask',
    }
    assert set(sample.metainfo_keys()) == {
        'gt_path',
        'ori_gt_shape',
        'gt_channel_order',
    }
    assert sample.gt_img.shape == (3, 4, 5)
    assert sample.gt_img.dtype == torch.uint8
    assert sample.gt_alpha.shape == (1, 4, 5)
    assert sample.mask.dtype == torch.float32


def test_set_tensor_data_hwc_to_chw_keeps_values_and_frames():
    img = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    sample = DataSample()
    sample.set_tensor_data(dict(gt_img=img, frames=[img, img + 1], weight=2.5))
    assert torch.equal(sample.gt_img, torch.from_numpy(img).permute(2, 0, 1))
    assert sample.frames.shape == (2, 3, 2, 4)
    assert torch.equal(
        sample.frames[1], torch.from_numpy(img + 1).permute(2, 0, 1)
    )
    assert sample.weight.item() == 2.5
    with pytest.raises(TypeError, match='field "name" must be an image'):
        sample.set_tensor_data(dict(name='abc'))
    with pytest.raises(TypeError, match='data must be a dict'):
        sample.set_tensor_data([1])


def test_gt_label_and_num_classes_checks():
    sample = DataSample(metainfo=dict(num_classes=3))
    sample.set_gt_label(2)
    assert isinstance(sample.gt_label, LabelData)
    assert sample.gt_label.label.tolist() == [2]
    assert sample.gt_label.num_classes == 3
    sample.set_gt_label(np.array([0, 1]))
    assert sample.gt_label.label.tolist() == [0, 1]
    with pytest.raises(ValueError, match=r'outside \[0, num_classes=3\)'):
        sample.set_gt_label(3)
    with pytest.raises(ValueError, match='outside'):
        sample.set_gt_label([-1])
    with pytest.raises(TypeError, match='got str'):
        sample.set_gt_label('cat')
    with pytest.raises(
        TypeError,
        match='^DataSample.gt_label must be a LabelData, got Tensor$',
    ):
        sample.gt_label = torch.tensor([1])
    assert sample.gt_label.label.tolist() == [0, 1]


def test_single_sample_has_length_one():
    assert len(_sample(0, 'a')) == 1
    assert len(DataSample(gt_img=torch.zeros(5, 8, 8))) == 1
    assert len(DataSample()) == 1


def test_stack_and_split_round_trip():
    a, b = _sample(0, 'a.png'), _sample(1, 'b.png')
    a.set_gt_label(1)
    b.set_gt_label(0)
    a.output = DataSample(pred_img=torch.zeros(3, 2, 2))
    b.output = DataSample(pred_img=torch.ones(3, 2, 2))
    batch = DataSample.stack([a, b])
    assert len(batch) == 2 and batch.is_stacked
    assert batch.gt_img.shape == (2, 3, 4, 5)
    assert batch.gt_label.label.tolist() == [[1], [0]]
    assert batch.gt_path == ['a.png', 'b.png']
    assert batch.output.pred_img.shape == (2, 3, 2, 2)
    first, second = batch.split()
    assert torch.equal(first.gt_img, a.gt_img)
    assert torch.equal(second.output.pred_img, b.output.pred_img)
    assert second.gt_label.label.tolist() == [0]
    assert (first.gt_path, second.gt_path) == ('a.png', 'b.png')
    assert 'gt_path' in first.metainfo_keys()


def test_stack_compares_keys_as_sets():
    a = DataSample(x=torch.zeros(1), y=torch.zeros(1))
    b = DataSample(y=torch.ones(1), x=torch.ones(1))
    assert DataSample.stack([a, b]).x.tolist() == [[0.0], [1.0]]
    with pytest.raises(ValueError, match=r"sample 1 has data keys \['x'\]"):
        DataSample.stack([a, DataSample(x=torch.zeros(1))])
    with pytest.raises(ValueError, match='needs at least one sample'):
        DataSample.stack([])


def test_stack_takes_a_given_batch_whose_slots_the_samples_hold():
    batch = torch.arange(2 * 3 * 4.0).view(2, 3, 4)
    samples = [
        DataSample(gt_img=slot, metainfo=dict(i=i))
        for i, slot in enumerate(batch)
    ]
    stacked = DataSample.stack(samples, dict(gt_img=batch))
    assert stacked.gt_img is batch  # no copy
    assert stacked.i == [0, 1]
    # anything else is refused, naming the field and the sample
    copies = [DataSample(gt_img=slot.clone()) for slot in batch]
    with pytest.raises(ValueError, match='"gt_img": the value of sample 0'):
        DataSample.stack(copies, dict(gt_img=batch))
    swapped = [DataSample(gt_img=batch[1]), DataSample(gt_img=batch[0])]
    with pytest.raises(ValueError, match='value of sample 0 is not its slot'):
        DataSample.stack(swapped, dict(gt_img=batch))
    with pytest.raises(ValueError, match='has 2 slots for 1 samples'):
        DataSample.stack(samples[:1], dict(gt_img=batch))


def test_split_nonsequential_values():
    batch = DataSample.stack([_sample(0, 'a'), _sample(1, 'b')])
    batch.set_metainfo(dict(scale=4))
    with pytest.raises(TypeError, match='Cannot split field "scale"'):
        batch.split()
    parts = batch.split(allow_nonseq_value=True)
    assert [p.scale for p in parts] == [4, 4]
    batch.set_metainfo(dict(scale=[1, 2, 3]))
    with pytest.raises(ValueError, match='holds 3 values for 2 samples'):
        batch.split()


def test_stacked_state_survives_copies():
    batch = DataSample.stack([_sample(0, 'a'), _sample(1, 'b')])
    assert len(batch.clone()) == 2
    assert len(batch.cpu()) == 2
    assert len(batch.detach().split()) == 2
    single = _sample(0, 'a')
    parts = single.split()
    assert len(parts) == 1 and parts[0] is not single
    assert torch.equal(parts[0].gt_img, single.gt_img)


def test_a_directly_built_batch_has_its_batch_size():
    batch = DataSample(img=torch.zeros(2, 3, 4, 4))
    assert len(batch) == 2 and not batch.is_stacked
    parts = batch.split()
    assert [p.img.shape for p in parts] == [(3, 4, 4), (3, 4, 4)]
    # a batch of one still splits along its first dimension
    single = DataSample(pred_img=torch.arange(48.0).reshape(1, 3, 4, 4))
    assert len(single) == 1
    assert single.split()[0].pred_img.shape == (3, 4, 4)


def test_split_descends_into_a_nested_directly_built_batch():
    batch = DataSample.stack([_sample(0, 'a.png'), _sample(1, 'b.png')])
    outputs = torch.stack(
        [torch.full((3, 2, 2), 5.0), torch.full((3, 2, 2), 6.0)]
    )
    batch.output = DataSample(pred_img=outputs)
    first, second = batch.split()
    assert torch.equal(first.output.pred_img, outputs[0])
    assert torch.equal(second.output.pred_img, outputs[1])
    assert second.gt_path == 'b.png'


def test_lengths_that_disagree_make_one_sample():
    sample = DataSample(
        img=torch.zeros(2, 3, 4, 4), metainfo=dict(paths=['a', 'b', 'c'])
    )
    assert len(sample) == 1


def test_latent_and_feats_are_data_keys():
    sample = DataSample()
    sample.set_predefined_data(
        dict(latent=np.ones((2, 3), np.float32), feats=np.zeros((4, 5, 2)))
    )
    assert sample.latent.shape == (1, 2, 3)  # as MMagic's all_to_tensor
    assert sample.feats.shape == (2, 4, 5)
    assert DataSample.DATA_KEYS['latent'] == 'latent'
    assert DataSample.DATA_KEYS['feats'] == 'feats'


def test_data_keys_and_lengths_match_mmagic():
    mmagic = pytest.importorskip('mmagic.structures')
    theirs = mmagic.DataSample
    assert DataSample.DATA_KEYS == theirs.DATA_KEYS
    assert DataSample.META_KEYS == theirs.META_KEYS
    for shape in [(2, 3, 4, 4), (1, 3, 4, 4), (4, 1, 3, 2, 2)]:
        assert len(DataSample(img=torch.zeros(shape))) == len(
            theirs(img=torch.zeros(shape))
        )
    # deliberate difference: one C×H×W image is one sample (MMagic: C)
    assert len(theirs(gt_img=torch.zeros(3, 4, 4))) == 3
    assert len(DataSample(gt_img=torch.zeros(3, 4, 4))) == 1
