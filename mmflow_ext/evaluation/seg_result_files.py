# Copyright (c) mmflow_ext contributors. All rights reserved.
"""The files that segmentation evaluation writes, all written atomically.

``IoUMetric`` only measures; what it saves goes through here:

- :class:`PredictionWriter`: one label PNG per sample (``format_only`` and
  ``output_dir``), at :func:`prediction_path`;
- :func:`save_confusion_matrix`: ``confusion_matrix.npy`` (the ``int64``
  counts) and ``confusion_matrix.png`` (a heatmap).

Every file is written to a temporary file beside its target and renamed
over it, so a killed run leaves whole files only.
"""

import io
import logging
import os
import os.path as osp
from typing import Dict, Optional, Sequence

import numpy as np
from mmengine.logging import MMLogger, print_log

from mmflow_ext.compat.atomic_write import atomic_write_bytes
from mmflow_ext.visualization.confusion_matrix_image import (
    draw_confusion_matrix,
)
from mmflow_ext.visualization.image_file import write_image

__all__ = [
    'save_label_png',
    'prediction_path',
    'PredictionWriter',
    'save_confusion_matrix',
]

_UINT16_MAX = 65535
#: predictions written between two progress messages
_LOG_EVERY = 100


def save_label_png(path: str, labels: np.ndarray) -> None:
    """Write a label map as a PNG that keeps every value, atomically.

    Maps whose values fit in 8 bits are saved as 8-bit PNGs (what
    MMSegmentation writes); larger values go to a 16-bit PNG instead of
    wrapping around.

    Args:
        path (str): Destination file; its folder is created.
        labels (ndarray): ``(H, W)`` non-negative integer labels.

    Raises:
        ValueError: When a label is negative or above 65535.
        OSError: When OpenCV cannot encode the map.

    Examples:
        >>> import tempfile, os.path as osp, cv2, numpy as np
        >>> path = osp.join(tempfile.mkdtemp(), 'mask.png')
        >>> save_label_png(path, np.array([[0, 300]]))
        >>> cv2.imread(path, cv2.IMREAD_UNCHANGED)
        array([[  0, 300]], dtype=uint16)
    """
    labels = np.asarray(labels)
    low = int(labels.min()) if labels.size else 0
    high = int(labels.max()) if labels.size else 0
    if low < 0 or high > _UINT16_MAX:
        raise ValueError(
            f'cannot save labels in [{low}, {high}] to {path}: '
            f'a PNG holds 0..{_UINT16_MAX}'
        )
    dtype = np.uint8 if high <= 255 else np.uint16
    write_image(path, labels.astype(dtype))


def _folders(path: str) -> list:
    return osp.normpath(osp.abspath(osp.dirname(path))).split(os.sep)


def prediction_path(
    output_dir: str, img_path: str, seg_map_path: Optional[str] = None
) -> str:
    """Where the prediction PNG of an image goes.

    The image's sub-folder below the data root is kept, so
    ``city_a/0001.jpg`` and ``city_b/0001.jpg`` get two files. The data root
    is the deepest folder that holds both the image and its label map
    (``<data_root>/img_dir/val/x.jpg`` with ``<data_root>/ann_dir/val/x.png``
    gives ``img_dir/val/x.png``). Without a label map the image's own folder
    is the root: the file is ``<output_dir>/<image stem>.png``, as in
    MMSegmentation.

    Args:
        output_dir (str): The metric's ``output_dir``.
        img_path (str): The sample's image.
        seg_map_path (str, optional): The sample's label map.
            Defaults to None.

    Returns:
        str: The absolute path of the PNG.

    Examples:
        >>> import os.path as osp
        >>> path = prediction_path('out', 'data/img/a/1.jpg',
        ...                        'data/ann/a/1.png')
        >>> osp.relpath(path, osp.abspath('out'))
        'img/a/1.png'
        >>> osp.relpath(prediction_path('out', 'data/img/a/1.jpg'), 'out')
        '1.png'
    """
    stem = osp.splitext(osp.basename(img_path))[0]
    sub_folders: Sequence[str] = ()
    if seg_map_path:
        image_dirs, map_dirs = _folders(img_path), _folders(seg_map_path)
        common = 0
        while (
            common < min(len(image_dirs), len(map_dirs))
            and image_dirs[common] == map_dirs[common]
        ):
            common += 1
        sub_folders = image_dirs[common:]
    return osp.abspath(osp.join(output_dir, *sub_folders, f'{stem}.png'))


