# Copyright (c) mmflow_ext contributors. All rights reserved.
'''Editing models: the base restoration model and small generators.'''

from .average_model import ExponentialMovingAverage
from .base_conditional_gan import BaseConditionalGAN
from .base_edit_model import BaseEditModel
from .base_gan import BaseGAN
from .base_translation_model import BaseTranslationModel, TranslationInputError
from .cyclegan import CycleGAN
from .edsr_net import EDSRNet
from .espcn_net import ESPCNNet
from .nafnet_net import NAFNet
from .pix2pix import Pix2Pix
from .recurrent_vsr_net import RecurrentVSRNet
from .rrdb_net import RRDBNet
from .sngan_proj import SAGAN, CompactCondGenerator, CompactProjDiscriminator
from .spandrel_generator import SpandrelGenerator
from .srcnn_net import SRCNNNet
from .translation_nets import (
    PatchDiscriminator,
    ResnetGenerator,
    UnetGenerator,
)
from .translation_utils import GANImageBuffer

__all__ = [
    'BaseEditModel',
    'EDSRNet',
    'ESPCNNet',
    'NAFNet',
    'RRDBNet',
    'RecurrentVSRNet',
    'SRCNNNet',
    'SpandrelGenerator',
    'BaseGAN',
    'BaseConditionalGAN',
    'SAGAN',
    'CompactCondGenerator',
    'CompactProjDiscriminator',
    'ExponentialMovingAverage',
    'BaseTranslationModel',
    'TranslationInputError',
    'Pix2Pix',
    'CycleGAN',
    'UnetGenerator',
    'ResnetGenerator',
    'PatchDiscriminator',
    'GANImageBuffer',
]
