# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Pascal VOC 2012 and Pascal Context (VOC2010 images)."""

import os.path as osp
from typing import List

from mmflow_ext.registry import DATASETS

from ..seg_dataset import BaseSegDataset
from ..seg_metainfo import (
    PASCAL_CONTEXT59_CLASSES,
    PASCAL_CONTEXT59_PALETTE,
    PASCAL_CONTEXT_CLASSES,
    PASCAL_CONTEXT_PALETTE,
    VOC_CLASSES,
    VOC_PALETTE,
    make_metainfo,
)

__all__ = [
    'PascalVOCDataset',
    'PascalContextDataset',
    'PascalContextDataset59',
]


@DATASETS.register_module()
class PascalVOCDataset(BaseSegDataset):
    """Pascal VOC 2012: 21 classes with background, split files required.

    The layout is ``JPEGImages/xxx.jpg`` and ``SegmentationClass/xxx.png``
    (``SegmentationClassAug`` for the aug set), with the samples named by a
    split file such as ``ImageSets/Segmentation/train.txt``. The aug
    training set is a ``ConcatDataset`` of two of these datasets, one per
    split file.

    Args:
        ann_file (str): The split file (required).
        img_suffix (str): Defaults to ``'.jpg'``.
        seg_map_suffix (str): Defaults to ``'.png'``.
        **kwargs: :class:`BaseSegDataset` arguments.

    Raises:
        FileNotFoundError: When ``ann_file`` is not a file.
    """

    METAINFO = make_metainfo(VOC_CLASSES, VOC_PALETTE)

    def __init__(
        self,
        ann_file: str,
        img_suffix: str = '.jpg',
        seg_map_suffix: str = '.png',
        **kwargs,
    ) -> None:
        super().__init__(
            ann_file=ann_file,
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            **kwargs,
        )

    def load_data_list(self) -> List[dict]:
        """List the samples of the split file.

        Returns:
            list[dict]: One dict per sample.

        Raises:
            FileNotFoundError: When ``ann_file`` is not a file.
        """
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(
                f'{type(self).__name__} needs a split file: ann_file '
                f'"{self.ann_file}" is not a file'
            )
        return super().load_data_list()


@DATASETS.register_module()
class PascalContextDataset(BaseSegDataset):
    """Pascal Context: 60 classes, label 0 (background) is a class.

    Args:
        ann_file (str): Split file, e.g.
            ``ImageSets/SegmentationContext/train.txt``. Defaults to ''.
        img_suffix (str): Defaults to ``'.jpg'``.
        seg_map_suffix (str): Defaults to ``'.png'``.
        reduce_zero_label (bool): Defaults to False.
        **kwargs: :class:`BaseSegDataset` arguments.
    """

    METAINFO = make_metainfo(PASCAL_CONTEXT_CLASSES, PASCAL_CONTEXT_PALETTE)

    def __init__(
        self,
        ann_file: str = '',
        img_suffix: str = '.jpg',
        seg_map_suffix: str = '.png',
        reduce_zero_label: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(
            ann_file=ann_file,
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            reduce_zero_label=reduce_zero_label,
            **kwargs,
        )


@DATASETS.register_module()
class PascalContextDataset59(BaseSegDataset):
    """Pascal Context 59: the 59 object classes, background is ignored.

    The maps are those of :class:`PascalContextDataset`; with
    ``reduce_zero_label=True`` label 0 becomes 255. Maps that already hold
    0..58 with a 255 background need ``reduce_zero_label=False``.

    Args:
        ann_file (str): Split file. Defaults to ''.
        img_suffix (str): Defaults to ``'.jpg'``.
        seg_map_suffix (str): Defaults to ``'.png'``.
        reduce_zero_label (bool): Defaults to True.
        **kwargs: :class:`BaseSegDataset` arguments.
    """

    METAINFO = make_metainfo(
        PASCAL_CONTEXT59_CLASSES, PASCAL_CONTEXT59_PALETTE
    )

    def __init__(
        self,
        ann_file: str = '',
        img_suffix: str = '.jpg',
        seg_map_suffix: str = '.png',
        reduce_zero_label: bool = True,
        **kwargs,
    ) -> None:
        super().__init__(
            ann_file=ann_file,
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            reduce_zero_label=reduce_zero_label,
            **kwargs,
        )
