# Copyright (c) mmflow_ext contributors. All rights reserved.
"""A tiny regression task for testing the tools without the task models.

Loaded by the toy configs through ``custom_imports`` (the folder of this file
is put on ``PYTHONPATH`` by the tests).
"""

from typing import Dict, List, Optional, Sequence

import torch
from mmengine.evaluator import BaseMetric
from mmengine.model import BaseModel
from torch.utils.data import Dataset

from mmflow_ext.registry import DATASETS, METRICS, MODELS


@DATASETS.register_module()
class ToyLineDataset(Dataset):
    """Points on the line ``y = 2x + 1`` (deterministic)."""

    def __init__(self, size: int = 12) -> None:
        self.size = size

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int) -> dict:
        x = torch.tensor([index / self.size])
        return dict(inputs=x, data_samples=2 * x + 1)


@MODELS.register_module()
class ToyLineRegressor(BaseModel):
    """``y = w x + b`` trained with a squared error."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(1, 1)

    def forward(
        self,
        inputs: List[torch.Tensor],
        data_samples: Optional[List[torch.Tensor]] = None,
        mode: str = 'tensor',
    ):
        x = torch.stack(inputs)
        y = self.linear(x)
        if mode == 'loss':
            return dict(loss=(y - torch.stack(data_samples)).pow(2).mean())
        if mode == 'predict':
            return [
                dict(pred=p, gt=t) for p, t in zip(y.detach(), data_samples)
            ]
        return y


@METRICS.register_module()
class ToyMeanSquaredError(BaseMetric):
    """Mean squared error of the toy predictions."""

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            self.results.append(float((sample['pred'] - sample['gt']) ** 2))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        return dict(mse=sum(results) / len(results))
