# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Image-translation datasets (MMagic 1.x names): ``PairedImageDataset``
(pix2pix ``A|B`` images in ``train``/``test``) and ``UnpairedImageDataset``
(CycleGAN ``trainA``/``trainB`` folders)."""

import os.path as osp
from typing import Callable, List, Optional, Sequence, Union

import numpy as np
from mmengine.dataset import BaseDataset, force_full_init
from mmengine.fileio import get_file_backend

from mmflow_ext.registry import DATASETS, TRANSFORMS

from .paired_image_dataset import IMG_EXTENSIONS

__all__ = ['PairedImageDataset', 'UnpairedImageDataset']

Pipeline = Sequence[Union[dict, Callable]]


def _build_pipeline(pipeline: Pipeline) -> list:
    return [
        TRANSFORMS.build(t) if isinstance(t, dict) else t for t in pipeline
    ]


def _backend(data_root: str, io_backend: Optional[str]):
    if io_backend is None:
        return get_file_backend(uri=str(data_root))
    return get_file_backend(backend_args={'backend': io_backend})


def scan_images(file_backend, folder: str) -> List[str]:
    """Sorted image paths under ``folder`` (recursively).

    Raises:
        FileNotFoundError: ``folder`` is a missing local folder.
        ValueError: It holds no image (the message names it).
    """
    if file_backend.name == 'LocalBackend' and not osp.isdir(folder):
        raise FileNotFoundError(f'Image folder not found: {folder}')
    names = file_backend.list_dir_or_file(
        folder, list_dir=False, suffix=IMG_EXTENSIONS, recursive=True
    )
    images = sorted(file_backend.join_path(folder, n) for n in names)
    if not images:
        raise ValueError(f'{folder} has no valid image file.')
    return images


@DATASETS.register_module()
class PairedImageDataset(BaseDataset):
    """Pix2pix data: each image holds domain A on the left and B on the
    right; samples are ``dict(pair_path=...)`` from ``data_root/train``
    (or ``data_root/{test_dir}`` in test mode). Split the images with
    ``LoadPairedImageFromFile``.

    Args:
        data_root (str): Root holding ``train`` and ``test_dir``.
        pipeline (list): Transforms or their configs (our registry).
        io_backend (str, optional): File backend; from ``data_root`` when
            None.
        test_mode (bool): Read ``test_dir``. Defaults to False.
        test_dir (str): Folder of the test split. Defaults to ``'test'``.
    """

    def __init__(
        self,
        data_root: str,
        pipeline: Pipeline,
        io_backend: Optional[str] = None,
        test_mode: bool = False,
        test_dir: str = 'test',
    ) -> None:
        phase = test_dir if test_mode else 'train'
        self.data_root = osp.join(str(data_root), phase)
        self.file_backend = _backend(data_root, io_backend)
        super().__init__(
            data_root=self.data_root,
            pipeline=_build_pipeline(pipeline),
            test_mode=test_mode,
        )

    def load_data_list(self) -> List[dict]:
        """One ``dict(pair_path=...)`` per image, sorted."""
        return [
            dict(pair_path=path)
            for path in scan_images(self.file_backend, self.data_root)
        ]


@DATASETS.register_module()
class UnpairedImageDataset(BaseDataset):
    """CycleGAN data: ``{phase}A`` and ``{phase}B`` folders of unpaired
    images (``phase`` is ``train`` or ``test``).

    Sample ``i`` is ``img_{domain_a}_path`` = A's ``i % len(A)`` and
    ``img_{domain_b}_path`` = a random B (NumPy's global generator, as
    MMagic) in training, B's ``i % len(B)`` in test mode; the length is the
    larger folder's.

    Args:
        data_root (str): Root holding the folders.
        pipeline (list): Transforms or their configs (our registry).
        io_backend (str, optional): File backend; from ``data_root`` when
            None.
        test_mode (bool): Use the ``test`` folders. Defaults to False.
        domain_a (str): Name of domain A in the keys. Defaults to ``'A'``.
        domain_b (str): Name of domain B. Defaults to ``'B'``.
    """

    def __init__(
        self,
        data_root: str,
        pipeline: Pipeline,
        io_backend: Optional[str] = None,
        test_mode: bool = False,
        domain_a: str = 'A',
        domain_b: str = 'B',
    ) -> None:
        phase = 'test' if test_mode else 'train'
        self.dataroot_a = osp.join(str(data_root), phase + 'A')
        self.dataroot_b = osp.join(str(data_root), phase + 'B')
        self.file_backend = _backend(data_root, io_backend)
        if not isinstance(domain_a, str) or not isinstance(domain_b, str):
            raise TypeError(
                'domain_a and domain_b must be str, got '
                f'{domain_a!r} and {domain_b!r}'
            )
        self.domain_a = domain_a
        self.domain_b = domain_b
        super().__init__(
            data_root=data_root,
            pipeline=_build_pipeline(pipeline),
            test_mode=test_mode,
            serialize_data=False,
        )
        self.len_a = len(self.data_infos_a)
        self.len_b = len(self.data_infos_b)

    def load_data_list(self) -> List[list]:
        """The two domains' ``dict(path=...)`` lists."""
        self.data_infos_a = [
            dict(path=p)
            for p in scan_images(self.file_backend, self.dataroot_a)
        ]
        self.data_infos_b = [
            dict(path=p)
            for p in scan_images(self.file_backend, self.dataroot_b)
        ]
        return [self.data_infos_a, self.data_infos_b]

    @force_full_init
    def get_data_info(self, idx: int) -> dict:
        """Paths of sample ``idx`` (B drawn at random in training)."""
        path_a = self.data_infos_a[idx % self.len_a]['path']
        if self.test_mode:
            idx_b = idx % self.len_b
        else:
            idx_b = np.random.randint(0, self.len_b)
        return {
            f'img_{self.domain_a}_path': path_a,
            f'img_{self.domain_b}_path': self.data_infos_b[idx_b]['path'],
        }

    def __len__(self) -> int:
        return max(self.len_a, self.len_b)
