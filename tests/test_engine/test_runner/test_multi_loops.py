# Copyright (c) mmflow_ext contributors. All rights reserved.
import pytest
import torch
from mmengine.evaluator import BaseMetric
from mmengine.model import BaseModel
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.runner import Runner
from torch.utils.data import Dataset

from mmflow_ext.engine.runner.multi_loops import (
    MultiTestLoop,
    MultiValLoop,
    as_evaluators,
)


class _Values(Dataset):
    metainfo = dict(dataset_type='values')

    def __init__(self, values):
        self.values = values

    def __len__(self):
        return len(self.values)

    def __getitem__(self, idx):
        return dict(inputs=torch.tensor([float(self.values[idx])]))


class _Double(BaseModel):
    def __init__(self):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.tensor(2.0))

    def forward(self, inputs, data_samples=None, mode='tensor'):
        return [dict(value=float(v) * self.weight.item()) for v in inputs]


@MMENGINE_METRICS.register_module(name='H6MeanValue', force=True)
class _MeanValue(BaseMetric):
    def process(self, data_batch, data_samples):
        self.results.extend(s['value'] for s in data_samples)

    def compute_metrics(self, results):
        return dict(mean=sum(results) / len(results), count=len(results))


def _loader(values, batch_size=2):
    return dict(
        dataset=_Values(values),
        batch_size=batch_size,
        sampler=dict(type='DefaultSampler', shuffle=False),
        collate_fn=dict(type='default_collate'),
    )


def _runner(tmp_path, evaluator, loaders, loop='MultiValLoop'):
    key = 'val' if loop == 'MultiValLoop' else 'test'
    return Runner(
        model=_Double(),
        work_dir=str(tmp_path),
        default_scope='mmflow_ext',
        **{
            f'{key}_dataloader': loaders,
            f'{key}_cfg': dict(type=loop),
            f'{key}_evaluator': evaluator,
        },
    )


def test_metrics_of_each_loader_keep_their_prefix(tmp_path):
    runner = _runner(
        tmp_path,
        [
            dict(
                type='Evaluator',
                metrics=[dict(type='H6MeanValue', prefix='Set5')],
            ),
            dict(metrics=[dict(type='H6MeanValue', prefix='Set14')]),
        ],
        [_loader([1, 2, 3]), _loader([10, 20])],
    )
    metrics = runner.val()
    assert metrics == {
        'Set5/mean': 4.0,
        'Set5/count': 3,
        'Set14/mean': 30.0,
        'Set14/count': 2,
    }
    assert isinstance(runner.val_loop, MultiValLoop)
    assert runner.val_loop.total_length == 3  # batches: 2 + 1


def test_test_loop_and_single_loader_forms(tmp_path):
    runner = _runner(
        tmp_path,
        [dict(type='H6MeanValue', prefix='only')],
        _loader([4]),
        loop='MultiTestLoop',
    )
    assert runner.test() == {'only/mean': 8.0, 'only/count': 1}
    assert isinstance(runner.test_loop, MultiTestLoop)


def test_same_names_from_two_loaders_raise(tmp_path):
    runner = _runner(
        tmp_path,
        [
            dict(metrics=[dict(type='H6MeanValue')]),
            dict(metrics=[dict(type='H6MeanValue')]),
        ],
        [_loader([1]), _loader([2])],
    )
    with pytest.raises(
        ValueError,
        match=r"different prefix .* "
        r"\['count', 'mean'\] come from two dataloaders",
    ):
        runner.val()


def test_count_mismatch_and_bad_evaluator(tmp_path):
    runner = _runner(
        tmp_path,
        [dict(metrics=[dict(type='H6MeanValue')])],
        [_loader([1]), _loader([2])],
    )
    with pytest.raises(ValueError, match='2 dataloaders but 1 evaluators'):
        runner.val()
    with pytest.raises(TypeError, match='evaluator must be'):
        as_evaluators('PSNR')
    assert as_evaluators([dict(type='PSNR')]) == [
        dict(type='Evaluator', metrics=[dict(type='PSNR')])
    ]


def test_total_length_before_run_warns(tmp_path):
    runner = _runner(tmp_path, [dict(type='H6MeanValue')], _loader([1]))
    loop = runner.build_val_loop(dict(type='MultiValLoop'))
    with pytest.warns(UserWarning, match='total_length'):
        assert loop.total_length == 0
