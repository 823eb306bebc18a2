# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``BasicImageDataset``: images found in one folder per key (``img``,
``gt``, ...), paired by file name, for restoration and inpainting."""

import os
import os.path as osp
import re
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

from mmengine.dataset import BaseDataset
from mmengine.fileio import LocalBackend, get_file_backend, list_from_file

from mmflow_ext.registry import DATASETS, TRANSFORMS

from .lmdb_store import META_INFO, is_lmdb_store, lmdb_key, missing_lmdb_keys

__all__ = ['BasicImageDataset', 'IMG_EXTENSIONS']

IMG_EXTENSIONS = (
    '.jpg',
    '.JPG',
    '.jpeg',
    '.JPEG',
    '.png',
    '.PNG',
    '.ppm',
    '.PPM',
    '.bmp',
    '.BMP',
    '.tif',
    '.TIF',
    '.tiff',
    '.TIFF',
)


@DATASETS.register_module()
class BasicImageDataset(BaseDataset):
    """Paired (or single) image folders of low-level vision tasks.

    Each sample is a dict with ``key`` (the file name without extension,
    relative to the searched folder) and ``{prefix_key}_path`` for every
    key of ``data_prefix``. File names are listed from the ``search_key``
    folder (or read from ``ann_file``, one relative path per line, anything
    after a space ignored), and mapped to the other folders through
    ``filename_tmpl``: ``dict(img='{}_x4')`` finds ``a_x4.png`` in the
    ``img`` folder for ``a.png`` in the ``gt`` folder.

    Args:
        ann_file (str): Annotation file; ``''`` scans the folder.
        metainfo (dict, optional): Dataset meta information.
        data_root (str, optional): Root of ``data_prefix`` and ``ann_file``.
        data_prefix (dict): Folder of each key, e.g.
            ``dict(img='LR', gt='HR')``. Defaults to ``dict(img='')``.
        pipeline (list): Transforms or their configs, built with our
            registry (no default scope needed). Defaults to ``[]``.
        test_mode (bool): Whether in test mode. Defaults to False.
        filename_tmpl (dict, optional): Template (without extension) of
            each key's file names. Defaults to ``'{}'`` for every key.
        search_key (str, optional): Key whose folder is listed. Defaults to
            the first key of ``data_prefix``.
        backend_args (dict, optional): Arguments of the file backend.
        img_suffix (str | tuple[str]): Extensions of the listed files.
        recursive (bool): List sub-folders too. Defaults to False.
        **kwargs: Other arguments of :class:`mmengine.dataset.BaseDataset`.

    A folder of ``data_prefix`` may be an LMDB store (``*.lmdb`` with
    ``data.mdb``, read through ``LoadImageFromFile(backend_args=dict(
    backend='lmdb', db_path=...))`` as in MMagic): its samples are checked
    by key (file name without extension) instead of on disk, and without
    ``ann_file`` the names come from the store's ``meta_info.txt``. With a
    non-local file backend nothing is checked.

    Raises:
        FileNotFoundError: A folder, the annotation file or a paired file
            is missing (the message names it).
        KeyError: A key is missing from an LMDB store (the message names
            the key and the store).
        ValueError: No sample is found (the message names the folder).
    """

    METAINFO = dict(dataset_type='basic_image_dataset', task_name='editing')

    def __init__(
        self,
        ann_file: str = '',
        metainfo: Optional[dict] = None,
        data_root: Optional[str] = None,
        data_prefix: Optional[Dict[str, str]] = None,
        pipeline: Sequence[Union[dict, Callable]] = (),
        test_mode: bool = False,
        filename_tmpl: Optional[Dict[str, str]] = None,
        search_key: Optional[str] = None,
        backend_args: Optional[dict] = None,
        img_suffix: Union[str, Tuple[str, ...]] = IMG_EXTENSIONS,
        recursive: bool = False,
        **kwargs,
    ) -> None:
        data_prefix = (
            dict(img='') if data_prefix is None else dict(data_prefix)
        )
        if not data_prefix:
            raise ValueError('data_prefix must name at least one folder')
        self.filename_tmpl = {key: '{}' for key in data_prefix}
        self.filename_tmpl.update(filename_tmpl or {})
        self.search_key = search_key or next(iter(data_prefix))
        if self.search_key not in data_prefix:
            raise KeyError(
                f'search_key "{self.search_key}" is not a key of '
                f'data_prefix {sorted(data_prefix)}'
            )
        self.use_ann_file = ann_file != ''
        self.backend_args = (
            None if backend_args is None else dict(backend_args)
        )
        self.img_suffix = img_suffix
        self.recursive = recursive
        self.file_backend = get_file_backend(
            uri=data_root, backend_args=backend_args
        )
        super().__init__(
            ann_file=ann_file,
            metainfo=metainfo,
            data_root=data_root,
            data_prefix=data_prefix,
            pipeline=[
                TRANSFORMS.build(t) if isinstance(t, dict) else t
                for t in pipeline
            ],
            test_mode=test_mode,
            **kwargs,
        )

    def load_data_list(self) -> List[dict]:
        """List the samples.

        Returns:
            list[dict]: ``key`` and ``{key}_path`` of each sample.
        """
        self._check_folders()
        if self.use_ann_file:
            names = self._names_from_ann(self.ann_file)
        elif self._is_local() and is_lmdb_store(
            self.data_prefix[self.search_key]
        ):
            names = self._names_from_ann(
                osp.join(self.data_prefix[self.search_key], META_INFO)
            )
        else:
            names = self._names_from_folder()
        if not names:
            source = (
                self.ann_file
                if self.use_ann_file
                else self.data_prefix[self.search_key]
            )
            raise ValueError(
                f'No images found in {source} (suffixes {self.img_suffix})'
            )
        data_list = []
        for name in names:
            stem, ext = osp.splitext(name)
            stem = stem.lstrip(os.sep)
            sample = dict(key=stem)
            for key, folder in self.data_prefix.items():
                file_name = self.filename_tmpl[key].format(stem) + ext
                sample[f'{key}_path'] = osp.join(folder, file_name)
            data_list.append(sample)
        self._check_pairs(data_list)
        return data_list

    def _is_local(self) -> bool:
        return isinstance(self.file_backend, LocalBackend)

    def _check_folders(self) -> None:
        if not self._is_local():
            return
        for key, folder in self.data_prefix.items():
            if not osp.isdir(folder or '.'):
                raise FileNotFoundError(
                    f'Folder of "{key}" images not found: {folder}'
                )

    def _check_pairs(self, data_list: List[dict]) -> None:
        if not self._is_local():
            return
        stores = [
            key
            for key, folder in self.data_prefix.items()
            if is_lmdb_store(folder)
        ]
        for key in stores:
            self._check_store(key, data_list)
        for sample in data_list:
            for key in self.data_prefix:
                if key in stores:
                    continue
                path = sample[f'{key}_path']
                if not osp.isfile(path):
                    raise FileNotFoundError(
                        f'Image "{path}" ({key} of sample "{sample["key"]}")'
                        ' not found'
                    )

    def _check_store(self, key: str, data_list: List[dict]) -> None:
        folder = self.data_prefix[key]
        wanted = [lmdb_key(sample[f'{key}_path']) for sample in data_list]
        missing = missing_lmdb_keys(folder, wanted)
        if missing:
            raise KeyError(
                f'Key "{missing[0]}" ({key} of sample '
                f'"{data_list[wanted.index(missing[0])]["key"]}") is not in '
                f'the LMDB store {folder} ({len(missing)} keys missing)'
            )

    def _names_from_ann(self, ann_file: str) -> List[str]:
        if self._is_local() and not osp.isfile(ann_file):
            raise FileNotFoundError(f'Annotation file not found: {ann_file}')
        names = []
        for line in list_from_file(ann_file, backend_args=self.backend_args):
            if line.strip():
                names.append(line.split(' ')[0].replace('/', os.sep))
        return names

    def _names_from_folder(self) -> List[str]:
        folder = self.data_prefix[self.search_key]
        template = self.filename_tmpl[self.search_key]
        affix = template.format('')
        pattern = re.compile(
            re.escape(template).replace(re.escape('{}'), '(.*)') + '$'
        )
        names = []
        for path in self.file_backend.list_dir_or_file(
            dir_path=folder,
            list_dir=False,
            suffix=self.img_suffix,
            recursive=self.recursive,
        ):
            stem, ext = osp.splitext(path)
            match = pattern.match(osp.basename(stem))
            if match is None:
                continue
            if affix:
                stem = osp.join(osp.dirname(stem), match.group(1))
            names.append(stem + ext)
        return sorted(names)
