# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``VisBackend``: the local backend of MMagic's generation runtime
(``gen_default_runtime.py``), writing images atomically."""

from typing import Optional

import numpy as np

from mmflow_ext.registry import VISBACKENDS

from .vis_backend import LocalVisBackend

__all__ = ['VisBackend']


@VISBACKENDS.register_module()
class VisBackend(LocalVisBackend):
    """MMagic's ``VisBackend`` (same arguments and file names:
    ``<save_dir>/<img_save_dir>/<name>_<step>.png``, the config and
    ``scalars.json``) on :class:`LocalVisBackend`. Files stay local.

    Args:
        save_dir (str): Root of the files.
        img_save_dir (str): Image folder under it. Defaults to
            ``'vis_image'``.
        config_save_file (str): Config file name (``.py``). Defaults to
            ``'config.py'``.
        scalar_save_file (str): Scalar file name (``.json``). Defaults to
            ``'scalars.json'``.
        ceph_path (str, optional): Must be None (no remote upload).
        delete_local_image (bool): Unused (images are kept). Defaults to
            True.

    Raises:
        ValueError: For a ``ceph_path`` or file names with other
            extensions.
    """

    def __init__(
        self,
        save_dir: str,
        img_save_dir: str = 'vis_image',
        config_save_file: str = 'config.py',
        scalar_save_file: str = 'scalars.json',
        ceph_path: Optional[str] = None,
        delete_local_image: bool = True,
    ) -> None:
        if ceph_path is not None:
            raise ValueError(
                f'VisBackend: ceph_path={ceph_path!r} is not supported; '
                'mmflow_ext keeps visualization files local'
            )
        for name, value, ext in (
            ('config_save_file', config_save_file, '.py'),
            ('scalar_save_file', scalar_save_file, '.json'),
        ):
            if not value.endswith(ext):
                raise ValueError(
                    f'VisBackend: {name} must end in {ext}, got {value!r}'
                )
        super().__init__(
            save_dir,
            img_save_dir=img_save_dir,
            config_save_file=config_save_file,
            scalar_save_file=scalar_save_file,
        )
        self._delete_local_image = delete_local_image

    def add_image(
        self, name: str, image: np.ndarray, step: int = 0, **kwargs
    ) -> None:
        """Write an ``H×W×3`` uint8 RGB image (see
        :meth:`LocalVisBackend.add_image`).

        Raises:
            ValueError: For frame stacks (MMagic's GIFs), not supported.
        """
        if image.ndim != 3:
            raise ValueError(
                f'VisBackend.add_image("{name}") takes an H×W×3 image, got '
                f'shape {tuple(image.shape)} (GIFs are not supported)'
            )
        super().add_image(name, image, step, **kwargs)
