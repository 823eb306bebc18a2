# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``BasicFramesDataset`` (MMagic 1.x name): clips of frames for video
restoration and interpolation, in the REDS and Vimeo-90K layouts."""

import os
import os.path as osp
import re
from typing import Callable, Dict, List, Optional, Sequence, Union

from mmengine.dataset import BaseDataset
from mmengine.fileio import LocalBackend, get_file_backend, list_from_file

from mmflow_ext.registry import DATASETS, TRANSFORMS

__all__ = ['BasicFramesDataset']

#: an ann-file line: a relative path, then optionally integers and a shape
#: ``(h,w,c)``, as BasicSR and MMagic write them (``000/00000000.png
#: (720, 1280, 3)``, ``000 100 (720,1280,3)``, ``00001/0001 (256,448,7)``)
_ANN_LINE = re.compile(
    r'^(?P<path>[^\s()]+)(\s+\d+)*'
    r'(\s+\(\d+,\s*\d+,\s*\d+\))?(\s+\d+)*$'
)


@DATASETS.register_module()
class BasicFramesDataset(BaseDataset):
    """Clips of frames, one folder per clip and key.

    Sample keys: ``key`` (the clip path, e.g. ``'000'`` for REDS or
    ``'00001/0001'`` for Vimeo-90K), ``num_input_frames``,
    ``num_output_frames``, ``sequence_length`` and ``{key}_path`` for
    every key of ``data_prefix``: the key's folder, which
    ``GenerateSegmentIndices`` turns into frame paths, or, for keys of
    ``load_frames_list``, the list of the clip's frame files.

    Clips come from ``ann_file`` (one path per line, optionally followed by
    a shape ``(h,w,c)`` as BasicSR writes them) or from listing the
    ``search_key`` folder ``depth`` levels deep.

    Args:
        ann_file (str): Annotation file; ``''`` lists the folder.
        metainfo (dict, optional): Dataset meta information.
        data_root (str, optional): Root of ``data_prefix`` and
            ``ann_file``.
        data_prefix (dict): Folder of each key. Defaults to
            ``dict(img='')``.
        pipeline (list): Transforms or their configs (our registry).
        test_mode (bool): Whether in test mode.
        filename_tmpl (dict): Template of each key's frame names (with
            ``load_frames_list``) or folder names. Defaults to ``'{}'``.
        search_key (str, optional): Key whose folder is listed; defaults
            to the first of ``data_prefix``.
        backend_args (dict, optional): Arguments of the file backend.
        depth (int): Depth of a clip path (REDS 1, Vimeo-90K 2).
        num_input_frames (int, optional): Input frames per sample.
        num_output_frames (int, optional): Output frames per sample.
        fixed_seq_len (int, optional): Frames of every clip; counted per
            clip in the ``search_key`` folder when None.
        load_frames_list (dict): Per key, the frame files to load
            (``['all']`` for every file of the clip folder).
        **kwargs: Other arguments of :class:`mmengine.dataset.BaseDataset`.

    Raises:
        ValueError: An ann-file line does not parse, or a clip holds fewer
            frames than ``fixed_seq_len`` (the message names the file or
            folder).
        FileNotFoundError: The ann file, a clip folder or a listed frame is
            missing (idem).
    """

    METAINFO = dict(dataset_type='base_edit_dataset', task_name='editing')

    def __init__(
        self,
        ann_file: str = '',
        metainfo: Optional[dict] = None,
        data_root: Optional[str] = None,
        data_prefix: Optional[Dict[str, str]] = None,
        pipeline: Sequence[Union[dict, Callable]] = (),
        test_mode: bool = False,
        filename_tmpl: Optional[Dict[str, str]] = None,
        search_key: Optional[str] = None,
        backend_args: Optional[dict] = None,
        depth: int = 1,
        num_input_frames: Optional[int] = None,
        num_output_frames: Optional[int] = None,
        fixed_seq_len: Optional[int] = None,
        load_frames_list: Optional[Dict[str, List[str]]] = None,
        **kwargs,
    ) -> None:
        data_prefix = (
            dict(img='') if data_prefix is None else dict(data_prefix)
        )
        self.filename_tmpl = {key: '{}' for key in data_prefix}
        self.filename_tmpl.update(filename_tmpl or {})
        self.search_key = search_key or next(iter(data_prefix))
        self.use_ann_file = ann_file != ''
        self.backend_args = (
            None if backend_args is None else dict(backend_args)
        )
        self.depth = depth
        self.fixed_seq_len = fixed_seq_len
        self.num_input_frames = num_input_frames
        self.num_output_frames = num_output_frames
        self.load_frames_list = dict(load_frames_list or {})
        self.file_backend = get_file_backend(
            uri=data_root, backend_args=backend_args
        )
        super().__init__(
            ann_file=ann_file,
            metainfo=metainfo,
            data_root=data_root,
            data_prefix=data_prefix,
            pipeline=[
                TRANSFORMS.build(t) if isinstance(t, dict) else t
                for t in pipeline
            ],
            test_mode=test_mode,
            **kwargs,
        )

    # ------------------------------------------------------------ listing
    def _is_local(self) -> bool:
        return isinstance(self.file_backend, LocalBackend)

    def _list(self, folder: str) -> List[str]:
        if self._is_local() and not osp.isdir(folder):
            raise FileNotFoundError(f'Folder not found: {folder}')
        return sorted(self.file_backend.list_dir_or_file(dir_path=folder))

    def _clips_from_folder(self, sub: str = '', depth: int = 1) -> List[str]:
        folder = self.data_prefix[self.search_key]
        affix = self.filename_tmpl[self.search_key].format('')
        paths = []
        for name in self._list(osp.join(folder, sub) if sub else folder):
            rel = osp.join(sub, name) if sub else name
            if depth > 1:
                paths.extend(self._clips_from_folder(rel, depth - 1))
            else:
                stem, ext = osp.splitext(name)
                if stem.endswith(affix):
                    stem = stem[: len(stem) - len(affix)] if affix else stem
                    paths.append(
                        osp.join(sub, stem + ext) if sub else stem + ext
                    )
        return paths

    def _clips_from_ann(self) -> List[str]:
        if self._is_local() and not osp.isfile(self.ann_file):
            raise FileNotFoundError(
                f'Annotation file not found: {self.ann_file}'
            )
        paths: List[str] = []
        lines = list_from_file(self.ann_file, backend_args=self.backend_args)
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            match = _ANN_LINE.match(line.strip())
            if match is None:
                raise ValueError(
                    f'{self.ann_file}, line {number}: cannot parse '
                    f'{line!r}; expected "clip/path [(h,w,c) ...]"'
                )
            path = match['path'].replace('/', os.sep)
            parts = path.split(os.sep)
            if self.depth > len(parts):
                subs = self._clips_from_folder(path, self.depth - len(parts))
                paths.extend(osp.splitext(s)[0] for s in subs)
            elif self.depth < len(parts):
                clip = os.sep.join(parts[: self.depth])
                if clip not in paths:
                    paths.append(clip)
            else:
                paths.append(path)
        return paths

    # ------------------------------------------------------------ samples
    def _sequence_length(self, clip: str, cache: Dict[str, int]) -> int:
        top = clip.split(os.sep)[0]
        if top not in cache:
            folder = osp.join(self.data_prefix[self.search_key], top)
            cache[top] = len(self._list(folder))
        return cache[top]

    def _check_clip(self, clip: str) -> None:
        if not self._is_local() or self.fixed_seq_len is None:
            return
        for key, root in self.data_prefix.items():
            if key in self.load_frames_list:
                continue
            folder = osp.join(root, clip)
            count = len(self._list(folder))
            if count < self.fixed_seq_len:
                raise ValueError(
                    f'Clip folder {folder} has {count} frames, fewer than '
                    f'fixed_seq_len={self.fixed_seq_len}'
                )

    def _frames(self, key: str, folder: str) -> List[str]:
        wanted = self.load_frames_list[key]
        files = self._list(folder) if 'all' in wanted else sorted(wanted)
        paths = [
            osp.join(folder, self.filename_tmpl[key].format(f)) for f in files
        ]
        if self._is_local():
            for path in paths:
                if not osp.isfile(path):
                    raise FileNotFoundError(f'Frame not found: {path}')
        return paths

    def load_data_list(self) -> List[dict]:
        """List the clips.

        Returns:
            list[dict]: One sample per clip.
        """
        clips = (
            self._clips_from_ann()
            if self.use_ann_file
            else self._clips_from_folder(depth=self.depth)
        )
        lengths: Dict[str, int] = {}
        data_list = []
        for clip in clips:
            self._check_clip(clip)
            length = self.fixed_seq_len
            if length is None:
                length = self._sequence_length(clip, lengths)
            sample = dict(
                key=osp.splitext(clip)[0],
                num_input_frames=self.num_input_frames,
                num_output_frames=self.num_output_frames,
                sequence_length=length,
            )
            for key, root in self.data_prefix.items():
                if key not in self.load_frames_list:
                    sample[f'{key}_path'] = root
                    continue
                sample[f'{key}_path'] = self._frames(key, osp.join(root, clip))
                sample['sequence_length'] = None
                if key == 'img':
                    sample['num_input_frames'] = len(sample['img_path'])
                elif key == 'gt':
                    sample['num_output_frames'] = len(sample['gt_path'])
            data_list.append(sample)
        return data_list
