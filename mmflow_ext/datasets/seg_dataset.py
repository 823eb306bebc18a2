# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Folder-layout semantic segmentation datasets."""

import copy
import os.path as osp
from typing import Callable, Dict, List, Optional, Sequence, Union

import mmengine
from mmengine import fileio
from mmengine.dataset import BaseDataset

from mmflow_ext.registry import DATASETS
from mmflow_ext.visualization.palette import fit_palette

from .seg_metainfo import (
    ADE20K_CLASSES,
    ADE20K_PALETTE,
    CITYSCAPES_CLASSES,
    CITYSCAPES_PALETTE,
    make_metainfo,
)

__all__ = ['BaseSegDataset', 'CityscapesDataset', 'ADE20KDataset']

_IGNORED_LABEL = 255
#: old label -> new label of a class subset
LabelMap = Dict[int, int]


@DATASETS.register_module()
class BaseSegDataset(BaseDataset):
    """A semantic segmentation dataset of images and label maps.

    Images and maps either sit side by side in two folders::

        data_root/<img_path>/xxx{img_suffix}
        data_root/<seg_map_path>/xxx{seg_map_suffix}

    (found recursively, sorted by image path), or are named by
    ``ann_file``, one stem per line. Each sample carries ``img_path``,
    ``seg_map_path``, ``label_map``, ``reduce_zero_label`` and an empty
    ``seg_fields``; :meth:`get_data_info` adds ``palette``, the colours of
    the raw mask values, for colour-coded masks.

    Classes: ``metainfo['classes']`` may be a subset of ``METAINFO``'s; the
    others are then mapped to 255 (ignored) by ``label_map``
    (``{old label: new label}``) and the palette is cut to the subset.
    A palette that is missing is drawn at random with a fixed seed.
    ``dataset_meta`` holds ``classes``, ``palette``, ``label_map`` and
    ``reduce_zero_label``.

    Args:
        ann_file (str): File of sample stems, or '' to list the image
            folder. Defaults to ''.
        img_suffix (str): Image file suffix. Defaults to '.jpg'.
        seg_map_suffix (str): Label map suffix. Defaults to '.png'.
        metainfo (dict, optional): Overrides ``METAINFO``. Defaults to None.
        data_root (str, optional): Root of the relative paths. Defaults to
            None.
        data_prefix (dict): ``img_path`` and ``seg_map_path`` folders.
            Defaults to ``dict(img_path='', seg_map_path='')``.
        filter_cfg (dict, optional): Filter configuration. Defaults to None.
        indices (int | Sequence[int], optional): Keep only these samples.
            Defaults to None.
        serialize_data (bool): Hold the sample list as one byte buffer.
            Defaults to True.
        pipeline (list): Transforms. Defaults to [].
        test_mode (bool): Test mode (``classes`` required). Defaults to
            False.
        lazy_init (bool): Defer loading the sample list. Defaults to False.
        max_refetch (int): Retries when the pipeline returns None. Defaults
            to 1000.
        ignore_index (int): Label that is ignored. Defaults to 255.
        reduce_zero_label (bool): Whether label 0 is "other" (ignored) and
            every other label drops by one. Defaults to False.
        backend_args (dict, optional): File backend arguments. Defaults to
            None.

    Raises:
        FileNotFoundError: When ``ann_file``, a data folder or the first
            sample's map (a ``seg_map_suffix`` that matches no file) is
            missing.
        ValueError: When a split holds no image, ``classes`` is not a
            subset of ``METAINFO``'s, or the palette does not fit them.
    """

    METAINFO: dict = dict()

    def __init__(
        self,
        ann_file: str = '',
        img_suffix: str = '.jpg',
        seg_map_suffix: str = '.png',
        metainfo: Optional[dict] = None,
        data_root: Optional[str] = None,
        data_prefix: dict = dict(img_path='', seg_map_path=''),
        filter_cfg: Optional[dict] = None,
        indices: Optional[Union[int, Sequence[int]]] = None,
        serialize_data: bool = True,
        pipeline: List[Union[dict, Callable]] = [],
        test_mode: bool = False,
        lazy_init: bool = False,
        max_refetch: int = 1000,
        ignore_index: int = _IGNORED_LABEL,
        reduce_zero_label: bool = False,
        backend_args: Optional[dict] = None,
    ) -> None:
        self.img_suffix = img_suffix
        self.seg_map_suffix = seg_map_suffix
        self.ignore_index = ignore_index
        self.reduce_zero_label = reduce_zero_label
        self.backend_args = backend_args.copy() if backend_args else None
        metainfo = self._load_metainfo(copy.deepcopy(metainfo))
        self.label_map = self.get_label_map(metainfo.get('classes'))
        metainfo.update(
            label_map=self.label_map, reduce_zero_label=reduce_zero_label
        )
        try:
            fitted_palette = fit_palette(
                metainfo.get('classes') or [],
                metainfo.get('palette'),
                self.label_map,
            )
        except ValueError as err:
            raise ValueError(f'metainfo "palette": {err}') from None
        # colours of the raw mask values, before any class subset
        self.raw_palette = metainfo.get('palette') or fitted_palette
        metainfo['palette'] = fitted_palette
        super().__init__(
            ann_file=ann_file,
            metainfo=metainfo,
            data_root=data_root,
            data_prefix=copy.copy(data_prefix),
            filter_cfg=filter_cfg,
            indices=indices,
            serialize_data=serialize_data,
            pipeline=pipeline,
            test_mode=test_mode,
            lazy_init=lazy_init,
            max_refetch=max_refetch,
        )
        if test_mode and self._metainfo.get('classes') is None:
            raise ValueError(
                f'{type(self).__name__} needs metainfo "classes" in test mode'
            )

    @classmethod
    def get_label_map(
        cls, new_classes: Optional[Sequence] = None
    ) -> Optional[LabelMap]:
        """Map from ``METAINFO``'s class labels to those of a subset.

        Args:
            new_classes (Sequence, optional): The classes in use.

        Returns:
            dict[int, int] | None: ``{old label: new label}`` with 255 for a
            class left out, or None when the classes are ``METAINFO``'s (or
            either is missing).

        Raises:
            ValueError: When ``new_classes`` is not a subset.
        """
        old_classes = cls.METAINFO.get('classes')
        if (
            new_classes is None
            or old_classes is None
            or list(new_classes) == list(old_classes)
        ):
            return None
        unknown = [c for c in new_classes if c not in old_classes]
        if unknown:
            raise ValueError(
                f'classes {list(unknown)} of metainfo are not among the '
                f'classes {list(old_classes)} of {cls.__name__}.METAINFO'
            )
        new_classes = list(new_classes)
        return {
            old: (new_classes.index(c) if c in new_classes else _IGNORED_LABEL)
            for old, c in enumerate(old_classes)
        }

    def _list_dir(self, img_dir: str) -> List[str]:
        if not fileio.isdir(img_dir, backend_args=self.backend_args):
            raise FileNotFoundError(f'image folder {img_dir} does not exist')
        return sorted(
            fileio.list_dir_or_file(
                dir_path=img_dir,
                list_dir=False,
                suffix=self.img_suffix,
                recursive=True,
                backend_args=self.backend_args,
            )
        )

    def _read_split(self) -> List[str]:
        """The non-empty, stripped lines of ``ann_file``."""
        if not fileio.exists(self.ann_file, backend_args=self.backend_args):
            raise FileNotFoundError(
                f'annotation file {self.ann_file} does not exist'
            )
        lines = mmengine.list_from_file(
            self.ann_file, backend_args=self.backend_args
        )
        return [line.strip() for line in lines if line.strip()]

    def _list_ann_file(self) -> List[str]:
        return [stem + self.img_suffix for stem in self._read_split()]

    def load_data_list(self) -> List[dict]:
        """List the samples of the split.

        Returns:
            list[dict]: One dict per sample.

        Raises:
            FileNotFoundError: When the annotation file, a folder or the
                first sample's map is missing.
            ValueError: When the split has no sample.
        """
        img_dir = self.data_prefix.get('img_path', '')
        ann_dir = self.data_prefix.get('seg_map_path')
        from_file = bool(self.ann_file) and not osp.isdir(self.ann_file)
        if from_file:
            img_names = self._list_ann_file()
        else:
            img_names = self._list_dir(img_dir)
        if not img_names:
            source = self.ann_file if from_file else img_dir
            raise ValueError(
                f'no image ending in "{self.img_suffix}" found '
                f'for {type(self).__name__} in {source}'
            )
        if ann_dir is not None and not fileio.isdir(
            ann_dir, backend_args=self.backend_args
        ):
            raise FileNotFoundError(
                f'segmentation map folder {ann_dir} does not exist'
            )
        stem_end = len(self.img_suffix)
        data_list = []
        for name in img_names:
            info = dict(img_path=osp.join(img_dir, name))
            if ann_dir is not None:
                info['seg_map_path'] = osp.join(
                    ann_dir, name[:-stem_end] + self.seg_map_suffix
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

    def _check_seg_map_suffix(
        self,
        info: dict,
        ann_dir: Optional[str],
        key: str = 'seg_map_path',
        what: str = 'segmentation map',
        argument: str = 'seg_map_suffix',
    ) -> None:
        """Fail early when the first sample's map is missing.

        A wrong ``seg_map_suffix`` otherwise shows only when the pipeline
        first loads a map.

        Args:
            info (dict): The first sample.
            ann_dir (str, optional): The map folder.
            key (str): The sample's key of the map path.
            what (str): What the map is, for the message.
            argument (str): The constructor argument of the suffix, for the
                message.
        """
        seg_map = info.get(key)
        if seg_map is None or fileio.exists(
            seg_map, backend_args=self.backend_args
        ):
            return
        raise FileNotFoundError(
            f'{what} {seg_map} of image {info["img_path"]} does not exist: '
            f'does {argument} "{self.seg_map_suffix}" of '
            f'{type(self).__name__} match the files in {ann_dir}?'
        )

    def get_data_info(self, idx: int) -> dict:
        """The ``idx``-th sample, with ``palette`` for colour masks.

        Args:
            idx (int): Sample index.

        Returns:
            dict: The sample's information.
        """
        info = super().get_data_info(idx)
        info['palette'] = self.raw_palette
        return info


@DATASETS.register_module()
class CityscapesDataset(BaseSegDataset):
    """Cityscapes: 19 classes, ``leftImg8bit`` / ``gtFine`` folders.

    Args:
        img_suffix (str): Defaults to ``'_leftImg8bit.png'``.
        seg_map_suffix (str): Defaults to ``'_gtFine_labelTrainIds.png'``.
        **kwargs: :class:`BaseSegDataset` arguments.
    """

    METAINFO = make_metainfo(CITYSCAPES_CLASSES, CITYSCAPES_PALETTE)

    def __init__(
        self,
        img_suffix: str = '_leftImg8bit.png',
        seg_map_suffix: str = '_gtFine_labelTrainIds.png',
        **kwargs,
    ) -> None:
        super().__init__(
            img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs
        )


@DATASETS.register_module()
class ADE20KDataset(BaseSegDataset):
    """ADE20K (SceneParsing): 150 classes, label 0 is "other".

    Args:
        img_suffix (str): Defaults to ``'.jpg'``.
        seg_map_suffix (str): Defaults to ``'.png'``.
        reduce_zero_label (bool): Defaults to True.
        **kwargs: :class:`BaseSegDataset` arguments.
    """

    METAINFO = make_metainfo(ADE20K_CLASSES, ADE20K_PALETTE)

    def __init__(
        self,
        img_suffix: str = '.jpg',
        seg_map_suffix: str = '.png',
        reduce_zero_label: bool = True,
        **kwargs,
    ) -> None:
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            reduce_zero_label=reduce_zero_label,
            **kwargs,
        )
