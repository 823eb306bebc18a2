# Copyright (c) mmflow_ext contributors. All rights reserved.
'''Editing models: the base restoration model and small generators.'''

from .average_model import ExponentialMovingAverage
from .base_conditional_gan import BaseConditionalGAN
from .base_edit_model import BaseEditModel
from .base_gan import BaseGAN
from .edsr_net import EDSRNet
from .espcn_net import ESPCNNet
from .nafnet_net import NAFNet
from .rrdb_net import RRDBNet
from .sngan_proj import SAGAN, CompactCondGenerator, CompactProjDiscriminator
from .srcnn_net import SRCNNNet

__all__ = [
    'BaseEditModel',
    'EDSRNet',
    'ESPCNNet',
    'NAFNet',
    'RRDBNet',
    'SRCNNNet',
    'BaseGAN',
    'BaseConditionalGAN',
    'SAGAN',
    'CompactCondGenerator',
    'CompactProjDiscriminator',
    'ExponentialMovingAverage',
]
