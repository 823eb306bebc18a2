import cv2
import numpy as np
import pytest

from mmflow_ext.datasets.transforms.seg_transforms import (
    PhotoMetricDistortion,
    RandomCrop,
)


def crop_sample(seg_map):
    height, width = seg_map.shape
    img = np.arange(height * width * 3, dtype=np.uint8).reshape(
        height, width, 3
    )
    return dict(img=img, gt_seg_map=seg_map, seg_fields=['gt_seg_map'])


def test_crop_cuts_image_and_maps_alike():
    np.random.seed(0)
    seg_map = np.arange(8 * 10, dtype=np.uint8).reshape(8, 10)
    results = RandomCrop((4, 5))(crop_sample(seg_map))
    assert results['img'].shape == (4, 5, 3)
    assert results['img_shape'] == (4, 5)
    y, x = divmod(int(results['gt_seg_map'][0, 0]), 10)
    np.testing.assert_array_equal(
        results['gt_seg_map'], seg_map[y : y + 4, x : x + 5]
    )
    np.testing.assert_array_equal(
        results['img'], crop_sample(seg_map)['img'][y : y + 4, x : x + 5]
    )


def test_image_smaller_than_crop_is_kept_whole():
    results = RandomCrop(16)(crop_sample(np.zeros((8, 10), np.uint8)))
    assert results['img'].shape == (8, 10, 3)


def test_cat_max_ratio_redraws_unbalanced_crops():
    # only the crop at the right edge sees two classes at most 3:1
    seg_map = np.zeros((4, 12), np.uint8)
    seg_map[:, 10:] = 1

    def balanced_crops(cat_max_ratio):
        crop = RandomCrop((4, 4), cat_max_ratio=cat_max_ratio)
        np.random.seed(1)
        return sum(
            crop(crop_sample(seg_map.copy()))['gt_seg_map'][:, 2:].all()
            for _ in range(30)
        )

    # 1 in 9 crops is balanced; with 11 draws, about 73 % are
    assert balanced_crops(1.0) <= 8
    assert balanced_crops(0.75) >= 15


def test_cat_max_ratio_ignores_the_ignore_index():
    crop = RandomCrop((2, 2), cat_max_ratio=0.75)
    half_ignored = np.array([[0, 255], [0, 255]], np.uint8)
    assert not crop._balanced_enough(half_ignored)
    assert crop._balanced_enough(np.array([[0, 1], [2, 255]], np.uint8))


def test_crop_size_must_be_positive():
    with pytest.raises(ValueError, match=r'crop_size .* got \(0, 4\)'):
        RandomCrop((0, 4))


def test_distortion_keeps_shape_dtype_and_is_seeded():
    img = np.random.default_rng(0).integers(0, 256, (6, 7, 3), np.uint8)
    outs = []
    for _ in range(2):
        np.random.seed(3)
        outs.append(PhotoMetricDistortion()(dict(img=img.copy()))['img'])
    assert outs[0].shape == img.shape and outs[0].dtype == np.uint8
    np.testing.assert_array_equal(outs[0], outs[1])


def test_distortion_convert_clips():
    img = np.array([[[10, 200, 250]]], np.uint8)
    np.testing.assert_array_equal(
        PhotoMetricDistortion.convert(img, alpha=2, beta=-30),
        [[[0, 255, 255]]],
    )


def test_distortion_without_any_change(monkeypatch):
    monkeypatch.setattr(np.random, 'randint', lambda *args: 0)
    img = np.full((2, 2, 3), 77, np.uint8)
    assert PhotoMetricDistortion()(dict(img=img))['img'] is img


def test_reprs():
    assert repr(RandomCrop(4, 0.5)) == 'RandomCrop(crop_size=(4, 4))'
    assert repr(PhotoMetricDistortion()) == (
        'PhotoMetricDistortion(brightness_delta=32, contrast_range=(0.5, '
        '1.5), saturation_range=(0.5, 1.5), hue_delta=18)'
    )


