# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Change detection: two co-registered images and one change map."""

import os.path as osp
from typing import Callable, List, Optional, Sequence, Union

from mmengine import fileio

from mmflow_ext.registry import DATASETS

from ..seg_dataset import BaseSegDataset
from ..seg_metainfo import LEVIR_CD_CLASSES, LEVIR_CD_PALETTE, make_metainfo

__all__ = ['BaseCDDataset', 'LEVIRCDDataset']


@DATASETS.register_module()
class BaseCDDataset(BaseSegDataset):
    """Pairs of images (before / after) with a change map per pair.

    The layout is::

        data_root/<img_path>/xxx{img_suffix}
        data_root/<img_path2>/xxx{img_suffix2}
        data_root/<seg_map_path>/xxx{seg_map_suffix}

    found recursively in ``img_path`` or named by ``ann_file``. As upstream,
    a listed name with an extension (every file of a folder, or a split
    line such as ``xxx.png``) uses that extension for both images instead
    of the suffixes. Each sample carries ``img_path``, ``img_path2``,
    ``seg_map_path``, ``label_map``, ``reduce_zero_label`` and
    ``seg_fields``.

    Args:
        ann_file (str): Split file, or '' to list ``img_path``. Defaults to
            ''.
        img_suffix (str): Suffix of the first images. Defaults to '.jpg'.
        img_suffix2 (str): Suffix of the second images. Defaults to '.jpg'.
        seg_map_suffix (str): Suffix of the change maps. Defaults to
            '.png'.
        metainfo (dict, optional): Overrides ``METAINFO``. Defaults to None.
        data_root (str, optional): Root of the relative paths. Defaults to
            None.
        data_prefix (dict): ``img_path``, ``img_path2`` and
            ``seg_map_path`` folders. Defaults to all ''.
        filter_cfg, indices, serialize_data, pipeline, test_mode,
        lazy_init, max_refetch, ignore_index, reduce_zero_label,
        backend_args: As :class:`BaseSegDataset`.

    Raises:
        FileNotFoundError: When ``ann_file``, a folder or the first map is
            missing.
    """

    def __init__(
        self,
        ann_file: str = '',
        img_suffix: str = '.jpg',
        img_suffix2: str = '.jpg',
        seg_map_suffix: str = '.png',
        metainfo: Optional[dict] = None,
        data_root: Optional[str] = None,
        data_prefix: dict = dict(img_path='', img_path2='', seg_map_path=''),
        filter_cfg: Optional[dict] = None,
        indices: Optional[Union[int, Sequence[int]]] = None,
        serialize_data: bool = True,
        pipeline: List[Union[dict, Callable]] = [],
        test_mode: bool = False,
        lazy_init: bool = False,
        max_refetch: int = 1000,
        ignore_index: int = 255,
        reduce_zero_label: bool = False,
        backend_args: Optional[dict] = None,
    ) -> None:
        self.img_suffix2 = img_suffix2
        super().__init__(
            ann_file=ann_file,
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            metainfo=metainfo,
            data_root=data_root,
            data_prefix=data_prefix,
            filter_cfg=filter_cfg,
            indices=indices,
            serialize_data=serialize_data,
            pipeline=pipeline,
            test_mode=test_mode,
            lazy_init=lazy_init,
            max_refetch=max_refetch,
            ignore_index=ignore_index,
            reduce_zero_label=reduce_zero_label,
            backend_args=backend_args,
        )

    def load_data_list(self) -> List[dict]:
        """List the image pairs of the split.

        Returns:
            list[dict]: One dict per pair.

        Raises:
            FileNotFoundError: When the split file, a folder or the first
                map is missing.
            ValueError: When the split has no sample.
        """
        img_dir = self.data_prefix.get('img_path', '')
        img_dir2 = self.data_prefix.get('img_path2', '')
        ann_dir = self.data_prefix.get('seg_map_path')
        from_file = bool(self.ann_file) and not osp.isdir(self.ann_file)
        names = self._read_split() if from_file else self._list_dir(img_dir)
        if not names:
            source = self.ann_file if from_file else img_dir
            raise ValueError(
                f'no image ending in "{self.img_suffix}" found '
                f'for {type(self).__name__} in {source}'
            )
        for folder, what in (
            (img_dir2, 'second image'),
            (ann_dir, 'segmentation map'),
        ):
            if folder is not None and not fileio.isdir(
                folder, backend_args=self.backend_args
            ):
                raise FileNotFoundError(
                    f'{what} folder {folder} does not exist'
                )
        data_list = []
        for name in names:
            stem, suffix, suffix2 = name, self.img_suffix, self.img_suffix2
            if '.' in osp.basename(name):
                stem, suffix = osp.splitext(name)
                suffix2 = suffix
            info = dict(
                img_path=osp.join(img_dir, stem + suffix),
                img_path2=osp.join(img_dir2, stem + suffix2),
            )
            if ann_dir is not None:
                info['seg_map_path'] = osp.join(
                    ann_dir, stem + self.seg_map_suffix
                )
            info.update(
                label_map=self.label_map,
                reduce_zero_label=self.reduce_zero_label,
                seg_fields=[],
            )
            data_list.append(info)
        if not from_file:
            data_list.sort(key=lambda info: info['img_path'])
        self._check_seg_map_suffix(data_list[0], ann_dir)
        return data_list


@DATASETS.register_module()
class LEVIRCDDataset(BaseCDDataset):
    """LEVIR-CD building changes: ``A/`` and ``B/`` images, ``label/`` maps.

    Args:
        img_suffix (str): Defaults to ``'.png'``.
        img_suffix2 (str): Defaults to ``'.png'``.
        seg_map_suffix (str): Defaults to ``'.png'``.
        reduce_zero_label (bool): Defaults to False.
        **kwargs: :class:`BaseCDDataset` arguments.
    """

    METAINFO = make_metainfo(LEVIR_CD_CLASSES, LEVIR_CD_PALETTE)

    def __init__(
        self,
        img_suffix: str = '.png',
        img_suffix2: str = '.png',
        seg_map_suffix: str = '.png',
        reduce_zero_label: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(
            img_suffix=img_suffix,
            img_suffix2=img_suffix2,
            seg_map_suffix=seg_map_suffix,
            reduce_zero_label=reduce_zero_label,
            **kwargs,
        )
