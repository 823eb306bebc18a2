# Copyright (c) mmflow_ext contributors. All rights reserved.
import numpy as np
import pytest
from seg_reference import compare_seeded, seg_results, upstream_transforms

from mmflow_ext.datasets.transforms import GenerateEdge


def test_edges_between_classes_not_next_to_ignored_pixels():
    seg = np.zeros((5, 6), np.uint8)
    seg[:, 3:] = 1
    seg[0, :] = 255
    out = GenerateEdge(edge_width=1)(dict(img_shape=(5, 6), gt_seg_map=seg))
    edge = out['gt_edge_map']
    assert edge.dtype == np.uint8 and out['edge_width'] == 1
    # the left-hand pixel of each boundary pair is marked, and the diagonal
    # pairs mark column 3 of the rows above
    assert edge[1:, 2].tolist() == [1, 1, 1, 1]
    assert edge[1:4, 3].tolist() == [1, 1, 1] and edge[4, 3] == 0
    assert edge[0].sum() == 0  # next to ignored pixels only
    assert edge[:, [0, 1, 4, 5]].sum() == 0
    wide = GenerateEdge(edge_width=3)(dict(img_shape=(5, 6), gt_seg_map=seg))[
        'gt_edge_map'
    ]
    assert wide[2, 1] == 1 and wide[2, 4] == 1 and wide[2, 0] == 0


def test_repr_is_well_formed():
    # upstream's repr lacks the opening parenthesis
    assert (
        repr(GenerateEdge()) == 'GenerateEdge(edge_width=3, ignore_index=255)'
    )


@pytest.mark.parametrize(
    'kwargs', [dict(), dict(edge_width=5, ignore_index=2)]
)
def test_same_edges_as_mmseg(kwargs):
    upstream = upstream_transforms()
    compare_seeded(
        GenerateEdge(**kwargs),
        upstream.GenerateEdge(**kwargs),
        seg_results(30, 37, seed=3),
        [0],
    )