@pytest.mark.parametrize('view', ['plain', 'flipped', 'strided', 'int64'])
def test_class_counts_equal_a_sort_based_count(view):
    rng = np.random.default_rng(3)
    seg_map = rng.choice(
        [0, 1, 7, 255], size=(37, 41), p=[0.5, 0.3, 0.15, 0.05]
    ).astype(np.uint8)
    seg_map = {
        'plain': seg_map,
        'flipped': seg_map[::-1, ::-1],
        'strided': seg_map[:, ::3],
        'int64': seg_map.astype(np.int64),
    }[view]
    labels, counts = np.unique(seg_map, return_counts=True)
    expected = counts[labels != 255]
    crop = RandomCrop(crop_size=(8, 8), cat_max_ratio=0.75)
    assert crop._class_counts(seg_map).tolist() == expected.tolist()


class _Draws:
    """Scripted replacements of ``np.random.randint`` / ``uniform``."""

    def __init__(self, ints, floats):
        self.ints, self.floats = list(ints), list(floats)
        self.calls = []

    def randint(self, low, high=None):
        self.calls.append(('randint', low, high))
        return self.ints.pop(0)

    def uniform(self, low, high):
        self.calls.append(('uniform', low, high))
        return self.floats.pop(0)


def _scripted(monkeypatch, ints, floats):
    draws = _Draws(ints, floats)
    monkeypatch.setattr(np.random, 'randint', draws.randint)
    monkeypatch.setattr(np.random, 'uniform', draws.uniform)
    return draws


def _hsv_by_hand(img):
    """OpenCV's 8-bit BGR->HSV: V = max, S = 255 * (V - min) / V, H in
    [0, 180) = half of the hue angle, both rounded."""
    bgr = img.astype(np.float64)
    b, g, r = bgr[..., 0], bgr[..., 1], bgr[..., 2]
    v = bgr.max(-1)
    span = v - bgr.min(-1)
    s = np.where(v > 0, 255 * span / np.maximum(v, 1), 0)
    safe = np.maximum(span, 1e-9)
    h = np.where(
        v == r,
        60 * (g - b) / safe,
        np.where(v == g, 120 + 60 * (b - r) / safe, 240 + 60 * (r - g) / safe),
    )
    h = np.where(span == 0, 0, h) % 360
    return np.stack([np.round(h / 2) % 180, np.round(s), v], -1)


def test_brightness_and_contrast_values_by_hand(monkeypatch):
    img = np.array([[[0, 100, 250], [10, 128, 255]]], np.uint8)
    # brightness on (+20.7), contrast first (mode 1) on (x0.5),
    # saturation off, hue off
    draws = _scripted(monkeypatch, [1, 1, 1, 0, 0], [20.7, 0.5])
    out = PhotoMetricDistortion()(dict(img=img.copy()))['img']
    # float32 arithmetic, clipped, truncated to uint8:
    # (0 + 20.7) * 0.5 = 10.35 -> 10, (250 + 20.7) -> 255 -> 127.5 -> 127
    expected = np.array([[[10, 60, 127], [15, 74, 127]]], np.uint8)
    np.testing.assert_array_equal(out, expected)
    assert draws.calls == [
        ('randint', 2, None),
        ('uniform', -32, 32),
        ('randint', 2, None),
        ('randint', 2, None),
        ('uniform', 0.5, 1.5),
        ('randint', 2, None),
        ('randint', 2, None),
    ]


