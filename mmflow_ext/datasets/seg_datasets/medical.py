# Copyright (c) mmflow_ext contributors. All rights reserved.
"""2-D medical images: retinal vessels, REFUGE fundus, Synapse CT slices.

The retinal sets keep ``images/<split>/xxx.png`` and
``annotations/<split>/xxx<seg_map_suffix>`` as MMSegmentation's converters
write them, with background (0) and vessel (1) both counted as classes.
The 3-D loader of MMSegmentation (``DecathlonDataset``, NIfTI volumes) is
out of scope.
"""

from mmflow_ext.registry import DATASETS

from ..seg_dataset import BaseSegDataset
from ..seg_metainfo import (
    REFUGE_CLASSES,
    REFUGE_PALETTE,
    SYNAPSE_CLASSES,
    SYNAPSE_PALETTE,
    VESSEL_CLASSES,
    VESSEL_PALETTE,
    make_metainfo,
)

__all__ = [
    'DRIVEDataset',
    'HRFDataset',
    'STAREDataset',
    'ChaseDB1Dataset',
    'REFUGEDataset',
    'SynapseDataset',
]


@DATASETS.register_module()
class DRIVEDataset(BaseSegDataset):
    """DRIVE retinal vessels: maps are ``xxx_manual1.png``.

    Args:
        img_suffix (str): Defaults to ``'.png'``.
        seg_map_suffix (str): Defaults to ``'_manual1.png'``.
        reduce_zero_label (bool): Defaults to False.
        **kwargs: :class:`BaseSegDataset` arguments.
    """

    METAINFO = make_metainfo(VESSEL_CLASSES, VESSEL_PALETTE)

    def __init__(
        self,
        img_suffix: str = '.png',
        seg_map_suffix: str = '_manual1.png',
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
class HRFDataset(BaseSegDataset):
    """HRF retinal vessels: maps are ``xxx.png``.

    Args:
        img_suffix (str): Defaults to ``'.png'``.
        seg_map_suffix (str): Defaults to ``'.png'``.
        reduce_zero_label (bool): Defaults to False.
        **kwargs: :class:`BaseSegDataset` arguments.
    """

    METAINFO = make_metainfo(VESSEL_CLASSES, VESSEL_PALETTE)

    def __init__(
        self,
        img_suffix: str = '.png',
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
class STAREDataset(BaseSegDataset):
    """STARE retinal vessels: maps are ``xxx.ah.png``.

    Args:
        img_suffix (str): Defaults to ``'.png'``.
        seg_map_suffix (str): Defaults to ``'.ah.png'``.
        reduce_zero_label (bool): Defaults to False.
        **kwargs: :class:`BaseSegDataset` arguments.
    """

    METAINFO = make_metainfo(VESSEL_CLASSES, VESSEL_PALETTE)

    def __init__(
        self,
        img_suffix: str = '.png',
        seg_map_suffix: str = '.ah.png',
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
class ChaseDB1Dataset(BaseSegDataset):
    """CHASE_DB1 retinal vessels: maps are ``xxx_1stHO.png``.

    Args:
        img_suffix (str): Defaults to ``'.png'``.
        seg_map_suffix (str): Defaults to ``'_1stHO.png'``.
        reduce_zero_label (bool): Defaults to False.
        **kwargs: :class:`BaseSegDataset` arguments.
    """

    METAINFO = make_metainfo(VESSEL_CLASSES, VESSEL_PALETTE)

    def __init__(
        self,
        img_suffix: str = '.png',
        seg_map_suffix: str = '_1stHO.png',
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
class REFUGEDataset(BaseSegDataset):
    """REFUGE fundus images: background, optic cup and optic disc.

    As upstream, the suffixes (``'.png'`` / ``'.png'``) and
    ``reduce_zero_label=False`` are fixed: passing them is a ``TypeError``.

    Args:
        **kwargs: :class:`BaseSegDataset` arguments.
    """

    METAINFO = make_metainfo(REFUGE_CLASSES, REFUGE_PALETTE)

    def __init__(self, **kwargs) -> None:
        super().__init__(
            img_suffix='.png',
            seg_map_suffix='.png',
            reduce_zero_label=False,
            **kwargs,
        )


@DATASETS.register_module()
class SynapseDataset(BaseSegDataset):
    """Synapse multi-organ CT as 2-D slices: background and 8 organs.

    Args:
        img_suffix (str): Defaults to ``'.jpg'``.
        seg_map_suffix (str): Defaults to ``'.png'``.
        **kwargs: :class:`BaseSegDataset` arguments.
    """

    METAINFO = make_metainfo(SYNAPSE_CLASSES, SYNAPSE_PALETTE)

    def __init__(
        self, img_suffix: str = '.jpg', seg_map_suffix: str = '.png', **kwargs
    ) -> None:
        super().__init__(
            img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs
        )
