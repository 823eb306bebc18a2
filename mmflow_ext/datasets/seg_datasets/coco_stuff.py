# Copyright (c) mmflow_ext contributors. All rights reserved.
"""COCO-Stuff, 10k and 164k."""

from mmflow_ext.registry import DATASETS

from ..seg_dataset import BaseSegDataset
from ..seg_metainfo import (
    COCO_STUFF_CLASSES,
    COCO_STUFF_PALETTE,
    make_metainfo,
)

__all__ = ['COCOStuffDataset']


@DATASETS.register_module()
class COCOStuffDataset(BaseSegDataset):
    """COCO-Stuff: 171 classes in ``*_labelTrainIds.png`` maps.

    The 10k maps hold train ids 1..171 with 0 for "unlabeled", so its
    config sets ``reduce_zero_label=True``; the 164k maps hold 0..170 with
    255 for "unlabeled" and keep the default False.

    Args:
        img_suffix (str): Defaults to ``'.jpg'``.
        seg_map_suffix (str): Defaults to ``'_labelTrainIds.png'``.
        **kwargs: :class:`BaseSegDataset` arguments.
    """

    METAINFO = make_metainfo(COCO_STUFF_CLASSES, COCO_STUFF_PALETTE)

    def __init__(
        self,
        img_suffix: str = '.jpg',
        seg_map_suffix: str = '_labelTrainIds.png',
        **kwargs,
    ) -> None:
        super().__init__(
            img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs
        )