def test_contrast_last_saturation_and_hue_values(monkeypatch):
    rng = np.random.default_rng(3)
    img = rng.integers(0, 256, (6, 5, 3), dtype=np.uint8)
    # brightness off, contrast last (mode 0), saturation x1.3, hue +7,
    # contrast x1.2
    _scripted(monkeypatch, [0, 0, 1, 1, 7, 1], [1.3, 1.2])
    out = PhotoMetricDistortion()(dict(img=img.copy()))['img']
    hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV)
    # OpenCV's conversion is the one both projects use; check it first
    np.testing.assert_allclose(_hsv_by_hand(img), hsv, atol=1)
    hsv[..., 1] = np.clip(hsv[..., 1].astype(np.float32) * 1.3, 0, 255).astype(
        np.uint8
    )
    step = cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)
    hsv = cv2.cvtColor(step, cv2.COLOR_BGR2HSV)
    hsv[..., 0] = (hsv[..., 0].astype(int) + 7) % 180
    step = cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)
    expected = np.clip(step.astype(np.float32) * 1.2, 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(out, expected)
    assert not np.array_equal(out, img)


def test_hue_shift_wraps_around_180(monkeypatch):
    img = np.array([[[0, 0, 255]]], np.uint8)  # pure red: hue 0
    _scripted(monkeypatch, [0, 0, 0, 1, -18, 0], [])
    out = PhotoMetricDistortion()(dict(img=img))['img']
    assert cv2.cvtColor(out, cv2.COLOR_BGR2HSV)[0, 0, 0] == 180 - 18


@pytest.mark.parametrize('seed', range(12))
def test_distortion_draws_and_outputs_equal_mmsegmentations(seed):
    mmseg = pytest.importorskip('mmseg.datasets.transforms')
    img = np.random.default_rng(seed).integers(
        0, 256, (7, 9, 3), dtype=np.uint8
    )
    kwargs = dict(
        brightness_delta=40,
        contrast_range=(0.6, 1.4),
        saturation_range=(0.7, 1.6),
        hue_delta=25,
    )
    np.random.seed(seed)
    theirs = mmseg.PhotoMetricDistortion(**kwargs)(dict(img=img.copy()))['img']
    their_state = np.random.get_state()[1].copy()
    np.random.seed(seed)
    ours = PhotoMetricDistortion(**kwargs)(dict(img=img.copy()))['img']
    np.testing.assert_array_equal(ours, theirs)
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(np.random.get_state()[1], their_state)
    assert repr(PhotoMetricDistortion(**kwargs)) == repr(
        mmseg.PhotoMetricDistortion(**kwargs)
    )


@pytest.mark.parametrize('seed', range(6))
def test_random_crop_draws_equal_mmsegmentations(seed):
    mmseg = pytest.importorskip('mmseg.datasets.transforms')
    rng = np.random.default_rng(seed)
    results = dict(
        img=rng.integers(0, 256, (20, 24, 3), dtype=np.uint8),
        gt_seg_map=(
            rng.integers(0, 3, (20, 24)) * (rng.random((20, 24)) < 0.3)
        ).astype(np.uint8),
        seg_fields=['gt_seg_map'],
    )
    np.random.seed(seed)
    theirs = mmseg.RandomCrop((8, 10), cat_max_ratio=0.6)(dict(results))
    np.random.seed(seed)
    ours = RandomCrop((8, 10), cat_max_ratio=0.6)(dict(results))
    np.testing.assert_array_equal(ours['img'], theirs['img'])
    np.testing.assert_array_equal(ours['gt_seg_map'], theirs['gt_seg_map'])
    assert repr(RandomCrop((8, 10), 0.6)) == repr(
        mmseg.RandomCrop((8, 10), cat_max_ratio=0.6)
    )


def _reference_distortion(img, draws):
    """The straightforward float version of ``draws``, handing OpenCV the
    input as it is (any layout)."""

    def convert(x, alpha=1, beta=0):
        return np.clip(x.astype(np.float32) * alpha + beta, 0, 255).astype(
            np.uint8
        )

    if draws['brightness'] is not None:
        img = convert(img, beta=draws['brightness'])
    if draws['contrast_first'] is not None:
        img = convert(img, alpha=draws['contrast_first'])
    if draws['saturation'] is not None:
        hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV)
        hsv[..., 1] = convert(hsv[..., 1], alpha=draws['saturation'])
        img = cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)
    if draws['hue'] is not None:
        hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV)
        hsv[..., 0] = (hsv[..., 0].astype(int) + draws['hue']) % 180
        img = cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)
    if draws['contrast_last'] is not None:
        img = convert(img, alpha=draws['contrast_last'])
    return img


