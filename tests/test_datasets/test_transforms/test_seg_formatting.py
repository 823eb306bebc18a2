import numpy as np
import pytest
import torch
from mmengine.structures import PixelData

from mmflow_ext.datasets.transforms.seg_formatting import (
    PackSegInputs,
    narrowest_label_dtype,
)
from mmflow_ext.structures.seg_data_sample import SegDataSample


def sample(height=4, width=6):
    rng = np.random.default_rng(0)
    return dict(
        img=rng.integers(0, 256, (height, width, 3), dtype=np.uint8),
        gt_seg_map=rng.integers(0, 5, (height, width), dtype=np.uint8),
        img_path='a.jpg',
        seg_map_path='a.png',
        ori_shape=(height, width),
        img_shape=(height, width),
        flip=False,
        reduce_zero_label=False,
        custom='dropped',
    )


def test_shapes_dtypes_and_values():
    results = sample()
    img, labels = results['img'].copy(), results['gt_seg_map'].copy()
    packed = PackSegInputs()(results)
    assert set(packed) == {'inputs', 'data_samples'}
    inputs = packed['inputs']
    assert inputs.shape == (3, 4, 6) and inputs.dtype == torch.uint8
    np.testing.assert_array_equal(inputs.numpy(), img.transpose(2, 0, 1))
    data_sample = packed['data_samples']
    assert isinstance(data_sample, SegDataSample)
    assert isinstance(data_sample.gt_sem_seg, PixelData)
    gt = data_sample.gt_sem_seg.data
    assert gt.shape == (1, 4, 6) and gt.dtype == torch.uint8
    np.testing.assert_array_equal(gt[0].numpy(), labels)


def test_metainfo_default_keys_and_missing_ones_skipped():
    data_sample = PackSegInputs()(sample())['data_samples']
    assert data_sample.metainfo == dict(
        img_path='a.jpg',
        seg_map_path='a.png',
        ori_shape=(4, 6),
        img_shape=(4, 6),
        flip=False,
        reduce_zero_label=False,
    )
    custom = PackSegInputs(meta_keys=('custom', 'absent'))(sample())
    assert custom['data_samples'].metainfo == dict(custom='dropped')


def test_grayscale_and_no_image():
    gray = PackSegInputs()(dict(img=np.ones((4, 6), np.uint8)))
    assert gray['inputs'].shape == (1, 4, 6)
    no_img = PackSegInputs()(dict(gt_seg_map=np.zeros((4, 6), np.uint8)))
    assert 'inputs' not in no_img
    assert no_img['data_samples'].gt_sem_seg.shape == (4, 6)


def test_caller_arrays_stay_writeable_and_later_edits_do_not_leak():
    results = sample()
    img, labels = results['img'], results['gt_seg_map']
    expected_img = img.transpose(2, 0, 1).copy()
    expected_gt = labels.copy()
    packed = PackSegInputs()(results)
    assert results['img'] is img and results['gt_seg_map'] is labels
    assert img.flags.writeable and labels.flags.writeable
    assert packed['inputs'].data_ptr() != img.ctypes.data
    # a permuted view of a private HWC copy: no transposing copy made here
    assert not packed['inputs'].is_contiguous()
    assert packed['inputs'].stride() == (1, 6 * 3, 3)
    img[...] = 0  # e.g. an in-place transform of the next sample
    labels[...] = 0
    np.testing.assert_array_equal(packed['inputs'].numpy(), expected_img)
    np.testing.assert_array_equal(
        packed['data_samples'].gt_sem_seg.data[0].numpy(), expected_gt
    )


def test_read_only_input_is_packed_and_left_read_only():
    results = sample()
    results['img'].flags.writeable = False
    packed = PackSegInputs()(results)
    assert not results['img'].flags.writeable
    packed['inputs'][0, 0, 0] = 1  # the packed tensor is writeable


def test_one_by_h_by_w_ground_truth_packs_like_upstream():
    labels = np.arange(12, dtype=np.uint8).reshape(1, 3, 4)
    gt = PackSegInputs()(dict(gt_seg_map=labels))['data_samples'].gt_sem_seg
    # MMSegmentation keeps a (1, H, W) map as it is (int64)
    assert gt.data.shape == (1, 3, 4) and gt.shape == (3, 4)
    np.testing.assert_array_equal(gt.data.numpy(), labels)
    with pytest.raises(ValueError, match=r'has shape \(2, 3, 4\)'):
        PackSegInputs()(dict(gt_seg_map=np.zeros((2, 3, 4), np.uint8)))


def test_views_are_copied_so_their_base_cannot_corrupt_the_output():
    base = np.arange(2 * 4 * 6 * 3, dtype=np.uint8).reshape(2, 4, 6, 3)
    labels = np.arange(2 * 4 * 6, dtype=np.uint8).reshape(2, 4, 6)
    packed = PackSegInputs()(dict(img=base[0], gt_seg_map=labels[1]))
    expected_img = base[0].transpose(2, 0, 1).copy()
    expected_gt = labels[1].copy()
    base[...] = 0
    labels[...] = 0
    np.testing.assert_array_equal(packed['inputs'].numpy(), expected_img)
    np.testing.assert_array_equal(
        packed['data_samples'].gt_sem_seg.data[0].numpy(), expected_gt
    )
    assert base.flags.writeable


def test_flipped_view_with_negative_strides():
    img = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    packed = PackSegInputs()(dict(img=img[:, ::-1]))
    np.testing.assert_array_equal(
        packed['inputs'].numpy(), img[:, ::-1].transpose(2, 0, 1)
    )


