# Copyright (c) mmflow_ext contributors. All rights reserved.
'''Editing models: the base restoration model and small generators.'''
from .base_edit_model import BaseEditModel
from .espcn_net import ESPCNNet
from .srcnn_net import SRCNNNet

__all__ = ['BaseEditModel', 'ESPCNNet', 'SRCNNNet']
