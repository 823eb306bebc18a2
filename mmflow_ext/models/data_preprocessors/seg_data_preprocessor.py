# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``SegDataPreProcessor``: from a collated segmentation batch to the model.

It moves the images and labels of a batch to the model's device, converts
the channel order, normalizes, pads every sample at the bottom and right to
one batch shape and stacks them. Labels are widened to ``int64`` on the
device, so any MMSegmentation-style decode head works unchanged.

The steps are the shared ones of :mod:`mmflow_ext.models.utils` (written
straight into the batch tensor, bit for bit the straightforward per-sample
arithmetic) and the padding is the contract of
:mod:`mmflow_ext.structures.padding`, recorded in MMSegmentation's form.
"""

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseDataPreprocessor
from mmengine.structures import BaseDataElement, PixelData

from mmflow_ext.registry import MODELS
from mmflow_ext.structures.padding import (
    bottom_right_padding,
    padded_shape,
    seg_padding_size,
)

from ..utils import (
    active_normalization,
    check_std,
    empty_batch,
    fill_padding,
    flipped_channels,
    write_normalized,
)

__all__ = ['SegDataPreProcessor', 'pad_seg_maps']

#: pixel fields of a sample that are padded with the images
SEG_MAP_FIELDS = ('gt_sem_seg', 'gt_edge_map', 'gt_depth_map')


def _check_pad_target(
    size: Optional[Sequence[int]], size_divisor: Optional[int], where: str
) -> None:
    if size is not None and size_divisor is not None:
        raise ValueError(
            f'{where}: give only one of size ({size!r}) and size_divisor '
            f'({size_divisor!r})'
        )
    if size_divisor is not None and size_divisor < 1:
        raise ValueError(
            f'{where}: size_divisor must be >= 1, got {size_divisor!r}'
        )


class _ImagePaths:
    """``img_path`` of each sample, read only when an error names one."""

    def __init__(self, samples: Sequence[BaseDataElement]):
        self.samples = samples

    def __getitem__(self, index: int) -> Optional[str]:
        return self.samples[index].metainfo.get('img_path')


@MODELS.register_module()
class SegDataPreProcessor(BaseDataPreprocessor):
    """Data pre-processor of semantic segmentation (MMSegmentation 1.x
    arguments and outputs).

    For a batch ``dict(inputs=[C×H×W, ...], data_samples=[...])`` it:

    1. moves images and data samples to the model's device;
    2. swaps BGR/RGB when asked (3-channel images only);
    3. casts to float32 and normalizes with ``mean`` and ``std``;
    4. pads each sample at the bottom and right: images with ``pad_val``,
       ``gt_sem_seg`` / ``gt_edge_map`` / ``gt_depth_map`` with
       ``seg_pad_val``, and stacks the images into ``N×C×H×W``;
    5. training: widens integer label maps to ``int64``;
    6. training only: applies ``batch_augments``.

    Training pads to ``size``, to a multiple of ``size_divisor``, or (with
    neither) to the largest image of the batch, and records ``img_shape``,
    ``pad_shape`` and ``padding_size`` in each sample. Testing pads to
    ``test_cfg``'s ``size`` / ``size_divisor`` or to the largest image, so a
    batch of mixed image sizes works, and records ``img_padding_size`` and
    ``pad_shape``; labels are left as they are at test time (predictions
    are cropped back to the image instead). Paddings are
    ``(left, right, top, bottom)`` like :func:`torch.nn.functional.pad`.

    The data samples handed in are not modified: the returned ones are new
    objects that share the untouched fields.

    Args:
        mean (Sequence[float], optional): Per-channel mean (one value or one
            per channel). None disables normalization. Defaults to None.
        std (Sequence[float], optional): Per-channel std. Defaults to None.
        size (Sequence[int], optional): Fixed training ``(h, w)``.
        size_divisor (int, optional): Training pad divisor.
        pad_val (float): Padding value of images. Defaults to 0.
        seg_pad_val (float): Padding value of label maps. Defaults to 255.
        bgr_to_rgb (bool): Swap BGR to RGB. Defaults to False.
        rgb_to_bgr (bool): Swap RGB to BGR. Defaults to False.
        batch_augments (list[dict | callable], optional): Training batch
            augmentations, each called as ``aug(inputs, data_samples)`` and
            returning both; dicts are built from the ``MODELS`` registry.
        test_cfg (dict, optional): ``size`` or ``size_divisor`` (and
            optionally ``pad_val``) for testing.
        non_blocking (bool): Non-blocking host-to-device copies.

    Examples:
        >>> import torch
        >>> from mmflow_ext.structures import SegDataSample
        >>> pre = SegDataPreProcessor(mean=[1.0], std=[2.0], size=(2, 3))
        >>> sample = SegDataSample()
        >>> sample.gt_sem_seg = PixelData(
        ...     data=torch.ones(1, 1, 2, dtype=torch.uint8))
        >>> out = pre(dict(inputs=[torch.tensor([[[3, 5]]],
        ...                                     dtype=torch.uint8)],
        ...                data_samples=[sample]), training=True)
        >>> out['inputs']
        tensor([[[[1., 2., 0.],
                  [0., 0., 0.]]]])
        >>> out['data_samples'][0].gt_sem_seg.data
        tensor([[[  1,   1, 255],
                 [255, 255, 255]]])
        >>> out['data_samples'][0].padding_size
        (0, 1, 0, 1)
    """

    def __init__(
        self,
        mean: Optional[Sequence[float]] = None,
        std: Optional[Sequence[float]] = None,
        size: Optional[Sequence[int]] = None,
        size_divisor: Optional[int] = None,
        pad_val: float = 0,
        seg_pad_val: float = 255,
        bgr_to_rgb: bool = False,
        rgb_to_bgr: bool = False,
        batch_augments: Optional[List[Union[dict, Callable]]] = None,
        test_cfg: Optional[dict] = None,
        non_blocking: bool = False,
    ):
        super().__init__(non_blocking=non_blocking)
        if bgr_to_rgb and rgb_to_bgr:
            raise ValueError('bgr_to_rgb and rgb_to_bgr cannot both be True')
        if (mean is None) != (std is None):
            raise ValueError(
                'mean and std must be given together, got '
                f'mean={mean!r}, std={std!r}'
            )
        _check_pad_target(size, size_divisor, 'SegDataPreProcessor')
        test_cfg = dict(test_cfg) if test_cfg else None
        if test_cfg is not None:
            _check_pad_target(
                test_cfg.get('size'),
                test_cfg.get('size_divisor'),
                'SegDataPreProcessor.test_cfg',
            )
        self.size = size
        self.size_divisor = size_divisor
        self.pad_val = pad_val
        self.seg_pad_val = seg_pad_val
        self.channel_conversion = bgr_to_rgb or rgb_to_bgr
        self.test_cfg = test_cfg
        self._enable_normalize = mean is not None
        if self._enable_normalize:
            mean_t = torch.tensor(mean, dtype=torch.float32).flatten()
            std_t = torch.tensor(std, dtype=torch.float32).flatten()
            if len(mean_t) != len(std_t):
                raise ValueError(
                    f'mean ({len(mean_t)} values) and std ({len(std_t)} '
                    'values) must have the same length'
                )
            check_std(std, 'SegDataPreProcessor')
            self.register_buffer('mean', mean_t.view(-1, 1, 1), False)
            self.register_buffer('std', std_t.view(-1, 1, 1), False)
        self.batch_augments = self._build_batch_augments(batch_augments)

    @staticmethod
    def _build_batch_augments(
        batch_augments: Optional[Union[dict, Callable, list]],
    ) -> Optional[List[Callable]]:
        if batch_augments is None:
            return None
        if isinstance(batch_augments, dict) or callable(batch_augments):
            batch_augments = [batch_augments]
        augments = []
        for aug in batch_augments:
            if isinstance(aug, dict):
                aug = MODELS.build(aug)
            if not callable(aug):
                raise TypeError(
                    'batch_augments items must be config dicts or '
                    f'callables, got {type(aug).__name__}'
                )
            augments.append(aug)
        return augments

    def forward(self, data: dict, training: bool = False) -> Dict[str, Any]:
        """Normalize, pad and stack a collated batch.

        Args:
            data (dict): ``inputs`` (list of ``C×H×W`` tensors or an
                ``N×C×H×W`` tensor) and optionally ``data_samples``.
            training (bool): Training mode (pads labels, records
                ``padding_size``, runs batch augments). Defaults to False.

        Returns:
            dict: ``inputs`` (float32 ``N×C×H×W`` on the device) and
            ``data_samples`` (new sample objects, or None).
        """
        images = self._image_list(data['inputs'])
        data_samples = data.get('data_samples', None)
        if data_samples is not None and len(data_samples) != len(images):
            raise ValueError(
                f'got {len(images)} inputs but {len(data_samples)} '
                'data_samples'
            )
        shapes = [(img.shape[-2], img.shape[-1]) for img in images]
        if training:
            size, size_divisor = self.size, self.size_divisor
            pad_val = self.pad_val
        else:
            cfg = self.test_cfg or {}
            size, size_divisor = cfg.get('size'), cfg.get('size_divisor')
            pad_val = cfg.get('pad_val', self.pad_val)
        batch_shape = padded_shape(
            shapes,
            size,
            size_divisor,
            names=None if data_samples is None else _ImagePaths(data_samples),
            size_name='size' if training else 'test_cfg.size',
        )
        paddings = [
            bottom_right_padding(shape, batch_shape) for shape in shapes
        ]
        inputs = self._normalize_and_pad(images, batch_shape, pad_val)
        if data_samples is not None:
            # device copies: the caller's samples stay as they were
            data_samples = [
                sample.to(self.device, non_blocking=self._non_blocking)
                for sample in data_samples
            ]
            if training:
                pad_seg_maps(
                    data_samples, shapes, batch_shape, self.seg_pad_val
                )
            for sample, shape, padding in zip(data_samples, shapes, paddings):
                if training:
                    sample.set_metainfo(
                        dict(
                            img_shape=tuple(shape),
                            pad_shape=tuple(batch_shape),
                            padding_size=seg_padding_size(padding),
                        )
                    )
                else:
                    sample.set_metainfo(
                        dict(
                            img_padding_size=seg_padding_size(padding),
                            pad_shape=tuple(batch_shape),
                        )
                    )
        if training and self.batch_augments is not None:
            for aug in self.batch_augments:
                inputs, data_samples = aug(inputs, data_samples)
        return dict(inputs=inputs, data_samples=data_samples)

    @staticmethod
    def _image_list(
        inputs: Union[torch.Tensor, Sequence[torch.Tensor]],
    ) -> List[torch.Tensor]:
        if isinstance(inputs, torch.Tensor):
            if inputs.dim() != 4:
                raise ValueError(
                    'inputs as one tensor must be N×C×H×W, got shape '
                    f'{tuple(inputs.shape)}'
                )
            return list(inputs)
        images = list(inputs)
        if not images:
            raise ValueError('inputs is empty')
        for i, img in enumerate(images):
            if not isinstance(img, torch.Tensor) or img.dim() != 3:
                raise ValueError(
                    f'inputs[{i}] must be a C×H×W tensor, got '
                    f'{getattr(img, "shape", type(img).__name__)}'
                )
        return images

    def _channel_order(self, channels: int) -> Optional[List[int]]:
        if self.channel_conversion and channels == 3:
            return flipped_channels(channels)
        return None

    def _normalize_and_pad(
        self,
        images: List[torch.Tensor],
        batch_shape: Tuple[int, int],
        pad_val: float,
    ) -> torch.Tensor:
        """Write every image, normalized, into one padded batch tensor."""
        channels = images[0].shape[0]
        for i, img in enumerate(images):
            if img.shape[0] != channels:
                raise ValueError(
                    f'inputs[{i}] has {img.shape[0]} channels, inputs[0] '
                    f'has {channels}'
                )
        if self._enable_normalize and self.mean.shape[0] not in (1, channels):
            raise ValueError(
                f'mean/std have {self.mean.shape[0]} values but the images '
                f'have {channels} channels'
            )
        order = self._channel_order(channels)
        mean, std = (
            active_normalization(self.mean, self.std)
            if self._enable_normalize
            else (None, None)
        )
        out = empty_batch(
            (len(images), channels) + tuple(batch_shape),
            torch.float32,
            self.device,
        )
        for slot, img in zip(out, images):
            img = img.to(self.device, non_blocking=self._non_blocking)
            write_normalized(slot, img, order, mean, std)
            fill_padding(slot, img.shape[-2], img.shape[-1], pad_val)
        return out


def pad_seg_maps(
    samples: List[BaseDataElement],
    shapes: List[Tuple[int, int]],
    batch_shape: Tuple[int, int],
    value: float,
) -> None:
    """Pad the label maps of training samples into batch tensors.

    Every field of :data:`SEG_MAP_FIELDS` that a sample has is replaced by
    a new :class:`PixelData` holding its map padded at the bottom and right
    with ``value``; integer maps become int64 (floating ones keep their
    dtype). The maps of one field share one batch tensor (each sample holds
    a view), so a batch costs one allocation per field.

    Args:
        samples (list[BaseDataElement]): Samples, changed in place.
        shapes (list[tuple[int, int]]): ``(h, w)`` of each sample's image.
        batch_shape (tuple[int, int]): The padded ``(h, w)``.
        value (float): The padding value.

    Raises:
        ValueError: When a map is not ``C×H×W`` at its image's ``H×W`` or
            the maps of a field differ in ``C``.
    """
    for name in SEG_MAP_FIELDS:
        owners = [i for i, sample in enumerate(samples) if name in sample]
        if not owners:
            continue
        fields = [samples[i].get(name) for i in owners]
        for i, field in zip(owners, fields):
            data = field.data
            if data.dim() != 3 or tuple(data.shape[-2:]) != tuple(shapes[i]):
                raise ValueError(
                    f'{name} of data sample {i} must be C×H×W with its '
                    f"image's H×W {tuple(shapes[i])}, got shape "
                    f'{tuple(data.shape)}'
                )
        channels = {field.data.shape[0] for field in fields}
        if len(channels) > 1:
            raise ValueError(
                f'{name} maps of one batch must have one channel count, got '
                f'{sorted(channels)}'
            )
        floats = [
            f.data.dtype for f in fields if f.data.dtype.is_floating_point
        ]
        dtype = floats[0] if floats else torch.int64
        batch = empty_batch(
            (len(owners), channels.pop()) + tuple(batch_shape),
            dtype,
            fields[0].data.device,
        )
        for k, (i, field) in enumerate(zip(owners, fields)):
            h, w = shapes[i]
            batch[k, :, :h, :w].copy_(field.data)
            fill_padding(batch[k], h, w, value)
            samples[i].set_field(
                PixelData(metainfo=field.metainfo, data=batch[k]), name
            )
