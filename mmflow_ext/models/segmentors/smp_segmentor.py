# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``SMPSegmentor``: a segmentation-models-pytorch network behind our data
flow (needs the ``models`` extra)."""

from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmflow_ext.registry import MODELS
from mmflow_ext.structures import SegDataSample

from ..heads.decode_head import seg_losses
from ..utils.optional import import_extra, unknown_name_error
from .base import BaseSegmentor

__all__ = ['SMPSegmentor']


@MODELS.register_module()
class SMPSegmentor(BaseSegmentor):
    """Any segmentation-models-pytorch architecture and encoder as a
    segmentor: ``smp.create_model(arch, encoder_name,
    encoder_weights=None, ...)`` maps the preprocessed batch to logits at
    the input size; training uses our losses (``loss_decode``, as in a
    decode head, the result keys prefixed ``decode.``) and inference our
    :meth:`~BaseSegmentor.postprocess_result`, so the samples flow on to
    IoUMetric and the visualizer unchanged.

    Encoder weights never come from a hub: ``encoder_weights`` other than
    None is refused; load a local checkpoint with ``init_cfg`` or
    ``load_from``.

    Args:
        arch (str): smp architecture, e.g. ``'Unet'``, ``'FPN'``,
            ``'DeepLabV3Plus'`` (case-insensitive).
        encoder_name (str): smp encoder, e.g. ``'resnet18'``.
        num_classes (int): Number of classes (the output channels; 1 for a
            binary sigmoid output, see ``threshold``).
        in_channels (int): Input channels. Defaults to 3.
        encoder_weights (None): Must be None.
        loss_decode (dict | Sequence[dict]): Loss config(s). Defaults to
            cross-entropy.
        ignore_index (int): Label ignored by the losses. Defaults to 255.
        threshold (float): Binary threshold of one-channel outputs.
        align_corners (bool): ``align_corners`` of the resizes.
        test_cfg (dict, optional): Inference config (whole-image only).
        data_preprocessor (dict | nn.Module, optional): Preprocessor.
        init_cfg (dict, optional): Initialization config.
        **kwargs: Passed to ``smp.create_model`` (e.g. ``encoder_depth``).
    """

    def __init__(
        self,
        arch: str,
        encoder_name: str,
        num_classes: int,
        in_channels: int = 3,
        encoder_weights: Optional[str] = None,
        loss_decode: Union[dict, Sequence[dict]] = dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0
        ),
        ignore_index: int = 255,
        threshold: float = 0.3,
        align_corners: bool = False,
        test_cfg: Optional[dict] = None,
        data_preprocessor: Optional[Union[dict, nn.Module]] = None,
        init_cfg: Optional[dict] = None,
        **kwargs,
    ):
        smp = import_extra('segmentation_models_pytorch', 'SMPSegmentor')
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg
        )
        if encoder_weights is not None:
            raise ValueError(
                'SMPSegmentor never downloads weights: encoder_weights must '
                f'be None, got {encoder_weights!r}; load local weights with '
                'init_cfg=dict(type="Pretrained", checkpoint=...)'
            )
        archs = list(smp.MODEL_ARCHITECTURES_MAPPING)
        if arch.lower() not in archs:
            raise unknown_name_error('smp architecture', arch.lower(), archs)
        encoders = list(smp.encoders.get_encoder_names())
        if encoder_name not in encoders:
            raise unknown_name_error('smp encoder', encoder_name, encoders)
        self.smp_model = smp.create_model(
            arch,
            encoder_name=encoder_name,
            encoder_weights=None,
            in_channels=in_channels,
            classes=num_classes,
            **kwargs,
        )
        self.num_classes = num_classes
        self.out_channels = num_classes
        self.ignore_index = ignore_index
        self.threshold = threshold
        self.align_corners = align_corners
        self.test_cfg = test_cfg or dict(mode='whole')
        if self.test_cfg.get('mode', 'whole') != 'whole':
            raise ValueError(
                'SMPSegmentor supports test_cfg mode "whole" only, got '
                f'{self.test_cfg.get("mode")!r}'
            )
        if isinstance(loss_decode, dict):
            self.loss_decode = nn.ModuleList([MODELS.build(loss_decode)])
        else:
            self.loss_decode = nn.ModuleList(
                MODELS.build(cfg) for cfg in loss_decode
            )

    def extract_feat(self, inputs: torch.Tensor) -> List[torch.Tensor]:
        """The encoder's multi-level features.

        Args:
            inputs (Tensor): Images ``N×C×H×W``.

        Returns:
            list[Tensor]: Encoder features, finest first.
        """
        return self.smp_model.encoder(inputs)

    def encode_decode(
        self, inputs: torch.Tensor, batch_img_metas: List[dict]
    ) -> torch.Tensor:
        """Logits at the input resolution.

        Args:
            inputs (Tensor): Images ``N×C×H×W``.
            batch_img_metas (list[dict]): Metainfo of the samples (unused:
                smp networks output logits at the input size).

        Returns:
            Tensor: ``N×num_classes×H×W``.
        """
        return self.smp_model(inputs)

    def loss(
        self, inputs: torch.Tensor, data_samples: List[SegDataSample]
    ) -> Dict[str, torch.Tensor]:
        """Losses against the samples' ``gt_sem_seg``.

        Args:
            inputs (Tensor): Images ``N×C×H×W``.
            data_samples (list[SegDataSample]): Samples with labels.

        Returns:
            dict[str, Tensor]: ``decode.<loss_name>`` and
            ``decode.acc_seg``.
        """
        if data_samples is None:
            raise ValueError('loss mode needs data_samples with gt_sem_seg')
        logits = self.smp_model(inputs)
        label = torch.stack([s.gt_sem_seg.data for s in data_samples])
        if logits.shape[2:] != label.shape[2:]:
            logits = F.interpolate(
                logits,
                size=label.shape[2:],
                mode='bilinear',
                align_corners=self.align_corners,
            )
        losses = seg_losses(
            logits, label.squeeze(1), self.loss_decode, self.ignore_index
        )
        return {f'decode.{name}': value for name, value in losses.items()}

    def predict(
        self,
        inputs: torch.Tensor,
        data_samples: Optional[List[SegDataSample]] = None,
    ) -> List[SegDataSample]:
        """Predictions at each sample's original shape.

        Args:
            inputs (Tensor): Preprocessed images ``N×C×H×W``.
            data_samples (list[SegDataSample], optional): The samples.

        Returns:
            list[SegDataSample]: With ``seg_logits`` and ``pred_sem_seg``.
        """
        return self.postprocess_result(self.smp_model(inputs), data_samples)

    def _forward(
        self,
        inputs: torch.Tensor,
        data_samples: Optional[List[SegDataSample]] = None,
    ) -> torch.Tensor:
        """Raw logits ``N×num_classes×H×W``."""
        return self.smp_model(inputs)
