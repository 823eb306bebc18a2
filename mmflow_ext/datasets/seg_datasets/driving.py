# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Street scenes beyond Cityscapes: Dark Zurich, Night Driving, BDD100K,
Mapillary Vistas v1.2 and v2.0."""

from mmflow_ext.registry import DATASETS

from ..seg_dataset import BaseSegDataset, CityscapesDataset
from ..seg_metainfo import (
    CITYSCAPES_CLASSES,
    CITYSCAPES_PALETTE,
    MAPILLARY_V1_CLASSES,
    MAPILLARY_V1_PALETTE,
    MAPILLARY_V2_CLASSES,
    MAPILLARY_V2_PALETTE,
    make_metainfo,
)

__all__ = [
    'DarkZurichDataset',
    'NightDrivingDataset',
    'BDD100KDataset',
    'MapillaryDataset_v1',
    'MapillaryDataset_v2',
]


@DATASETS.register_module()
class DarkZurichDataset(CityscapesDataset):
    """Dark Zurich night images with the 19 Cityscapes classes.

    Args:
        img_suffix (str): Defaults to ``'_rgb_anon.png'``.
        seg_map_suffix (str): Defaults to ``'_gt_labelTrainIds.png'``.
        **kwargs: :class:`BaseSegDataset` arguments.
    """

    def __init__(
        self,
        img_suffix: str = '_rgb_anon.png',
        seg_map_suffix: str = '_gt_labelTrainIds.png',
        **kwargs,
    ) -> None:
        super().__init__(
            img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs
        )


@DATASETS.register_module()
class NightDrivingDataset(CityscapesDataset):
    """Nighttime Driving test set with the 19 Cityscapes classes.

    Args:
        img_suffix (str): Defaults to ``'_leftImg8bit.png'``.
        seg_map_suffix (str): Defaults to
            ``'_gtCoarse_labelTrainIds.png'``.
        **kwargs: :class:`BaseSegDataset` arguments.
    """

    def __init__(
        self,
        img_suffix: str = '_leftImg8bit.png',
        seg_map_suffix: str = '_gtCoarse_labelTrainIds.png',
        **kwargs,
    ) -> None:
        super().__init__(
            img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs
        )


@DATASETS.register_module()
class BDD100KDataset(BaseSegDataset):
    """BDD100K semantic segmentation: the 19 Cityscapes classes.

    Args:
        img_suffix (str): Defaults to ``'.jpg'``.
        seg_map_suffix (str): Defaults to ``'.png'``.
        reduce_zero_label (bool): Defaults to False.
        **kwargs: :class:`BaseSegDataset` arguments.
    """

    METAINFO = make_metainfo(CITYSCAPES_CLASSES, CITYSCAPES_PALETTE)

    def __init__(
        self,
        img_suffix: str = '.jpg',
        seg_map_suffix: str = '.png',
        reduce_zero_label: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            reduce_zero_label=reduce_zero_label,
            **kwargs,
        )


@DATASETS.register_module()
class MapillaryDataset_v1(BaseSegDataset):
    """Mapillary Vistas v1.2: 66 classes, the last one "Unlabeled".

    Args:
        img_suffix (str): Defaults to ``'.jpg'``.
        seg_map_suffix (str): Defaults to ``'.png'``.
        **kwargs: :class:`BaseSegDataset` arguments.
    """

    METAINFO = make_metainfo(MAPILLARY_V1_CLASSES, MAPILLARY_V1_PALETTE)

    def __init__(
        self, img_suffix: str = '.jpg', seg_map_suffix: str = '.png', **kwargs
    ) -> None:
        super().__init__(
            img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs
        )


@DATASETS.register_module()
class MapillaryDataset_v2(BaseSegDataset):
    """Mapillary Vistas v2.0: 124 classes, the last one "Unlabeled".

    Args:
        img_suffix (str): Defaults to ``'.jpg'``.
        seg_map_suffix (str): Defaults to ``'.png'``.
        **kwargs: :class:`BaseSegDataset` arguments.
    """

    METAINFO = make_metainfo(MAPILLARY_V2_CLASSES, MAPILLARY_V2_PALETTE)

    def __init__(
        self, img_suffix: str = '.jpg', seg_map_suffix: str = '.png', **kwargs
    ) -> None:
        super().__init__(
            img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs
        )