def test_packing_twice_gives_equal_independent_tensors():
    results = sample()
    first = PackSegInputs()(dict(results))
    second = PackSegInputs()(dict(results))
    assert torch.equal(first['inputs'], second['inputs'])
    assert first['inputs'].data_ptr() != second['inputs'].data_ptr()


@pytest.mark.parametrize(
    'values, dtype, expected',
    [
        ([0, 255], np.int64, torch.uint8),
        ([-1, 3], np.int64, torch.int16),
        ([0, 70000], np.int64, torch.int32),
        ([0, 1], bool, torch.uint8),
    ],
)
def test_labels_keep_the_narrowest_dtype(values, dtype, expected):
    labels = np.array([values], dtype=dtype)
    gt = PackSegInputs()(dict(gt_seg_map=labels))['data_samples'].gt_sem_seg
    assert gt.data.dtype == expected
    np.testing.assert_array_equal(gt.data[0].numpy(), labels)


def test_float_labels_truncate_like_int64_cast():
    labels = np.array([[0.9, 2.5, 255.0]], np.float32)
    gt = PackSegInputs()(dict(gt_seg_map=labels))['data_samples'].gt_sem_seg
    assert gt.data.tolist() == [[[0, 2, 255]]]
    assert narrowest_label_dtype(np.zeros(0, np.int64)) == np.uint8


def test_colour_ground_truth_is_an_error():
    with pytest.raises(
        ValueError,
        match=r'gt_seg_map of x\.png has shape '
        r'\(4, 6, 3\); expected \(H, W\) class indices',
    ):
        PackSegInputs()(
            dict(
                gt_seg_map=np.zeros((4, 6, 3), np.uint8), seg_map_path='x.png'
            )
        )


def test_non_integer_labels_are_an_error():
    with pytest.raises(TypeError, match='gt_seg_map must hold integer'):
        PackSegInputs()(dict(gt_seg_map=np.zeros((2, 2), np.complex64)))


def test_edge_and_depth_maps():
    edge = np.array([[0, 1], [1, 0]], np.int64)
    depth = np.array([[0.5, 1.5], [2.0, 3.25]], np.float32)
    data_sample = PackSegInputs()(dict(gt_edge_map=edge, gt_depth_map=depth))[
        'data_samples'
    ]
    assert data_sample.gt_edge_map.data.dtype == torch.uint8
    assert data_sample.gt_edge_map.data.tolist() == [[[0, 1], [1, 0]]]
    assert data_sample.gt_depth_map.data.dtype == torch.float32
    np.testing.assert_array_equal(
        data_sample.gt_depth_map.data.numpy(), depth[None]
    )
    with pytest.raises(ValueError, match=r'gt_depth_map has shape \(1, 2, 2'):
        PackSegInputs()(dict(gt_depth_map=depth[None]))


def test_output_stacks_and_converts_like_a_contiguous_copy():
    packed = [PackSegInputs()(sample()) for _ in range(2)]
    batch = torch.stack([p['inputs'] for p in packed]).float()
    reference = torch.from_numpy(
        np.stack([sample()['img'].transpose(2, 0, 1)] * 2)
    ).float()
    assert torch.equal(batch, reference)


def test_repr():
    assert repr(PackSegInputs(meta_keys=('img_path',))) == (
        "PackSegInputs(meta_keys=('img_path',))"
    )
    assert repr(PackSegInputs()).startswith(
        "PackSegInputs(meta_keys=('img_path', 'seg_map_path', 'ori_shape'"
    )


def _upstream_cases():
    rng = np.random.default_rng(1)
    img = rng.integers(0, 256, (5, 7, 3), dtype=np.uint8)
    labels = rng.integers(0, 5, (5, 7), dtype=np.uint8)
    return {
        'plain': dict(img=img, gt_seg_map=labels),
        'flipped': dict(img=img[:, ::-1], gt_seg_map=labels[:, ::-1]),
        'cropped': dict(img=img[1:4, 2:6], gt_seg_map=labels[1:4, 2:6]),
        'gray float': dict(
            img=rng.random((5, 7)), gt_seg_map=rng.random((5, 7)) * 4
        ),
        'one channel map': dict(img=img, gt_seg_map=labels[None]),
        'edge and depth': dict(
            gt_edge_map=labels, gt_depth_map=rng.random((5, 7))
        ),
    }


@pytest.mark.parametrize('case', sorted(_upstream_cases()))
def test_packs_the_values_mmsegmentation_packs(case):
    mmseg = pytest.importorskip('mmseg.datasets.transforms')
    results = dict(_upstream_cases()[case], img_shape=(5, 7), ori_shape=(5, 7))
    theirs = mmseg.PackSegInputs()(dict(results))
    ours = PackSegInputs()(dict(results))
    assert set(ours) == set(theirs)
    if 'inputs' in theirs:
        assert ours['inputs'].dtype == theirs['inputs'].dtype
        assert torch.equal(ours['inputs'], theirs['inputs'])
    for field in ('gt_sem_seg', 'gt_edge_map', 'gt_depth_map'):
        if field not in theirs['data_samples']:
            assert field not in ours['data_samples']
            continue
        their_data = theirs['data_samples'].get(field).data
        our_data = ours['data_samples'].get(field).data
        assert our_data.shape == their_data.shape
        if their_data.dtype == torch.int64:  # ours: narrowest dtype
            our_data = our_data.long()
        assert torch.equal(our_data, their_data)
    assert ours['data_samples'].metainfo == theirs['data_samples'].metainfo
