# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Aerial and satellite imagery: LoveDA, ISPRS Potsdam / Vaihingen, iSAID.

All four keep images and maps as ``img_dir/<split>/xxx.png`` and
``ann_dir/<split>/xxx*.png``, as the MMSegmentation converters write them.
"""

from mmflow_ext.registry import DATASETS

from ..seg_dataset import BaseSegDataset
from ..seg_metainfo import (
    ISAID_CLASSES,
    ISAID_PALETTE,
    ISPRS_CLASSES,
    ISPRS_PALETTE,
    LOVEDA_CLASSES,
    LOVEDA_PALETTE,
    make_metainfo,
)

__all__ = ['LoveDADataset', 'ISPRSDataset', 'PotsdamDataset', 'iSAIDDataset']


class _ZeroIgnoredPNGDataset(BaseSegDataset):
    """PNG images and maps whose label 0 is ignored (``reduce_zero_label``).

    Args:
        img_suffix (str): Defaults to ``'.png'``.
        seg_map_suffix (str): Defaults to ``'.png'``.
        reduce_zero_label (bool): Defaults to True.
        **kwargs: :class:`BaseSegDataset` arguments.
    """

    def __init__(
        self,
        img_suffix: str = '.png',
        seg_map_suffix: str = '.png',
        reduce_zero_label: bool = True,
        **kwargs,
    ) -> None:
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            reduce_zero_label=reduce_zero_label,
            **kwargs,
        )


@DATASETS.register_module()
class LoveDADataset(_ZeroIgnoredPNGDataset):
    """LoveDA: 7 land-cover classes; map value 0 is "no data" (ignored).

    Args:
        **kwargs: :class:`_ZeroIgnoredPNGDataset` arguments (``.png``
            images and maps, ``reduce_zero_label=True``).
    """

    METAINFO = make_metainfo(LOVEDA_CLASSES, LOVEDA_PALETTE)


@DATASETS.register_module()
class ISPRSDataset(_ZeroIgnoredPNGDataset):
    """ISPRS Vaihingen: 6 classes; map value 0 is the ignored boundary.

    Args:
        **kwargs: :class:`_ZeroIgnoredPNGDataset` arguments (``.png``
            images and maps, ``reduce_zero_label=True``).
    """

    METAINFO = make_metainfo(ISPRS_CLASSES, ISPRS_PALETTE)


@DATASETS.register_module()
class PotsdamDataset(_ZeroIgnoredPNGDataset):
    """ISPRS Potsdam: the 6 classes of :class:`ISPRSDataset`.

    Args:
        **kwargs: :class:`_ZeroIgnoredPNGDataset` arguments (``.png``
            images and maps, ``reduce_zero_label=True``).
    """

    METAINFO = make_metainfo(ISPRS_CLASSES, ISPRS_PALETTE)


@DATASETS.register_module()
class iSAIDDataset(BaseSegDataset):
    """iSAID: 16 classes (label 0 is background, a class).

    The converter cuts each image into patches named
    ``P0000_<y0>_<y1>_<x0>_<x1>.png`` and writes the label of patch ``xxx``
    as ``xxx_instance_color_RGB.png`` beside no image: the image suffix
    ``.png`` is the tail of the map suffix, so the image folder must not
    hold the maps (``img_dir`` and ``ann_dir`` are separate folders). A
    split file lists patch stems, without any suffix.

    Args:
        img_suffix (str): Defaults to ``'.png'``.
        seg_map_suffix (str): Defaults to ``'_instance_color_RGB.png'``.
        ignore_index (int): Defaults to 255.
        **kwargs: :class:`BaseSegDataset` arguments.
    """

    METAINFO = make_metainfo(ISAID_CLASSES, ISAID_PALETTE)

    def __init__(
        self,
        img_suffix: str = '.png',
        seg_map_suffix: str = '_instance_color_RGB.png',
        ignore_index: int = 255,
        **kwargs,
    ) -> None:
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            ignore_index=ignore_index,
            **kwargs,
        )