_DRAW_SETS = {
    'brightness': dict(brightness=-20.3),
    'brightness+contrast first': dict(brightness=25.9, contrast_first=1.37),
    'contrast last': dict(contrast_last=0.61),
    'saturation': dict(saturation=1.45),
    'hue': dict(hue=-13),
    'all, contrast first': dict(
        brightness=7.7, contrast_first=0.83, saturation=0.55, hue=17
    ),
    'all, contrast last': dict(
        brightness=-31.2, saturation=1.49, hue=-18, contrast_last=1.41
    ),
    'hue and contrast last': dict(hue=5, contrast_last=1.12),
}


def _views(rng):
    """Every layout the pipeline hands over, at an odd width."""
    base = rng.integers(0, 256, (23, 37, 3), dtype=np.uint8)
    whole = np.ascontiguousarray(base[2:21, 3:34])
    return {
        'contiguous': whole,
        'crop view': base[2:21, 3:34],
        'h-flipped': whole[:, ::-1],
        'v-flipped': whole[::-1],
        'both flipped': whole[::-1, ::-1],
        'flipped crop view': base[2:21, 3:34][:, ::-1],
        'reversed channels': whole[..., ::-1],
    }


@pytest.mark.parametrize('draw_set', list(_DRAW_SETS))
@pytest.mark.parametrize('view', list(_views(np.random.default_rng(0))))
def test_uint8_tables_equal_the_float_arithmetic(draw_set, view):
    """The lookup-table path is bit-identical to the float one for fixed
    draws, on every view; it never writes to its input."""
    img = _views(np.random.default_rng(5))[view]
    before = img.copy()
    draws = dict.fromkeys(
        ('brightness', 'contrast_first', 'saturation', 'hue', 'contrast_last')
    )
    draws.update(_DRAW_SETS[draw_set])
    pmd = PhotoMetricDistortion()
    out = pmd._uint8_path(img, draws)
    expected = _reference_distortion(img, draws)
    assert out.dtype == np.uint8 and out.shape == img.shape
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(pmd._float_path(img, draws), expected)
    np.testing.assert_array_equal(img, before)


def test_flipped_view_without_hsv_steps_comes_back_as_a_view():
    whole = np.random.default_rng(2).integers(0, 256, (9, 11, 3), np.uint8)
    draws = dict.fromkeys(
        ('contrast_first', 'saturation', 'hue', 'contrast_last')
    )
    draws['brightness'] = 12.5
    out = PhotoMetricDistortion()._uint8_path(whole[:, ::-1], draws)
    assert out.strides[1] < 0  # no copy to make it contiguous
    np.testing.assert_array_equal(
        out, _reference_distortion(whole[:, ::-1], draws)
    )


def test_float_image_takes_the_float_path(monkeypatch):
    img = (
        np.random.default_rng(4).uniform(0, 300, (5, 6, 3)).astype(np.float32)
    )
    # brightness +10.5, contrast first x1.5, saturation off, hue off
    _scripted(monkeypatch, [1, 1, 1, 0, 0], [10.5, 1.5])
    out = PhotoMetricDistortion()(dict(img=img))['img']
    expected = np.clip(
        np.clip(img + np.float32(10.5), 0, 255)
        .astype(np.uint8)
        .astype(np.float32)
        * np.float32(1.5),
        0,
        255,
    ).astype(np.uint8)
    np.testing.assert_array_equal(out, expected)


def test_draw_order_of_every_branch(monkeypatch):
    # brightness off, contrast last (mode 0): saturation on, hue on,
    # contrast on
    draws = _scripted(monkeypatch, [0, 0, 1, 1, 4, 1], [0.7, 1.1])
    got = PhotoMetricDistortion(hue_delta=9)._draws()
    assert got == dict(
        brightness=None,
        contrast_first=None,
        saturation=0.7,
        hue=4,
        contrast_last=1.1,
    )
    assert draws.calls == [
        ('randint', 2, None),
        ('randint', 2, None),
        ('randint', 2, None),
        ('uniform', 0.5, 1.5),
        ('randint', 2, None),
        ('randint', -9, 9),
        ('randint', 2, None),
        ('uniform', 0.5, 1.5),
    ]


