# Copyright (c) mmflow_ext contributors. All rights reserved.
"""LIP (Look Into Person) human parsing."""

from mmflow_ext.registry import DATASETS

from ..seg_dataset import BaseSegDataset
from ..seg_metainfo import LIP_CLASSES, LIP_PALETTE, make_metainfo

__all__ = ['LIPDataset']


@DATASETS.register_module()
class LIPDataset(BaseSegDataset):
    """LIP: 20 classes, label 0 (background) is a class.

    Args:
        img_suffix (str): Defaults to ``'.jpg'``.
        seg_map_suffix (str): Defaults to ``'.png'``.
        **kwargs: :class:`BaseSegDataset` arguments.
    """

    # upstream's palette is a tuple of [R, G, B] lists
    METAINFO = make_metainfo(LIP_CLASSES, LIP_PALETTE, container=tuple)

    def __init__(
        self, img_suffix: str = '.jpg', seg_map_suffix: str = '.png', **kwargs
    ) -> None:
        super().__init__(
            img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs
        )
