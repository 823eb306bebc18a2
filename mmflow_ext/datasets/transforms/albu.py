# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``Albu``: a pipeline of albumentations transforms inside ours, as
MMSegmentation's configs (e.g. LEVIR-CD's) name it."""

import copy
import importlib
import inspect
from typing import Any, Dict, List, Optional

import cv2
from mmcv.transforms import BaseTransform

from mmflow_ext.registry import TRANSFORMS

#: what to install when albumentations is missing
ALBU_HINT = 'pip install albumentations'


def _albumentations() -> Any:
    try:
        return importlib.import_module('albumentations')
    except ImportError:
        raise ImportError(
            'Albu needs the albumentations package, which is not installed: '
            f'{ALBU_HINT}'
        ) from None


@TRANSFORMS.register_module()
class Albu(BaseTransform):
    """Apply albumentations transforms to the image and its label map.

    The image is handed to albumentations in RGB (it works in RGB) and
    comes back in BGR; ``keymap`` renames our keys to albumentations'
    (default ``img`` → ``image``, ``gt_seg_map`` → ``mask``) and back.

    Args:
        transforms (list[dict]): albumentations transforms, each a dict with
            ``type`` (a name in ``albumentations`` or a class) and its
            arguments; nested ``transforms`` lists are built too.
        keymap (dict, optional): ``{our key: albumentations key}``.
            Defaults to None (the mapping above).
        update_pad_shape (bool): Set ``pad_shape`` to the new image shape.
            Defaults to False.

    Raises:
        ImportError: When albumentations is not installed (names the
            command to install it).
        TypeError: When a ``type`` is neither a name nor a class.
        KeyError: When a transform dict has no ``type``.
    """

    def __init__(
        self,
        transforms: List[dict],
        keymap: Optional[Dict[str, str]] = None,
        update_pad_shape: bool = False,
    ) -> None:
        self.albumentations = _albumentations()
        self.transforms = copy.deepcopy(transforms)
        self.keymap = keymap
        self.update_pad_shape = update_pad_shape
        self.aug = self.albumentations.Compose(
            [self.albu_builder(t) for t in self.transforms]
        )
        self.keymap_to_albu = (
            copy.deepcopy(keymap)
            if keymap
            else {'img': 'image', 'gt_seg_map': 'mask'}
        )
        self.keymap_back = {v: k for k, v in self.keymap_to_albu.items()}

    def albu_builder(self, cfg: dict) -> Any:
        """Build one albumentations transform from its dict.

        Args:
            cfg (dict): ``type`` and the transform's arguments.

        Returns:
            Callable: The transform.
        """
        if not isinstance(cfg, dict) or 'type' not in cfg:
            raise KeyError(
                f'Albu: each transform must be a dict with a '
                f'"type", got {cfg!r}'
            )
        args = dict(cfg)
        obj_type = args.pop('type')
        if isinstance(obj_type, str):
            if not hasattr(self.albumentations, obj_type):
                raise KeyError(
                    f'Albu: albumentations has no transform "{obj_type}"'
                )
            obj_cls = getattr(self.albumentations, obj_type)
        elif inspect.isclass(obj_type):
            obj_cls = obj_type
        else:
            raise TypeError(
                f'Albu: "type" must be a name or a class, got '
                f'{type(obj_type).__name__}'
            )
        if 'transforms' in args:
            args['transforms'] = [
                self.albu_builder(t) for t in args['transforms']
            ]
        return obj_cls(**args)

    @staticmethod
    def mapper(d: dict, keymap: Dict[str, str]) -> dict:
        """``d`` with its keys renamed by ``keymap`` (others kept)."""
        return {keymap.get(k, k): v for k, v in d.items()}

    def transform(self, results: dict) -> dict:
        """Run the albumentations pipeline on ``results``.

        Args:
            results (dict): With ``img`` (BGR) and optionally ``gt_seg_map``.

        Returns:
            dict: The transformed results.
        """
        results = self.mapper(results, self.keymap_to_albu)
        results['image'] = cv2.cvtColor(results['image'], cv2.COLOR_BGR2RGB)
        results = self.aug(**results)
        results['image'] = cv2.cvtColor(results['image'], cv2.COLOR_RGB2BGR)
        results = self.mapper(results, self.keymap_back)
        if self.update_pad_shape:
            results['pad_shape'] = results['img'].shape
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(transforms={self.transforms})'
