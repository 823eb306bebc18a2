# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``SegLocalVisualizer``: MMSegmentation's GT | prediction panels."""

import os.path as osp
from typing import Any, List, Optional, Sequence

import cv2
import numpy as np
import torch
from mmengine.dist import master_only
from mmengine.visualization import Visualizer

from mmflow_ext.compat.atomic_write import atomic_write_bytes
from mmflow_ext.registry import VISUALIZERS
from mmflow_ext.structures import field_data, field_keys, get_field, has_field

from .dataset_names import dataset_classes_and_palette
from .mask_tile import colorize_label_map, label_map_to_array
from .palette import palette_to_array

__all__ = ['SegLocalVisualizer']

#: font and line type of the class-name boxes (as MMSegmentation draws them)
_FONT = cv2.FONT_HERSHEY_SIMPLEX
_LINE_TYPE = 2


def _label_anchor(region: np.ndarray) -> tuple:
    """``(x, y)`` where a class's name box starts.

    The box starts at the middle pixel of the region's longest row (the
    topmost of equally long rows), as MMSegmentation places it.
    """
    row_lengths = np.count_nonzero(region, axis=1)
    y = int(np.argmax(row_lengths))
    xs = np.flatnonzero(region[y])
    return int(xs[len(xs) // 2]), y


def _draw_label_boxes(
    mask: np.ndarray,
    labels: np.ndarray,
    present: Sequence[int],
    classes: Sequence[str],
    palette: np.ndarray,
) -> None:
    """Write each present class's name in a box of its colour, in place."""
    height, width = labels.shape
    font_scale = min(height, width) / 500
    thickness = 1 if height < 300 or width < 300 else 2
    for label in present:
        x, y = _label_anchor(labels == label)
        text = classes[label]
        (text_w, text_h), baseline = cv2.getTextSize(
            text, _FONT, font_scale, thickness
        )
        corner = (x + text_w + baseline, y + text_h + baseline)
        color = tuple(int(c) for c in palette[label])
        cv2.rectangle(mask, (x, y), corner, color, -1)
        cv2.rectangle(mask, (x, y), corner, (0, 0, 0), thickness)
        cv2.putText(
            mask,
            text,
            (x, y + text_h),
            _FONT,
            font_scale,
            (255, 255, 255),
            thickness,
            _LINE_TYPE,
        )


@VISUALIZERS.register_module()
class SegLocalVisualizer(Visualizer):
    """Draw a segmentation sample as MMSegmentation's visualizer does.

    :meth:`add_datasample` paints the sample's ``gt_sem_seg`` and
    ``pred_sem_seg`` in the palette over the image (each pixel becomes
    ``uint8(image * (1 - alpha) + colour * alpha)``; labels outside the
    classes keep colour 0) and puts the GT panel left of the prediction
    panel. ``gt_depth_map`` / ``pred_depth_map`` are drawn as feature maps
    below their panel. With ``with_labels`` each present class's name is
    written in a box of its colour.

    The classes and palette come from ``classes`` and ``palette``, else from
    ``dataset_name`` (default ``'cityscapes'``, as upstream); setting
    :attr:`dataset_meta` (the Runner's loops set the dataset's metainfo)
    replaces them.

    Args:
        name (str): Instance name. Defaults to ``'visualizer'``.
        image (np.ndarray, optional): RGB image to start drawing on.
            Defaults to None.
        vis_backends (list[dict], optional): Backend configs.
            Defaults to None.
        save_dir (str, optional): Folder of the backends' files.
            Defaults to None.
        classes (Sequence[str], optional): Class names. Defaults to None.
        palette (Sequence[Sequence[int]], optional): RGB colour per class.
            Defaults to None.
        dataset_name (str, optional): A dataset name or alias of
            :data:`~mmflow_ext.visualization.dataset_names.DATASET_ALIASES`
            giving the classes and palette not given. Defaults to None.
        alpha (float): Opacity of the label colours, in ``[0, 1]``.
            Defaults to 0.8.
        **kwargs: Other arguments of :class:`~mmengine.visualization.
            Visualizer` (``fig_save_cfg``, ``fig_show_cfg``).

    Examples:
        >>> import numpy as np, torch
        >>> from mmengine.structures import PixelData
        >>> from mmflow_ext.structures import SegDataSample
        >>> vis = SegLocalVisualizer(
        ...     name='seg_local_doctest', classes=['bg', 'fg'],
        ...     palette=[[0, 0, 0], [250, 0, 0]], alpha=0.5)
        >>> sample = SegDataSample(
        ...     gt_sem_seg=PixelData(data=torch.tensor([[[0, 1]]])),
        ...     pred_sem_seg=PixelData(data=torch.tensor([[[1, 1]]])))
        >>> image = np.full((1, 2, 3), 100, dtype=np.uint8)
        >>> drawn = vis.add_datasample('x', image, sample, with_labels=False)
        >>> drawn[0].tolist()
        [[50, 50, 50], [175, 50, 50], [175, 50, 50], [175, 50, 50]]
    """

    def __init__(
        self,
        name: str = 'visualizer',
        image: Optional[np.ndarray] = None,
        vis_backends: Optional[List[dict]] = None,
        save_dir: Optional[str] = None,
        classes: Optional[Sequence[str]] = None,
        palette: Optional[Sequence[Sequence[int]]] = None,
        dataset_name: Optional[str] = None,
        alpha: float = 0.8,
        **kwargs,
    ) -> None:
        super().__init__(name, image, vis_backends, save_dir, **kwargs)
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f'alpha must be in [0, 1], got {alpha}')
        self.alpha = alpha
        self.set_dataset_meta(classes, palette, dataset_name)

    def set_dataset_meta(
        self,
        classes: Optional[Sequence[str]] = None,
        palette: Optional[Sequence[Sequence[int]]] = None,
        dataset_name: Optional[str] = None,
    ) -> None:
        """Set the classes and palette used to draw.

        Args:
            classes (Sequence[str], optional): Class names; they take
                precedence over the dataset's. Defaults to None.
            palette (Sequence[Sequence[int]], optional): RGB colours; they
                take precedence over the dataset's. Defaults to None.
            dataset_name (str, optional): Dataset name or alias giving what
                is not given. Defaults to None (``'cityscapes'``).

        Raises:
            ValueError: When the dataset name is unknown, or the palette and
                the classes differ in length.
        """
        if not classes or not palette:
            named_classes, named_palette = dataset_classes_and_palette(
                dataset_name or 'cityscapes'
            )
            classes = classes or named_classes
            palette = palette or named_palette
        palette_to_array(palette, classes)  # one colour per class
        self.dataset_meta = {'classes': classes, 'palette': palette}

    def _palette(self) -> np.ndarray:
        meta = self.dataset_meta or {}
        return palette_to_array(meta['palette'], meta.get('classes'))

    def _draw_sem_seg(
        self,
        image: np.ndarray,
        sem_seg: Any,
        key: str,
        classes: Sequence[str],
        palette: np.ndarray,
        with_labels: bool,
    ) -> np.ndarray:
        """One panel: the label map ``key`` painted over ``image``."""
        labels = label_map_to_array(field_data(sem_seg), key)
        if labels.shape != image.shape[:2]:
            raise ValueError(
                f'"{key}" is {labels.shape[0]}×{labels.shape[1]} but the '
                f'image is {image.shape[0]}×{image.shape[1]}; draw it on the '
                'image at the label map\'s size (ori_shape)'
            )
        num_classes = len(classes)
        palette = palette[:num_classes]
        # ignore_index=-1: every label below num_classes is painted
        mask = colorize_label_map(labels, palette, ignore_index=-1).copy()
        if with_labels:
            present = [
                int(label)
                for label in np.unique(labels)[::-1]
                if 0 <= label < num_classes
            ]
            _draw_label_boxes(mask, labels, present, classes, palette)
        panel = (image * (1 - self.alpha) + mask * self.alpha).astype(np.uint8)
        self.set_image(panel)
        return panel

    def _draw_depth_map(self, image: np.ndarray, depth_map: Any) -> np.ndarray:
        """The image with the depth map drawn as a feature map below."""
        depth = field_data(depth_map)
        if isinstance(depth, np.ndarray):
            depth = torch.from_numpy(depth)
        depth = depth.detach().cpu()
        if depth.ndim == 2:
            depth = depth[None]
        drawn = self.draw_featmap(depth, resize_shape=image.shape[:2])
        panel = np.concatenate((image, drawn), axis=0)
        self.set_image(panel)
        return panel

    def _draw_panel(
        self,
        image: np.ndarray,
        data_sample: Any,
        prefix: str,
        with_labels: bool,
    ) -> Optional[np.ndarray]:
        panel = None
        seg_key, depth_key = f'{prefix}_sem_seg', f'{prefix}_depth_map'
        if has_field(data_sample, seg_key):
            meta = self.dataset_meta or {}
            classes = meta.get('classes')
            if classes is None:
                raise ValueError(
                    f'{type(self).__name__} has no classes to draw '
                    f'"{seg_key}": set classes/palette, dataset_name or '
                    'dataset_meta'
                )
            panel = self._draw_sem_seg(
                image,
                get_field(data_sample, seg_key),
                seg_key,
                classes,
                self._palette(),
                with_labels,
            )
        if has_field(data_sample, depth_key):
            panel = self._draw_depth_map(
                image if panel is None else panel,
                get_field(data_sample, depth_key),
            )
        return panel

    def draw_datasample(
        self,
        image: np.ndarray,
        data_sample: Any,
        draw_gt: bool = True,
        draw_pred: bool = True,
        with_labels: bool = True,
    ) -> np.ndarray:
        """Draw the GT and prediction panels of a sample side by side.

        Args:
            image (np.ndarray): ``H×W×3`` RGB image at the label maps' size.
            data_sample (SegDataSample | dict): The sample.
            draw_gt (bool): Draw ``gt_sem_seg`` / ``gt_depth_map``.
                Defaults to True.
            draw_pred (bool): Draw ``pred_sem_seg`` / ``pred_depth_map``.
                Defaults to True.
            with_labels (bool): Write class names. Defaults to True.

        Returns:
            np.ndarray: The RGB drawing (GT left, prediction right).

        Raises:
            ValueError: When there is nothing to draw, or a label map and
                the image differ in size.
        """
        image = np.asarray(image)
        panels = []
        for wanted, prefix in ((draw_gt, 'gt'), (draw_pred, 'pred')):
            if wanted and data_sample is not None:
                panel = self._draw_panel(
                    image, data_sample, prefix, with_labels
                )
                if panel is not None:
                    panels.append(panel)
        if not panels:
            raise ValueError(
                'nothing to draw: the data sample has no gt_sem_seg, '
                'pred_sem_seg, gt_depth_map or pred_depth_map that '
                f'draw_gt={draw_gt} / draw_pred={draw_pred} ask for (keys: '
                f'{", ".join(field_keys(data_sample)) or "none"})'
            )
        return panels[0] if len(panels) == 1 else np.concatenate(panels, 1)

    @master_only
    def add_datasample(
        self,
        name: str,
        image: np.ndarray,
        data_sample: Any = None,
        draw_gt: bool = True,
        draw_pred: bool = True,
        show: bool = False,
        wait_time: float = 0,
        out_file: Optional[str] = None,
        step: int = 0,
        with_labels: Optional[bool] = True,
    ) -> np.ndarray:
        """Draw a sample and show it, write it or hand it to the backends.

        Args:
            name (str): Image name (window title, backend name).
            image (np.ndarray): ``H×W×3`` RGB image.
            data_sample (SegDataSample | dict, optional): The sample.
                Defaults to None.
            draw_gt (bool): Draw the GT panel. Defaults to True.
            draw_pred (bool): Draw the prediction panel. Defaults to True.
            show (bool): Display the drawing. Defaults to False.
            wait_time (float): Seconds a shown drawing stays. Defaults to 0.
            out_file (str, optional): Write the drawing to this file
                (atomically) instead of handing it to the backends.
                Defaults to None.
            step (int): Global step of the backends. Defaults to 0.
            with_labels (bool): Write class names. Defaults to True.

        Returns:
            np.ndarray: The RGB drawing (None off the main process).
        """
        drawn = self.draw_datasample(
            image, data_sample, draw_gt, draw_pred, bool(with_labels)
        )
        if show:
            self.show(drawn, win_name=name, wait_time=wait_time)
        if out_file is not None:
            extension = osp.splitext(out_file)[1] or '.png'
            ok, encoded = cv2.imencode(extension, drawn[..., ::-1])
            if not ok:
                raise ValueError(
                    f'cannot encode an image as "{extension}" '
                    f'for out_file "{out_file}"'
                )
            atomic_write_bytes(encoded.tobytes(), out_file)
        else:
            self.add_image(name, drawn, step)
        return drawn
