# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Extra training targets computed from the label map."""

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmflow_ext.registry import TRANSFORMS

__all__ = ['GenerateEdge']

#: (rows, cols) slices of a pixel and of its neighbour compared with it:
#: below, right, below-right and below-left
_NEIGHBOURS = (
    ((slice(1, None), slice(None)), (slice(None, -1), slice(None))),
    ((slice(None), slice(None, -1)), (slice(None), slice(1, None))),
    ((slice(None, -1), slice(None, -1)), (slice(1, None), slice(1, None))),
    ((slice(None, -1), slice(1, None)), (slice(1, None), slice(None, -1))),
)


@TRANSFORMS.register_module()
class GenerateEdge(BaseTransform):
    """Mark the borders between classes as ``gt_edge_map`` (CE2P, PIDNet).

    A pixel is an edge when it and one of its neighbours (below, right or
    diagonal, as upstream pairs them) hold different labels, neither of
    them ``ignore_index``; the marks are then dilated with an
    ``edge_width × edge_width`` square.

    Required keys: ``img_shape``, ``gt_seg_map``; added: ``gt_edge_map``
    (``uint8`` 0/1), ``edge_width``.

    Args:
        edge_width (int): Width of the edges. Defaults to 3.
        ignore_index (int): Label that makes no edge. Defaults to 255.

    Examples:
        >>> seg = np.array([[0, 0, 1, 1]] * 2, np.uint8)
        >>> out = GenerateEdge(edge_width=1)(dict(img_shape=(2, 4),
        ...                                      gt_seg_map=seg))
        >>> out['gt_edge_map'].tolist()
        [[0, 1, 1, 0], [0, 1, 0, 0]]
    """

    def __init__(self, edge_width: int = 3, ignore_index: int = 255) -> None:
        super().__init__()
        self.edge_width = edge_width
        self.ignore_index = ignore_index

    def transform(self, results: dict) -> dict:
        """Add ``gt_edge_map`` and ``edge_width``."""
        height, width = results['img_shape'][:2]
        seg_map = results['gt_seg_map']
        edge = np.zeros((height, width), dtype=np.uint8)
        valid = seg_map != self.ignore_index
        for marked, other in _NEIGHBOURS:
            differs = (
                (seg_map[marked] != seg_map[other])
                & valid[marked]
                & valid[other]
            )
            edge[marked][differs] = 1
        kernel = cv2.getStructuringElement(
            cv2.MORPH_RECT, (self.edge_width, self.edge_width)
        )
        results['gt_edge_map'] = cv2.dilate(edge, kernel)
        results['edge_width'] = self.edge_width
        return results

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(edge_width={self.edge_width}, '
            f'ignore_index={self.ignore_index})'
        )
