# Copyright (c) mmflow_ext contributors. All rights reserved.
"""The segmentation datasets of MMSegmentation's families beyond ADE20K and
Cityscapes, one module per family."""

from .aerial import ISPRSDataset, LoveDADataset, PotsdamDataset, iSAIDDataset
from .change_detection import BaseCDDataset, LEVIRCDDataset
from .coco_stuff import COCOStuffDataset
from .depth import NYUDataset
from .driving import (
    BDD100KDataset,
    DarkZurichDataset,
    MapillaryDataset_v1,
    MapillaryDataset_v2,
    NightDrivingDataset,
)
from .dsdl import DSDLSegDataset
from .human_parsing import LIPDataset
from .medical import (
    ChaseDB1Dataset,
    DRIVEDataset,
    HRFDataset,
    REFUGEDataset,
    STAREDataset,
    SynapseDataset,
)
from .pascal import (
    PascalContextDataset,
    PascalContextDataset59,
    PascalVOCDataset,
)

__all__ = [
    'BaseCDDataset',
    'BDD100KDataset',
    'DSDLSegDataset',
    'COCOStuffDataset',
    'ChaseDB1Dataset',
    'DRIVEDataset',
    'DarkZurichDataset',
    'HRFDataset',
    'ISPRSDataset',
    'LEVIRCDDataset',
    'LIPDataset',
    'LoveDADataset',
    'MapillaryDataset_v1',
    'MapillaryDataset_v2',
    'NightDrivingDataset',
    'NYUDataset',
    'PascalContextDataset',
    'PascalContextDataset59',
    'PascalVOCDataset',
    'PotsdamDataset',
    'REFUGEDataset',
    'STAREDataset',
    'SynapseDataset',
    'iSAIDDataset',
]