@pytest.mark.parametrize('seed', range(16))
@pytest.mark.parametrize(
    'view', ['crop view', 'h-flipped', 'v-flipped', 'flipped crop view']
)
def test_distortion_on_views_equals_mmsegmentations(seed, view):
    mmseg = pytest.importorskip('mmseg.datasets.transforms')
    img = _views(np.random.default_rng(seed))[view]
    np.random.seed(seed)
    theirs = mmseg.PhotoMetricDistortion()(dict(img=img))['img']
    their_state = np.random.get_state()[1].copy()
    np.random.seed(seed)
    ours = PhotoMetricDistortion()(dict(img=img))['img']
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(np.random.get_state()[1], their_state)


#: the largest float32 below 1: x * it lies just below x, within the
#: rounding bias, so convertScaleAbs would round it up to x
_ALPHA_BELOW_ONE = 1.0 - 2.0**-24


def _contrast_table(alpha):
    return PhotoMetricDistortion.convert(np.arange(256, dtype=np.uint8), alpha)


@pytest.mark.parametrize('channels', [None, 1, 3, 4, 6])
@pytest.mark.parametrize(
    'table',
    ['shift up', 'shift down', 'contrast', 'contrast 1.3', 'contrast near 1'],
)
def test_table_ops_equal_indexing_the_table(channels, table):
    from mmflow_ext.datasets.transforms.seg_transforms import (
        TableOp,
        _apply_ops,
    )

    values = np.arange(256)
    lut, alpha = {
        'shift up': (np.clip(values + 29, 0, 255).astype(np.uint8), None),
        'shift down': (np.clip(values - 17, 0, 255).astype(np.uint8), None),
        'contrast': (_contrast_table(1.37), 1.37),
        # 10 * float32(1.3) is 12.9999995: within the bias below 13
        'contrast 1.3': (_contrast_table(1.3), 1.3),
        'contrast near 1': (
            _contrast_table(_ALPHA_BELOW_ONE),
            _ALPHA_BELOW_ONE,
        ),
    }[table]
    op = TableOp(lut, alpha)
    # x * (1 - 2**-24) truncates to x - 1: a shift; only a factor whose
    # product falls within the rounding bias needs cv2.LUT
    assert op.is_shift == (table.startswith('shift') or 'near' in table)
    assert op.is_lookup == (table == 'contrast 1.3')
    shape = (7, 9) if channels is None else (7, 9, channels)
    img = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
    np.testing.assert_array_equal(_apply_ops(img, [op]), lut[img])
    view = img[1:6, ::-1]
    np.testing.assert_array_equal(_apply_ops(view, [op]), lut[view])
    crop = img[1:6, 2:8]  # rows apart: shifted through a copy
    np.testing.assert_array_equal(_apply_ops(crop, [op, op]), lut[lut[crop]])
    if channels != 1:
        out = img.copy()
        assert op(out, out) is out
        np.testing.assert_array_equal(out, lut[img])


def test_contrast_near_one_keeps_the_float_result():
    # 255 * (1 - 2**-24) is 254.99998 in float32, which astype truncates
    assert _contrast_table(_ALPHA_BELOW_ONE)[255] == 254


@pytest.mark.parametrize('alpha', [0.55, 1.45, _ALPHA_BELOW_ONE])
@pytest.mark.parametrize('channel', [0, 1, 2])
def test_channel_op_changes_one_channel_by_its_table(alpha, channel):
    from mmflow_ext.datasets.transforms.seg_transforms import channel_op

    lut = _contrast_table(alpha)
    img = np.random.default_rng(3).integers(0, 256, (11, 13, 3), np.uint8)
    expected = img.copy()
    expected[..., channel] = lut[img[..., channel]]
    for op in (channel_op(channel, lut, alpha), channel_op(channel, lut)):
        out = img.copy()
        op(out)
        np.testing.assert_array_equal(out, expected)
