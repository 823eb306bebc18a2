# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``BaseEditModel``: a generator trained with a pixel-wise loss."""

from typing import Dict, List, Optional, Union

import torch
from mmengine.model import BaseModel
from torch import Tensor, nn

from mmflow_ext.registry import MODELS
from mmflow_ext.structures import DataSample

__all__ = ['BaseEditModel']

Samples = Union[DataSample, List[DataSample], None]
ModuleCfg = Union[dict, nn.Module]


def _build(cfg: ModuleCfg) -> nn.Module:
    """Build a config with our registry (no default scope needed)."""
    return cfg if isinstance(cfg, nn.Module) else MODELS.build(cfg)


def _batch_field(data_samples: Samples, key: str) -> Tensor:
    if data_samples is None:
        raise ValueError(f'Training needs data samples holding "{key}"')
    if isinstance(data_samples, DataSample):
        if key not in data_samples:
            raise KeyError(
                f'The data samples have no "{key}" (keys: '
                f'{sorted(data_samples.keys())})'
            )
        return data_samples.get(key)
    missing = [i for i, s in enumerate(data_samples) if key not in s]
    if missing:
        raise KeyError(f'Data samples {missing} have no "{key}"')
    return torch.stack([s.get(key) for s in data_samples])


@MODELS.register_module()
class BaseEditModel(BaseModel):
    """Image restoration model: ``generator`` maps the preprocessed input
    to the output image; training minimises ``pixel_loss`` against the
    preprocessed ``gt_img``.

    Modes of :meth:`forward`:

    - ``'tensor'``: the raw generator output.
    - ``'loss'``: ``dict(loss=...)``.
    - ``'predict'``: one :class:`DataSample` per sample, holding the
      inputs' fields plus ``output.pred_img`` and ``input`` (float images in
      ``[0, 255]``, BGR, ``C×H×W``, padding removed, detached, on the CPU).

    Args:
        generator (dict | nn.Module): The generator or its config.
        pixel_loss (dict | nn.Module): The loss or its config.
        train_cfg (dict, optional): Training options. Defaults to None.
        test_cfg (dict, optional): Testing options. Defaults to None.
        init_cfg (dict, optional): Weight initialization config.
        data_preprocessor (dict | nn.Module, optional): Defaults to
            ``dict(type='DataPreprocessor')``.

    Examples:
        >>> model = BaseEditModel(
        ...     generator=dict(type='SRCNNNet', channels=(3, 4, 4, 3),
        ...                    upscale_factor=2),
        ...     pixel_loss=dict(type='L1Loss'))
        >>> batch = model.data_preprocessor(dict(
        ...     inputs=[torch.zeros(3, 4, 4, dtype=torch.uint8)],
        ...     data_samples=[DataSample(gt_img=torch.zeros(3, 8, 8))]))
        >>> pred = model(**batch, mode='predict')[0]
        >>> pred.output.pred_img.shape, pred.input.shape
        (torch.Size([3, 8, 8]), torch.Size([3, 4, 4]))
    """

    def __init__(
        self,
        generator: ModuleCfg,
        pixel_loss: ModuleCfg,
        train_cfg: Optional[dict] = None,
        test_cfg: Optional[dict] = None,
        init_cfg: Optional[dict] = None,
        data_preprocessor: Optional[ModuleCfg] = None,
    ) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='DataPreprocessor')
        super().__init__(
            init_cfg=init_cfg, data_preprocessor=_build(data_preprocessor)
        )
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg
        self.generator = _build(generator)
        self.pixel_loss = _build(pixel_loss)

    def forward(
        self,
        inputs: Union[Tensor, dict],
        data_samples: Samples = None,
        mode: str = 'tensor',
        **kwargs,
    ) -> Union[Tensor, List[DataSample], dict]:
        """Run the model in ``mode``.

        Args:
            inputs (Tensor | dict): Preprocessed batch; for a dict, its
                ``'img'`` entry.
            data_samples (DataSample | list[DataSample], optional): The
                preprocessed samples.
            mode (str): ``'tensor'``, ``'loss'`` or ``'predict'``.

        Returns:
            Tensor | dict | list[DataSample]: Per ``mode``, see the class
            docstring.
        """
        if isinstance(inputs, dict):
            inputs = inputs['img']
        if mode == 'tensor':
            return self.forward_tensor(inputs, data_samples, **kwargs)
        if mode == 'predict':
            predictions = self.forward_inference(
                inputs, data_samples, **kwargs
            )
            return self.convert_to_datasample(
                predictions, data_samples, inputs
            )
        if mode == 'loss':
            return self.forward_train(inputs, data_samples, **kwargs)
        raise ValueError(
            f"Invalid mode {mode!r}: use 'tensor', 'loss' or 'predict'"
        )

    def forward_tensor(
        self, inputs: Tensor, data_samples: Samples = None, **kwargs
    ) -> Tensor:
        """The generator's output for ``inputs``."""
        return self.generator(inputs, **kwargs)

    def forward_train(
        self, inputs: Tensor, data_samples: Samples = None, **kwargs
    ) -> Dict[str, Tensor]:
        """``dict(loss=pixel_loss(generator(inputs), gt_img))``."""
        feats = self.forward_tensor(inputs, data_samples, **kwargs)
        return dict(
            loss=self.pixel_loss(feats, _batch_field(data_samples, 'gt_img'))
        )

    def forward_inference(
        self, inputs: Tensor, data_samples: Samples = None, **kwargs
    ) -> Union[DataSample, List[DataSample]]:
        """Predictions as images: a stacked :class:`DataSample` with
        ``pred_img``, or a list when samples were padded differently."""
        feats = self.forward_tensor(inputs, data_samples, **kwargs)
        images = self.data_preprocessor.destruct(feats, data_samples)
        predictions = [
            DataSample(pred_img=img.detach().cpu()) for img in images
        ]
        if isinstance(images, list):
            return predictions
        return DataSample.stack(predictions)

    def convert_to_datasample(
        self,
        predictions: Union[DataSample, List[DataSample]],
        data_samples: Samples,
        inputs: Optional[Tensor],
    ) -> List[DataSample]:
        """One sample per input: its fields, ``output`` (the prediction)
        and ``input`` (the destructed input, when ``inputs`` is given).

        Args:
            predictions (DataSample | list[DataSample]): Stacked or listed
                predictions.
            data_samples (DataSample | list[DataSample], optional): The
                preprocessed samples.
            inputs (Tensor, optional): The preprocessed inputs.

        Returns:
            list[DataSample]: The per-sample results.
        """
        if isinstance(predictions, DataSample):
            predictions = predictions.split()
        if data_samples is None:
            samples = [DataSample() for _ in predictions]
        elif isinstance(data_samples, DataSample):
            samples = data_samples.split(allow_nonseq_value=True)
        else:
            samples = list(data_samples)
        if len(samples) != len(predictions):
            raise ValueError(
                f'{len(predictions)} predictions for '
                f'{len(samples)} data samples'
            )
        if inputs is not None:
            restored = self.data_preprocessor.destruct(
                inputs, data_samples, 'img'
            )
            for sample, img in zip(samples, restored):
                sample.set_tensor_data({'input': img.detach()})
        for sample, prediction in zip(samples, predictions):
            sample.output = prediction
        return samples
