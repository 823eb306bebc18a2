# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Frame-sequence transforms of video pipelines (MMagic 1.x names):
``GenerateSegmentIndices``, ``MirrorSequence`` and ``TemporalReverse``."""

import os.path as osp
from typing import Dict, Sequence

import numpy as np
from mmcv.transforms import BaseTransform

from mmflow_ext.registry import TRANSFORMS

__all__ = [
    'GenerateSegmentIndices',
    'GenerateFrameIndiceswithPadding',
    'MirrorSequence',
    'TemporalReverse',
]


@TRANSFORMS.register_module()
class GenerateSegmentIndices(BaseTransform):
    """Pick a segment of a clip and turn the clip folders into frame paths.

    From ``results['key']`` (clip name), ``sequence_length``,
    ``num_input_frames`` (None: whole clip) and the clip roots in
    ``img_path``/``gt_path``, it draws an interval from ``interval_list``
    and a start frame (NumPy's global generator, as MMagic), and sets
    ``img_path``/``gt_path`` to lists of frame files.

    Args:
        interval_list (list[int]): Intervals to draw from.
        start_idx (int): Index of a clip's first frame. Defaults to 0.
        filename_tmpl (str): Frame file template. Defaults to
            ``'{:08d}.png'``.

    Raises:
        ValueError: The clip is too short for the interval and frame count
            (the message names the clip).

    Examples:
        >>> out = GenerateSegmentIndices([1], filename_tmpl='{:03d}.png')(
        ...     dict(key='c0', sequence_length=2, num_input_frames=2,
        ...          img_path='lq', gt_path='gt'))
        >>> out['img_path']
        ['lq/c0/000.png', 'lq/c0/001.png']
    """

    def __init__(
        self,
        interval_list: Sequence[int],
        start_idx: int = 0,
        filename_tmpl: str = '{:08d}.png',
    ) -> None:
        self.interval_list = interval_list
        self.filename_tmpl = filename_tmpl
        self.start_idx = start_idx

    def transform(self, results: Dict) -> Dict:
        """Replace the clip roots by the frame paths of one segment."""
        clip = results['key']
        interval = np.random.choice(self.interval_list)
        length = results['sequence_length']
        num = results.get('num_input_frames') or length
        if length - num * interval < 0:
            raise ValueError(
                'The input sequence is not long enough to support the '
                'current choice of [interval] or [num_input_frames]: clip '
                f'"{clip}" has {length} frames, {num} frames at interval '
                f'{interval} are asked for.'
            )
        start = np.random.randint(0, length - num * interval + 1)
        indices = [
            v + self.start_idx
            for v in range(start, start + num * interval, interval)
        ]
        for key in ('img_path', 'gt_path'):
            root = results[key]
            results[key] = [
                osp.join(root, clip, self.filename_tmpl.format(v))
                for v in indices
            ]
        results['interval'] = interval
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(interval_list={self.interval_list})'


_PADDINGS = ('replicate', 'reflection', 'reflection_circle', 'circle')


@TRANSFORMS.register_module()
class GenerateFrameIndiceswithPadding(BaseTransform):
    """Frame paths around the centre frame of ``results['key']``
    (``clip/frame``), padded at the clip's ends (EDVR/TDAN test sets).

    Args:
        padding (str): ``'replicate'``, ``'reflection'``,
            ``'reflection_circle'`` or ``'circle'``.
        filename_tmpl (str): Template of frame names (without ``.png``).

    Examples:
        >>> out = GenerateFrameIndiceswithPadding('reflection', '{:02d}')(
        ...     dict(key='c/00', sequence_length=3, num_input_frames=3,
        ...          img_path='lq', gt_path='gt'))
        >>> [p[-6:] for p in out['img_path']], out['gt_path']
        (['01.png', '00.png', '01.png'], ['gt/c/00.png'])
    """

    def __init__(self, padding: str, filename_tmpl: str = '{:08d}') -> None:
        if padding not in _PADDINGS:
            raise ValueError(
                f'Wrong padding mode {padding}.Should be '
                '"replicate", "reflection", '
                '"reflection_circle",  "circle"'
            )
        self.padding = padding
        self.filename_tmpl = filename_tmpl

    def _pad(self, i: int, centre: int, last: int, num: int) -> int:
        half = num // 2
        if 0 <= i <= last:
            return i
        low = i < 0
        if self.padding == 'replicate':
            return 0 if low else last
        if self.padding == 'reflection':
            return -i if low else 2 * last - i
        if self.padding == 'reflection_circle':
            return centre + half - i if low else (centre - half) - (i - last)
        return num + i if low else i - num

    def transform(self, results: Dict) -> Dict:
        """Set ``img_path`` to the padded frames and ``gt_path`` to the
        centre frame."""
        clip, frame = results['key'].split(osp.sep)
        centre = int(frame)
        last = results['sequence_length'] - 1
        num = results['num_input_frames']
        indices = [
            self._pad(i, centre, last, num)
            for i in range(centre - num // 2, centre + num // 2 + 1)
        ]
        results['img_path'] = [
            osp.join(
                results['img_path'],
                clip,
                f'{self.filename_tmpl.format(i)}.png',
            )
            for i in indices
        ]
        results['gt_path'] = [
            osp.join(results['gt_path'], clip, f'{frame}.png')
        ]
        return results

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(padding='{self.padding}')"


@TRANSFORMS.register_module()
class MirrorSequence(BaseTransform):
    """Append the reversed frames: ``[x0, ..., xn] + [xn, ..., x0]``.

    Args:
        keys (list[str]): Results keys holding frame lists.

    Examples:
        >>> MirrorSequence(['img'])(dict(img=[1, 2]))['img']
        [1, 2, 2, 1]
    """

    def __init__(self, keys: Sequence[str]) -> None:
        self.keys = keys

    def transform(self, results: Dict) -> Dict:
        """Mirror every key's frame list."""
        for key in self.keys:
            if not isinstance(results[key], list):
                raise TypeError(
                    'The input must be of class list[nparray]. '
                    f'Got {type(results[key])} for "{key}".'
                )
            results[key] = results[key] + results[key][::-1]
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(keys={self.keys})'


@TRANSFORMS.register_module()
class TemporalReverse(BaseTransform):
    """Reverse frame lists with a probability (one draw for all keys).

    Args:
        keys (list[str]): Results keys holding frame lists.
        reverse_ratio (float): Probability to reverse. Defaults to 0.5.
    """

    def __init__(
        self, keys: Sequence[str], reverse_ratio: float = 0.5
    ) -> None:
        self.keys = keys
        self.reverse_ratio = reverse_ratio

    def transform(self, results: Dict) -> Dict:
        """Reverse ``keys`` in place or not; record ``reverse``."""
        reverse = np.random.random() < self.reverse_ratio
        if reverse:
            for key in self.keys:
                results[key].reverse()
        results['reverse'] = reverse
        return results

    def __repr__(self) -> str:
        return (
            f'{self.__class__.__name__}(keys={self.keys}, '
            f'reverse_ratio={self.reverse_ratio})'
        )
