# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``SpandrelGenerator``: any architecture spandrel detects, as the
generator of an editing model (needs the ``models`` extra)."""

from typing import Optional

from mmengine.model import BaseModule
from torch import Tensor

from mmflow_ext.compat.checkpoint import load_checkpoint_file
from mmflow_ext.registry import MODELS

from ..utils.optional import import_extra, unknown_name_error

__all__ = ['SpandrelGenerator']


@MODELS.register_module()
class SpandrelGenerator(BaseModule):
    """The network of a community checkpoint (ESRGAN, SwinIR, HAT, ...),
    its architecture and hyper-parameters detected by spandrel from the
    state dict.

    The file is read by our safe loader (``weights_only``, data only), and
    only the state dict is handed to spandrel, so a checkpoint cannot run
    code on load. The network sees the generator input as it comes from the
    data preprocessor: spandrel's models expect RGB in ``[0, 1]``, so
    configure the preprocessor with ``mean=[0, 0, 0]``,
    ``std=[255, 255, 255]`` and RGB order.

    Args:
        checkpoint (str): Local ``.pth``/``.ckpt`` file of a network.
        arch (str, optional): Expected spandrel architecture id (e.g.
            ``'ESRGAN'``); a different detection raises an error.
        init_cfg (dict, optional): Initialization config.

    Attributes:
        scale (int): Upscaling factor of the network.
        architecture (str): The detected architecture id.
    """

    def __init__(
        self,
        checkpoint: str,
        arch: Optional[str] = None,
        init_cfg: Optional[dict] = None,
    ):
        spandrel = import_extra('spandrel', 'SpandrelGenerator')
        super().__init__(init_cfg=init_cfg)
        known = [
            support.architecture.id
            for support in spandrel.MAIN_REGISTRY.architectures()
        ]
        if arch is not None and arch not in known:
            raise unknown_name_error('spandrel architecture', arch, known)
        loaded = load_checkpoint_file(checkpoint, map_location='cpu')
        state_dict = spandrel.canonicalize_state_dict(loaded)
        try:
            descriptor = spandrel.ModelLoader().load_from_state_dict(
                state_dict
            )
        except spandrel.UnsupportedModelError as error:
            raise ValueError(
                f'SpandrelGenerator: spandrel recognises no architecture in '
                f'"{checkpoint}"'
            ) from error
        detected = descriptor.architecture.id
        if arch is not None and detected != arch:
            raise ValueError(
                f'SpandrelGenerator: "{checkpoint}" holds a {detected} '
                f'network, not the {arch} the config asks for'
            )
        self.architecture = detected
        self.scale = descriptor.scale
        self.model = descriptor.model

    def forward(self, x: Tensor) -> Tensor:
        """The network's output.

        Args:
            x (Tensor): Images ``N×C×H×W``.

        Returns:
            Tensor: ``N×C'×(H·scale)×(W·scale)``.
        """
        return self.model(x)
