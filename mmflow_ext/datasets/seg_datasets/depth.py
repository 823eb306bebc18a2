# Copyright (c) mmflow_ext contributors. All rights reserved.
"""NYU Depth V2: images with depth maps, named after their scene."""

import os.path as osp
from typing import List

from mmengine import fileio

from mmflow_ext.registry import DATASETS

from ..seg_dataset import BaseSegDataset
from ..seg_metainfo import NYU_CLASSES

__all__ = ['NYUDataset']


@DATASETS.register_module()
class NYUDataset(BaseSegDataset):
    """NYU Depth V2 as MMSegmentation's converter lays it out.

    ``images/<split>/<scene>_<n>.jpg`` with depth maps
    ``annotations/<split>/<scene>_<n>.png``; ``metainfo['classes']`` are the
    scene categories, and each sample's ``category_id`` is the index of the
    scene its file name starts with (up to the character before its first
    digit), or -1 for a scene not listed (or a name without digits). Each
    sample carries ``img_path``, ``depth_map_path``, ``seg_fields`` and
    ``category_id``.

    Args:
        data_prefix (dict): ``img_path`` and ``depth_map_path`` folders.
            Defaults to ``dict(img_path='images',
            depth_map_path='annotations')``.
        img_suffix (str): Defaults to ``'.jpg'``.
        depth_map_suffix (str): Defaults to ``'.png'``.
        **kwargs: :class:`BaseSegDataset` arguments.
    """

    METAINFO = dict(classes=NYU_CLASSES)

    def __init__(
        self,
        data_prefix: dict = dict(
            img_path='images', depth_map_path='annotations'
        ),
        img_suffix: str = '.jpg',
        depth_map_suffix: str = '.png',
        **kwargs,
    ) -> None:
        super().__init__(
            data_prefix=data_prefix,
            img_suffix=img_suffix,
            seg_map_suffix=depth_map_suffix,
            **kwargs,
        )

    def category_id(self, img_name: str) -> int:
        """The scene index of an image file name.

        Args:
            img_name (str): A file name or path, e.g. ``'kitchen_0001.jpg'``.

        Returns:
            int: Index in ``metainfo['classes']``, or -1.
        """
        name = osp.basename(img_name)
        digits = [i for i, char in enumerate(name) if char.isdigit()]
        if not digits:
            return -1
        scene = name[: digits[0] - 1]
        classes = list(self._metainfo['classes'])
        return classes.index(scene) if scene in classes else -1

    def load_data_list(self) -> List[dict]:
        """List the images of ``img_path`` with their depth maps.

        Returns:
            list[dict]: One dict per image, sorted by image path.

        Raises:
            FileNotFoundError: When a folder or the first depth map is
                missing.
            ValueError: When the image folder has no image.
        """
        img_dir = self.data_prefix.get('img_path', '')
        depth_dir = self.data_prefix.get('depth_map_path')
        names = self._list_dir(img_dir)
        if not names:
            raise ValueError(
                f'no image ending in "{self.img_suffix}" found '
                f'for {type(self).__name__} in {img_dir}'
            )
        if depth_dir is not None and not fileio.isdir(
            depth_dir, backend_args=self.backend_args
        ):
            raise FileNotFoundError(
                f'depth map folder {depth_dir} does not exist'
            )
        stem_end = len(self.img_suffix)
        data_list = []
        for name in names:
            info = dict(img_path=osp.join(img_dir, name))
            if depth_dir is not None:
                info['depth_map_path'] = osp.join(
                    depth_dir, name[:-stem_end] + self.seg_map_suffix
                )
            info.update(seg_fields=[], category_id=self.category_id(name))
            data_list.append(info)
        data_list.sort(key=lambda info: info['img_path'])
        self._check_seg_map_suffix(
            data_list[0],
            depth_dir,
            'depth_map_path',
            'depth map',
            'depth_map_suffix',
        )
        return data_list