class PredictionWriter:
    """Writes the prediction PNG of each sample below ``output_dir``.

    A prediction never replaces the sample's own image or label map, and
    two samples of one evaluation never share a file: either is an error
    naming both files.

    Args:
        output_dir (str): Folder of the PNGs (created when needed).

    Examples:
        >>> import tempfile
        >>> writer = PredictionWriter(tempfile.mkdtemp())
        >>> path = writer.write(dict(img_path='img/a/1.jpg',
        ...                          seg_map_path='ann/a/1.png'),
        ...                     np.zeros((2, 2), dtype=np.int64))
        >>> path.endswith(osp.join('img', 'a', '1.png')), writer.num_written
        (True, 1)
    """

    def __init__(self, output_dir: str) -> None:
        self.output_dir = output_dir
        #: source image of every file written since :meth:`finish`
        self._sources: Dict[str, str] = {}

    @property
    def num_written(self) -> int:
        """int: Predictions this process wrote since :meth:`finish`."""
        return len(self._sources)

    def write(self, sample: dict, labels: np.ndarray) -> str:
        """Write one prediction.

        Args:
            sample (dict): The sample (``to_dict()`` form) with
                ``img_path`` and, when there is one, ``seg_map_path``.
            labels (ndarray): ``(H, W)`` labels to save (``reduce_zero_label``
                already undone by the caller).

        Returns:
            str: The file written.

        Raises:
            KeyError: When the sample has no ``img_path``.
            ValueError: When the file would replace the sample's image or
                label map, or a file written for another image.
        """
        if 'img_path' not in sample:
            raise KeyError(
                'IoUMetric(output_dir=...) names each prediction '
                'PNG after the sample\'s "img_path", which is '
                f'missing; got keys {sorted(sample)}'
            )
        img_path = sample['img_path']
        seg_map_path = sample.get('seg_map_path')
        path = prediction_path(self.output_dir, img_path, seg_map_path)
        for source in (img_path, seg_map_path):
            if source and osp.abspath(source) == path:
                raise ValueError(
                    f'the prediction of {img_path} would '
                    f'replace the input {source}; choose an '
                    'output_dir outside the dataset'
                )
        earlier = self._sources.get(path)
        if earlier is not None and earlier != img_path:
            raise ValueError(
                f'the predictions of {earlier} and {img_path} '
                f'would both be written to {path}'
            )
        save_label_png(path, labels)
        self._sources[path] = img_path
        if self.num_written % _LOG_EVERY == 0:
            print_log(
                f'{self.num_written} predictions written to {self.output_dir}',
                MMLogger.get_current_instance(),
            )
        return path

    def finish(self) -> int:
        """Log the total and start counting anew (one evaluation ends).

        Returns:
            int: The number of predictions written.
        """
        count = self.num_written
        print_log(
            f'{count} predictions are saved to {self.output_dir}',
            MMLogger.get_current_instance(),
        )
        self._sources.clear()
        return count


def save_confusion_matrix(
    matrix: np.ndarray, class_names: Sequence[str], folder: Optional[str]
) -> Optional[str]:
    """Write ``confusion_matrix.npy`` and ``confusion_matrix.png``.

    Args:
        matrix (ndarray): ``(C, C)`` ``int64`` counts, rows ground truth.
        class_names (Sequence[str]): ``C`` names labelling the heatmap.
        folder (str, optional): Destination folder. None: the folder of the
            current MMEngine logger's log file (inside a Runner's
            ``work_dir``); without a log file nothing is written and a
            warning says so.

    Returns:
        str | None: The folder written to, or None.

    Examples:
        >>> import tempfile, os
        >>> folder = save_confusion_matrix(np.eye(2, dtype=np.int64),
        ...                                ['a', 'b'], tempfile.mkdtemp())
        >>> sorted(os.listdir(folder))
        ['confusion_matrix.npy', 'confusion_matrix.png']
    """
    logger = MMLogger.get_current_instance()
    if folder is None and logger.log_file is not None:
        folder = osp.dirname(osp.abspath(logger.log_file))
    if folder is None:
        print_log(
            'IoUMetric: no confusion_matrix_dir and no log file to put '
            'the confusion matrix beside; it is not written (see '
            'IoUMetric.last_confusion_matrix)',
            logger,
            level=logging.WARNING,
        )
        return None
    buffer = io.BytesIO()
    np.save(buffer, matrix)
    atomic_write_bytes(
        buffer.getvalue(), osp.join(folder, 'confusion_matrix.npy')
    )
    write_image(
        osp.join(folder, 'confusion_matrix.png'),
        draw_confusion_matrix(matrix, class_names),
    )
    print_log(f'confusion matrix saved to {folder}', logger)
    return folder
