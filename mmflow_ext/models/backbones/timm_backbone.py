# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``TimmBackbone``: any timm model as a multi-scale backbone (needs the
``models`` extra)."""

from typing import List, Optional, Sequence, Tuple

import torch
from mmengine.model import BaseModule
from mmengine.runner.checkpoint import load_state_dict

from mmflow_ext.compat.checkpoint import load_checkpoint_file
from mmflow_ext.registry import MODELS

from ..utils.optional import import_extra, unknown_name_error
from ..utils.pretrained import PretrainedInitMixin

__all__ = ['TimmBackbone']


@MODELS.register_module()
class TimmBackbone(PretrainedInitMixin, BaseModule):
    """A timm model built with ``features_only=True``: its forward returns
    the feature maps of ``out_indices``, whose channels and strides
    :attr:`channels` and :attr:`reductions` give (from timm's
    ``feature_info``), so a decode head's ``in_channels`` can be read off.

    Weights never come from a hub: ``pretrained=True`` is refused, and
    ``checkpoint_path`` loads a local timm state dict through the safe
    loader (``state_dict`` entry or the whole file, strict).

    Args:
        model_name (str): A name of ``timm.list_models()``.
        features_only (bool): Must be True (a backbone returns features).
        pretrained (bool): Must be False; use ``checkpoint_path``.
        checkpoint_path (str): Local weights of the timm model.
        in_channels (int): Input channels. Defaults to 3.
        out_indices (Sequence[int]): Feature levels to return.
            Defaults to ``(0, 1, 2, 3, 4)``.
        output_stride (int, optional): 8 or 16 to dilate the last stages
            of models that support it (ResNets).
        init_cfg (dict, optional): Initialization config (``Pretrained``
            loads through the safe loader).
        **kwargs: Passed to ``timm.create_model``.
    """

    def __init__(
        self,
        model_name: str,
        features_only: bool = True,
        pretrained: bool = False,
        checkpoint_path: str = '',
        in_channels: int = 3,
        out_indices: Sequence[int] = (0, 1, 2, 3, 4),
        output_stride: Optional[int] = None,
        init_cfg: Optional[dict] = None,
        **kwargs,
    ):
        timm = import_extra('timm', 'TimmBackbone')
        super().__init__(init_cfg=init_cfg)
        if not features_only:
            raise ValueError(
                'TimmBackbone needs features_only=True: a backbone returns '
                'multi-scale features'
            )
        if pretrained:
            raise ValueError(
                'TimmBackbone never downloads weights: pretrained must be '
                'False; put the weights on disk and set checkpoint_path'
            )
        if not timm.is_model(model_name):
            raise unknown_name_error(
                'timm model', model_name, timm.list_models()
            )
        if output_stride is not None:
            kwargs['output_stride'] = output_stride
        self.timm_model = timm.create_model(
            model_name,
            features_only=True,
            pretrained=False,
            in_chans=in_channels,
            out_indices=tuple(out_indices),
            **kwargs,
        )
        if checkpoint_path:
            self.load_timm_checkpoint(checkpoint_path)

    @property
    def channels(self) -> List[int]:
        """Channels of each returned feature map."""
        return self.timm_model.feature_info.channels()

    @property
    def reductions(self) -> List[int]:
        """Stride of each returned feature map relative to the input."""
        return self.timm_model.feature_info.reduction()

    def load_timm_checkpoint(self, filename: str) -> None:
        """Load a timm state dict from a local file, strictly, safely.

        Keys of the feature extractor and of the full model both load:
        those the feature extractor lacks (a classifier) are dropped.

        Args:
            filename (str): The checkpoint path.
        """
        loaded = load_checkpoint_file(filename, map_location='cpu')
        state_dict = loaded.get('state_dict', loaded)
        if not isinstance(state_dict, dict):
            raise TypeError(
                f'TimmBackbone: checkpoint "{filename}" holds no state dict'
            )
        own = self.timm_model.state_dict()
        state_dict = {k: v for k, v in state_dict.items() if k in own}
        load_state_dict(self.timm_model, state_dict, strict=True)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Feature maps of ``out_indices``.

        Args:
            x (Tensor): Images ``N×C×H×W``.

        Returns:
            tuple[Tensor]: One map per index, ``N×channels[i]×H/r×W/r``.
        """
        return tuple(self.timm_model(x))
