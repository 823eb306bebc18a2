# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Segmentation datasets described by a DSDL yaml (needs ``dsdl``)."""

import importlib
import os.path as osp
from typing import Dict, List, Optional, Sequence

from mmflow_ext.registry import DATASETS

from ..seg_dataset import BaseSegDataset

__all__ = ['DSDLSegDataset']


def _dsdl_dataset_class():
    """``dsdl.dataset.DSDLDataset``, or an ImportError saying what to
    install."""
    try:
        return importlib.import_module('dsdl.dataset').DSDLDataset
    except ImportError as error:
        raise ImportError(
            'DSDLSegDataset needs the dsdl package: pip install dsdl'
        ) from error


@DATASETS.register_module()
class DSDLSegDataset(BaseSegDataset):
    """Images and label maps listed by a DSDL yaml (``ann_file``).

    Classes are ``'background'`` followed by the yaml's class names, or
    ``used_labels`` when given (a subset of those; the others map to 255).

    Args:
        specific_key_path (dict): DSDL paths of keys not loadable by field
            name. Defaults to ``{}``.
        pre_transform (dict): DSDL transforms applied while loading.
            Defaults to ``{}``.
        used_labels (Sequence[str], optional): Classes to train on.
            Defaults to None.
        **kwargs: :class:`BaseSegDataset` arguments; ``ann_file`` is
            joined to ``data_root`` when that is set.

    Raises:
        ImportError: When ``dsdl`` is not installed (MMSegmentation raises
            a RuntimeError).
        ValueError: When ``used_labels`` is not a subset of the classes.
    """

    METAINFO: dict = {}

    def __init__(
        self,
        specific_key_path: Dict = {},
        pre_transform: Dict = {},
        used_labels: Optional[Sequence] = None,
        **kwargs,
    ) -> None:
        dsdl_dataset = _dsdl_dataset_class()
        self.used_labels = used_labels
        if kwargs.get('data_root'):
            kwargs['ann_file'] = osp.join(
                kwargs['data_root'], kwargs['ann_file']
            )
        self.dsdldataset = dsdl_dataset(
            dsdl_yaml=kwargs['ann_file'],
            location_config=dict(type='LocalFileReader', working_dir=''),
            required_fields=['Image', 'LabelMap'],
            specific_key_path=specific_key_path,
            transform=pre_transform,
        )
        super().__init__(**kwargs)

    def _dsdl_classes(self) -> List[str]:
        return ['background'] + list(self.dsdldataset.class_names)

    def get_label_map(
        self, new_classes: Optional[Sequence] = None
    ) -> Optional[Dict[int, int]]:
        """Map the DSDL class ids onto ``new_classes`` (others to 255).

        Args:
            new_classes (Sequence[str], optional): Defaults to None.

        Returns:
            dict[int, int] | None: None when ``new_classes`` is None or
            equals the DSDL classes.

        Raises:
            ValueError: When ``new_classes`` is not a subset.
        """
        old_classes = self._dsdl_classes()
        if new_classes is None or list(new_classes) == old_classes:
            return None
        if not set(new_classes).issubset(old_classes):
            raise ValueError(
                f'new classes {new_classes} is not a subset of classes '
                f'{old_classes} in class_dom.'
            )
        new_classes = list(new_classes)
        return {
            i: new_classes.index(c) if c in new_classes else 255
            for i, c in enumerate(old_classes)
        }

    def load_data_list(self) -> List[dict]:
        """One dict per DSDL sample, with its image and label map paths.

        Returns:
            list[dict]: In the yaml's order.
        """
        if self.used_labels:
            self._metainfo['classes'] = tuple(self.used_labels)
            self.label_map = self.get_label_map(self.used_labels)
        else:
            self._metainfo['classes'] = tuple(self._dsdl_classes())
        return [
            dict(
                img_path=osp.join(
                    self.data_prefix['img_path'], data['Image'][0].location
                ),
                seg_map_path=osp.join(
                    self.data_prefix['seg_map_path'],
                    data['LabelMap'][0].location,
                ),
                label_map=self.label_map,
                reduce_zero_label=self.reduce_zero_label,
                seg_fields=[],
            )
            for data in self.dsdldataset
        ]
