# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``RandomFlip`` that flips every map of ``seg_fields`` (depth maps too)."""

import mmcv
from mmcv.transforms import RandomFlip as MMCVRandomFlip

from mmflow_ext.registry import TRANSFORMS

__all__ = ['RandomFlip']


@TRANSFORMS.register_module()
class RandomFlip(MMCVRandomFlip):
    """mmcv's ``RandomFlip``, flipping every ``seg_fields`` map as
    MMSegmentation's does.

    mmcv flips only ``gt_seg_map``; a ``gt_depth_map`` loaded by
    ``LoadDepthAnnotation`` (or any other map listed in ``seg_fields``)
    would stay unflipped and no longer match the image. Arguments,
    probabilities and draws are mmcv's; ``swap_seg_labels`` is recorded in
    the results as MMSegmentation does. Keypoints are not flipped (as in
    MMSegmentation).
    """

    def _flip(self, results: dict) -> None:
        """Flip the image, boxes and every ``seg_fields`` map."""
        direction = results['flip_direction']
        results['img'] = mmcv.imflip(results['img'], direction=direction)
        if results.get('gt_bboxes') is not None:
            results['gt_bboxes'] = self._flip_bbox(
                results['gt_bboxes'], results['img'].shape[:2], direction
            )
        for key in results.get('seg_fields', []):
            if results.get(key) is not None:
                results[key] = self._flip_seg_map(
                    results[key], direction=direction
                ).copy()
                results['swap_seg_labels'] = self.swap_seg_labels
