# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``EncoderDecoder``: backbone, optional neck, decode head and auxiliary
heads, with whole-image or sliding-window inference."""

from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.config import ConfigDict
from mmengine.logging import print_log

from mmflow_ext.registry import MODELS
from mmflow_ext.structures import SegDataSample

from .base import BaseSegmentor

__all__ = ['EncoderDecoder']


def _add_prefix(
    losses: Dict[str, torch.Tensor], prefix: str
) -> Dict[str, torch.Tensor]:
    return {f'{prefix}.{name}': value for name, value in losses.items()}


@MODELS.register_module()
class EncoderDecoder(BaseSegmentor):
    """Encoder-decoder segmentor (MMSegmentation 1.x arguments).

    ``loss`` returns the decode head's losses prefixed ``decode.`` and each
    auxiliary head's prefixed ``aux.`` (one head) or ``aux_{i}.``.
    ``predict`` runs ``test_cfg.mode`` inference: ``'whole'`` (default)
    or ``'slide'`` with ``crop_size`` and ``stride`` (``(h, w)`` each),
    then :meth:`postprocess_result`.

    Args:
        backbone (dict): Backbone config.
        decode_head (dict): Decode head config.
        neck (dict, optional): Neck config.
        auxiliary_head (dict | list[dict], optional): Auxiliary head
            config(s), used for training only.
        train_cfg (dict, optional): Passed to the heads' ``loss``.
        test_cfg (dict, optional): Inference config (see above).
        data_preprocessor (dict | nn.Module, optional): Data preprocessor
            or its config.
        pretrained (str, optional): Checkpoint of the backbone, set as its
            ``init_cfg``.
        init_cfg (dict, optional): Initialization config.
    """

    def __init__(
        self,
        backbone: dict,
        decode_head: dict,
        neck: Optional[dict] = None,
        auxiliary_head: Optional[Union[dict, List[dict]]] = None,
        train_cfg: Optional[dict] = None,
        test_cfg: Optional[dict] = None,
        data_preprocessor: Optional[dict] = None,
        pretrained: Optional[str] = None,
        init_cfg: Optional[dict] = None,
    ):
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg
        )
        if pretrained is not None:
            if backbone.get('pretrained') is not None:
                raise ValueError(
                    'give the backbone checkpoint once: both the segmentor '
                    'and the backbone config set "pretrained"'
                )
            backbone = dict(
                backbone,
                init_cfg=dict(type='Pretrained', checkpoint=pretrained),
            )
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(neck) if neck is not None else None
        self.decode_head = MODELS.build(decode_head)
        self.auxiliary_head = self._build_auxiliary_head(auxiliary_head)
        self.train_cfg = train_cfg
        self.test_cfg = ConfigDict(test_cfg or dict(mode='whole'))
        mode = self.test_cfg.get('mode', 'whole')
        if mode not in ('whole', 'slide'):
            raise ValueError(
                f'test_cfg.mode must be "whole" or "slide", got {mode!r}'
            )
        if mode == 'slide' and not {'crop_size', 'stride'} <= set(
            self.test_cfg
        ):
            raise ValueError(
                'test_cfg with mode="slide" needs crop_size and stride, got '
                f'{dict(self.test_cfg)}'
            )

    @staticmethod
    def _build_auxiliary_head(
        auxiliary_head: Optional[Union[dict, List[dict]]],
    ) -> Optional[Union[nn.Module, nn.ModuleList]]:
        if auxiliary_head is None:
            return None
        if isinstance(auxiliary_head, (list, tuple)):
            return nn.ModuleList(MODELS.build(cfg) for cfg in auxiliary_head)
        return MODELS.build(auxiliary_head)

    @property
    def align_corners(self) -> bool:
        """``align_corners`` of the decode head."""
        return self.decode_head.align_corners

    @property
    def num_classes(self) -> int:
        """Number of classes of the decode head."""
        return self.decode_head.num_classes

    @property
    def out_channels(self) -> int:
        """Output channels of the decode head."""
        return self.decode_head.out_channels

    @property
    def threshold(self) -> float:
        """Binary threshold of the decode head (0.3 when it has none)."""
        value = getattr(self.decode_head, 'threshold', None)
        return 0.3 if value is None else value

    def extract_feat(self, inputs: torch.Tensor) -> Sequence[torch.Tensor]:
        """Backbone (and neck) features.

        Args:
            inputs (Tensor): Images ``N×C×H×W``.

        Returns:
            Sequence[Tensor]: Multi-level features.
        """
        feats = self.backbone(inputs)
        return self.neck(feats) if self.with_neck else feats

    def encode_decode(
        self, inputs: torch.Tensor, batch_img_metas: List[dict]
    ) -> torch.Tensor:
        """Logits resized to the input resolution by the decode head.

        Args:
            inputs (Tensor): Images ``N×C×H×W``.
            batch_img_metas (list[dict]): Metainfo of the samples.

        Returns:
            Tensor: Logits ``N×out_channels×H×W``.
        """
        feats = self.extract_feat(inputs)
        return self.decode_head.predict(feats, batch_img_metas, self.test_cfg)

    def loss(
        self, inputs: torch.Tensor, data_samples: List[SegDataSample]
    ) -> Dict[str, torch.Tensor]:
        """Losses of the decode head and the auxiliary heads.

        Args:
            inputs (Tensor): Images ``N×C×H×W``.
            data_samples (list[SegDataSample]): Samples with ``gt_sem_seg``.

        Returns:
            dict[str, Tensor]: Prefixed losses and accuracies.
        """
        if data_samples is None:
            raise ValueError('loss mode needs data_samples with gt_sem_seg')
        feats = self.extract_feat(inputs)
        losses = _add_prefix(
            self.decode_head.loss(feats, data_samples, self.train_cfg),
            'decode',
        )
        if isinstance(self.auxiliary_head, nn.ModuleList):
            for i, head in enumerate(self.auxiliary_head):
                losses.update(
                    _add_prefix(
                        head.loss(feats, data_samples, self.train_cfg),
                        f'aux_{i}',
                    )
                )
        elif self.with_auxiliary_head:
            losses.update(
                _add_prefix(
                    self.auxiliary_head.loss(
                        feats, data_samples, self.train_cfg
                    ),
                    'aux',
                )
            )
        return losses

    def predict(
        self,
        inputs: torch.Tensor,
        data_samples: Optional[List[SegDataSample]] = None,
    ) -> List[SegDataSample]:
        """Predictions at each sample's original shape.

        Args:
            inputs (Tensor): Preprocessed images ``N×C×H×W``.
            data_samples (list[SegDataSample], optional): Samples with
                metainfo; without them the inputs are taken as they are.

        Returns:
            list[SegDataSample]: The samples with ``seg_logits`` and
            ``pred_sem_seg``.
        """
        if data_samples is not None:
            batch_img_metas = [sample.metainfo for sample in data_samples]
        else:
            shape = tuple(inputs.shape[2:])
            batch_img_metas = [
                dict(
                    ori_shape=shape,
                    img_shape=shape,
                    pad_shape=shape,
                    padding_size=(0, 0, 0, 0),
                )
                for _ in range(inputs.shape[0])
            ]
        seg_logits = self.inference(inputs, batch_img_metas)
        return self.postprocess_result(seg_logits, data_samples)

    def _forward(
        self,
        inputs: torch.Tensor,
        data_samples: Optional[List[SegDataSample]] = None,
    ) -> Union[torch.Tensor, Tuple[torch.Tensor, ...]]:
        """Decode-head output without post-processing.

        Args:
            inputs (Tensor): Images ``N×C×H×W``.
            data_samples (list[SegDataSample], optional): Unused.

        Returns:
            Tensor: Logits at the decode head's resolution.
        """
        return self.decode_head.forward(self.extract_feat(inputs))

    def inference(
        self, inputs: torch.Tensor, batch_img_metas: List[dict]
    ) -> torch.Tensor:
        """Logits at the input resolution by ``test_cfg.mode``.

        Args:
            inputs (Tensor): Images ``N×C×H×W``.
            batch_img_metas (list[dict]): Metainfo of the samples.

        Returns:
            Tensor: Logits ``N×out_channels×H×W``.
        """
        ori_shape = batch_img_metas[0].get('ori_shape')
        if any(meta.get('ori_shape') != ori_shape for meta in batch_img_metas):
            print_log(
                'Image shapes are different in the batch.',
                logger='current',
                level=10,
            )
        if self.test_cfg.get('mode', 'whole') == 'slide':
            return self.slide_inference(inputs, batch_img_metas)
        return self.whole_inference(inputs, batch_img_metas)

    def whole_inference(
        self, inputs: torch.Tensor, batch_img_metas: List[dict]
    ) -> torch.Tensor:
        """Logits of whole images.

        Args:
            inputs (Tensor): Images ``N×C×H×W``.
            batch_img_metas (list[dict]): Metainfo of the samples.

        Returns:
            Tensor: Logits ``N×out_channels×H×W``.
        """
        return self.encode_decode(inputs, batch_img_metas)

    def slide_inference(
        self, inputs: torch.Tensor, batch_img_metas: List[dict]
    ) -> torch.Tensor:
        """Logits by overlapping crops, averaged where they overlap.

        Crops of ``test_cfg.crop_size`` start every ``test_cfg.stride``
        pixels; the last row and column of crops are shifted back to end at
        the image border. Each crop is handed to the decode head as a padded
        input of its own: its metainfo has ``img_shape`` and ``pad_shape``
        set to the crop's ``(h, w)``, so the head resizes its logits to the
        crop (the samples' metainfo is not changed).

        Args:
            inputs (Tensor): Images ``N×C×H×W``.
            batch_img_metas (list[dict]): Metainfo of the samples.

        Returns:
            Tensor: Logits ``N×out_channels×H×W``.
        """
        h_stride, w_stride = self.test_cfg['stride']
        h_crop, w_crop = self.test_cfg['crop_size']
        batch, _, h_img, w_img = inputs.shape
        h_grids = max(h_img - h_crop + h_stride - 1, 0) // h_stride + 1
        w_grids = max(w_img - w_crop + w_stride - 1, 0) // w_stride + 1
        preds = inputs.new_zeros((batch, self.out_channels, h_img, w_img))
        counts = inputs.new_zeros((1, 1, h_img, w_img))
        for h_idx in range(h_grids):
            for w_idx in range(w_grids):
                y2 = min(h_idx * h_stride + h_crop, h_img)
                x2 = min(w_idx * w_stride + w_crop, w_img)
                y1, x1 = max(y2 - h_crop, 0), max(x2 - w_crop, 0)
                crop = inputs[:, :, y1:y2, x1:x2]
                crop_shape = (y2 - y1, x2 - x1)
                crop_metas = [
                    dict(meta, img_shape=crop_shape, pad_shape=crop_shape)
                    for meta in batch_img_metas
                ]
                preds[:, :, y1:y2, x1:x2] += self.encode_decode(
                    crop, crop_metas
                )
                counts[:, :, y1:y2, x1:x2] += 1
        return preds / counts
