# Copyright (c) mmflow_ext contributors. All rights reserved.
import numpy as np
import pytest
from mmengine.dataset import BaseDataset, ConcatDataset

from mmflow_ext.datasets import MultiImageMixDataset
from mmflow_ext.registry import DATASETS


def make_sample(results):
    """The loading step of the toy dataset: sample ``i`` is filled with
    ``i``."""
    i = results['index']
    height, width = 6 + 2 * i, 10 - i
    return dict(
        img=np.full((height, width, 3), 10 * i, np.uint8),
        gt_seg_map=np.full((height, width), i, np.uint8),
        seg_fields=['gt_seg_map'],
        img_shape=(height, width),
        ori_shape=(height, width),
        index=i,
    )


class Toy(BaseDataset):
    METAINFO = dict(classes=('a', 'b', 'c', 'd', 'e'))

    def __init__(self, **kwargs):
        super().__init__(
            pipeline=[make_sample], serialize_data=False, **kwargs
        )

    def load_data_list(self):
        return [dict(index=i) for i in range(5)]


class RecordMix:
    """A mixing transform that records what it is given."""

    def __init__(self):
        self.seen = []

    def get_indices(self, dataset):
        return 3

    def __call__(self, results):
        self.seen.append([r['index'] for r in results['mix_results']])
        results['mixed'] = True
        return results


def test_mix_results_are_fetched_for_get_indices_and_removed():
    mix = RecordMix()
    wrapped = MultiImageMixDataset(Toy(), pipeline=[mix])
    out = wrapped[1]
    assert mix.seen == [[3]]  # a single index is wrapped in a list
    assert out['mixed'] and out['index'] == 1 and 'mix_results' not in out
    assert len(wrapped) == 5
    assert wrapped.metainfo == dict(classes=('a', 'b', 'c', 'd', 'e'))
    assert wrapped.get_data_info(2)['index'] == 2


def test_skip_type_keys_and_their_update():
    mix = RecordMix()
    wrapped = MultiImageMixDataset(
        Toy(), pipeline=[mix], skip_type_keys=['RecordMix']
    )
    assert 'mixed' not in wrapped[0] and mix.seen == []
    wrapped.update_skip_type_keys([])
    assert wrapped[0]['mixed']
    with pytest.raises(TypeError, match='transform type names'):
        wrapped.update_skip_type_keys([1])


def test_built_from_configs_with_a_mosaic():
    wrapped = DATASETS.build(
        dict(
            type='MultiImageMixDataset',
            dataset=Toy(),
            pipeline=[
                dict(type='RandomMosaic', prob=1.0, img_scale=(8, 8)),
                dict(type='PackSegInputs'),
            ],
        )
    )
    np.random.seed(0)
    out = wrapped[0]
    assert tuple(out['inputs'].shape) == (3, 16, 16)
    assert out['data_samples'].gt_sem_seg.shape == (16, 16)
    with pytest.raises(TypeError, match='pipeline entries'):
        MultiImageMixDataset(Toy(), pipeline=[3])


def test_same_mosaics_as_mmseg():
    upstream = pytest.importorskip('mmseg.datasets.dataset_wrappers')
    from mmengine.registry import DefaultScope

    pipeline = [
        dict(type='RandomMosaic', prob=0.7, img_scale=(9, 11)),
        dict(
            type='RandomCutOut',
            prob=0.5,
            n_holes=2,
            cutout_shape=(3, 3),
            seg_fill_in=255,
        ),
    ]
    with DefaultScope.overwrite_default_scope('mmseg'):
        theirs = upstream.MultiImageMixDataset(
            ConcatDataset([Toy()]), pipeline=pipeline
        )
    ours = MultiImageMixDataset(Toy(), pipeline=pipeline)
    for seed in range(12):
        for idx in range(5):
            np.random.seed(seed)
            a = ours[idx]
            next_a = np.random.random()
            np.random.seed(seed)
            b = theirs[idx]
            next_b = np.random.random()
            assert next_a == next_b
            assert np.array_equal(a['img'], b['img'])
            assert np.array_equal(a['gt_seg_map'], b['gt_seg_map'])
