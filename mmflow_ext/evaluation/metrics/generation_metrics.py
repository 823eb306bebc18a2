# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Generation metrics with MMagic 1.2.0's names and arguments: SWD and
MS-SSIM (no downloads needed), FID / IS / TransFID / TransIS (computed
with a local Inception file given by ``inception_path``; nothing is ever
downloaded).

They work under MMEngine's plain ``ValLoop`` / ``TestLoop`` (and our
``MultiValLoop``): the model samples one image per real sample of the
loader, and ``evaluate(size)`` accepts the loop's dataset size.
"""

import math
import os.path as osp
import pickle
from typing import Any, List, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.dist import all_gather, get_world_size, is_main_process
from mmengine.evaluator import BaseMetric
from torch import Tensor

from mmflow_ext.registry import METRICS

from ..functional.generation import (
    finalize_descriptors,
    frechet_distance,
    laplacian_pyramid,
    ms_ssim,
    sliced_wasserstein,
    swd_descriptors,
)

__all__ = [
    'GenMetric',
    'GenerativeMetric',
    'SlicedWassersteinDistance',
    'MultiScaleStructureSimilarity',
    'FrechetInceptionDistance',
    'InceptionScore',
    'TransFID',
    'TransIS',
    'INCEPTION_FILE',
]

#: the StyleGAN Inception (TorchScript) that FID and IS load
INCEPTION_FILE = 'inception-2015-12-05.pt'
_INCEPTION_URL = (
    'https://nvlabs-fi-cdn.nvidia.com/stylegan2-ada-pytorch/'
    f'pretrained/metrics/{INCEPTION_FILE}'
)


def _fake_image(
    pred: dict, sample_model: str, fake_key: Optional[str]
) -> Tensor:
    """The generated image of one output dict (``ema`` / ``orig`` nested
    or not; ``fake_key`` when present, else ``fake_img``)."""
    if sample_model in pred:
        pred = pred[sample_model]
    if fake_key is not None and fake_key in pred:
        return pred[fake_key]
    if 'fake_img' not in pred:
        raise KeyError(
            f'no fake_img (nor fake_key {fake_key!r}) in the '
            f'model output; its keys are {sorted(pred)}'
        )
    return pred['fake_img']


class GenMetric(BaseMetric):
    """Base of metrics over fake (and real) images (MMagic's
    ``GenMetric``).

    Args:
        fake_nums (int): Fake images used (``-1``: all).
        real_nums (int): Real images used (``-1``: all). Defaults to 0.
        fake_key (str, optional): Output key of the fake image.
        real_key (str, optional): Key of the real image in the output.
            Defaults to ``'gt_img'``.
        sample_model (str): ``'ema'`` or ``'orig'``. Defaults to ``'ema'``.
        collect_device (str): Defaults to ``'cpu'``.
        prefix (str, optional): Metric name prefix.
    """

    SAMPLER_MODE = 'normal'

    def __init__(
        self,
        fake_nums: int,
        real_nums: int = 0,
        fake_key: Optional[str] = None,
        real_key: Optional[str] = 'gt_img',
        sample_model: str = 'ema',
        collect_device: str = 'cpu',
        prefix: Optional[str] = None,
    ) -> None:
        super().__init__(collect_device, prefix)
        self.sample_model = sample_model
        self.fake_nums = fake_nums
        self.real_nums = real_nums
        self.real_key = real_key
        self.fake_key = fake_key
        self.real_results: List[Any] = []
        self.fake_results: List[Any] = []

    @property
    def real_nums_per_device(self) -> int:
        """int: Real images needed on this process."""
        return math.ceil(self.real_nums / get_world_size())

    @property
    def fake_nums_per_device(self) -> int:
        """int: Fake images needed on this process."""
        return math.ceil(self.fake_nums / get_world_size())

    def _full(self, target: str) -> bool:
        nums = getattr(self, f'{target}_nums_per_device')
        return (
            getattr(self, f'{target}_nums') != -1
            and len(getattr(self, f'{target}_results')) >= nums
        )

    def _collect_target_results(self, target: str) -> list:
        """Gather the ``target`` (``'fake'`` / ``'real'``) results of all
        processes, cut to ``{target}_nums``."""
        results = getattr(self, f'{target}_results')
        if not results:
            raise ValueError(
                f'{type(self).__name__} processed no {target} images: does '
                'the val/test loader yield any batch?'
            )
        size = getattr(self, f'{target}_nums')
        gathered = torch.cat(all_gather(torch.cat(results, dim=0)), dim=0)
        if size != -1:
            if gathered.shape[0] < size:
                raise ValueError(
                    f'{type(self).__name__} needs {target}_nums={size} '
                    f'images but the loader gave {gathered.shape[0]}: lower '
                    f'{target}_nums or use a longer val/test dataset'
                )
            gathered = gathered[:size]
        return list(torch.split(gathered, 1))

    def evaluate(self, size: Optional[int] = None) -> dict:
        """Compute the metric from the gathered results.

        Args:
            size (int, optional): Dataset size from the loop (unused: the
                ``*_nums`` arguments decide).

        Returns:
            dict: Metric values (prefixed).
        """
        fake = self._collect_target_results('fake')
        real = self._collect_target_results('real') if self.real_nums else None
        metrics = self.compute_metrics(fake, real) if is_main_process() else {}
        self.real_results.clear()
        self.fake_results.clear()
        if self.prefix:
            metrics = {f'{self.prefix}/{k}': v for k, v in metrics.items()}
        return metrics

    def compute_metrics(self, results_fake, results_real=None) -> dict:
        """Metric values from the gathered results."""
        raise NotImplementedError


class GenerativeMetric(GenMetric):
    """Base of metrics over fake images only (MMagic's
    ``GenerativeMetric``); arguments as :class:`GenMetric` plus
    ``need_cond_input`` and ``sample_kwargs`` (kept for config
    compatibility: under a plain loop the labels come from the loader)."""

    SAMPLER_MODE = 'Generative'

    def __init__(
        self,
        fake_nums: int,
        real_nums: int = 0,
        fake_key: Optional[str] = None,
        real_key: Optional[str] = 'img',
        need_cond_input: bool = False,
        sample_model: str = 'ema',
        collect_device: str = 'cpu',
        prefix: Optional[str] = None,
        sample_kwargs: Optional[dict] = None,
    ) -> None:
        super().__init__(
            fake_nums,
            real_nums,
            fake_key,
            real_key,
            sample_model,
            collect_device,
            prefix,
        )
        self.need_cond_input = need_cond_input
        self.sample_kwargs = sample_kwargs or dict()


@METRICS.register_module('SWD')
@METRICS.register_module()
class SlicedWassersteinDistance(GenMetric):
    """Sliced Wasserstein distance between real and fake images over their
    Laplacian pyramids (Karras et al., 2018), ×10³ per resolution and
    averaged, as MMagic's ``SWD``.

    Args:
        fake_nums (int): Images of each kind used.
        image_shape (tuple): ``(C, H, W)`` of the images.
        fake_key (str, optional): Output key of the fake image.
        real_key (str, optional): Defaults to ``'gt_img'``.
        sample_model (str): Defaults to ``'ema'``.
        collect_device (str): Defaults to ``'cpu'``.
        prefix (str, optional): Metric name prefix.
    """

    name = 'SWD'

    def __init__(
        self,
        fake_nums: int,
        image_shape: tuple,
        fake_key: Optional[str] = None,
        real_key: Optional[str] = 'gt_img',
        sample_model: str = 'ema',
        collect_device: str = 'cpu',
        prefix: Optional[str] = None,
    ) -> None:
        super().__init__(
            fake_nums,
            fake_nums,
            fake_key,
            real_key,
            sample_model,
            collect_device,
            prefix,
        )
        self.nhood_size = 7
        self.nhoods_per_image = 128
        self.dir_repeats = 4
        self.dirs_per_repeat = 128
        self.image_shape = tuple(image_shape)
        self.resolutions = []
        res = image_shape[1]
        while res >= 16 and len(self.resolutions) < 4:
            self.resolutions.append(res)
            res //= 2
        self.n_pyramids = len(self.resolutions)
        self._num_processed = 0

    def _descriptors(self, imgs: Tensor, which: str) -> List[Tensor]:
        if tuple(imgs.shape[1:]) != self.image_shape:
            raise ValueError(
                f'SWD: {which} images of shape {tuple(imgs.shape[1:])} do '
                f'not match image_shape {self.image_shape}'
            )
        imgs = (imgs.float() - 127.5) / 127.5
        if imgs.shape[1] == 1:
            imgs = imgs.repeat(1, 3, 1, 1)
        return [
            swd_descriptors(
                level, self.nhood_size, self.nhoods_per_image
            ).cpu()
            for level in laplacian_pyramid(imgs, self.n_pyramids - 1)
        ]

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Extract the descriptors of one batch of real and fake images."""
        if self.fake_nums != -1 and (
            self._num_processed >= self.fake_nums_per_device
        ):
            return
        real = torch.stack([d[self.real_key] for d in data_samples])
        fake = torch.stack(
            [
                _fake_image(d, self.sample_model, self.fake_key)
                for d in data_samples
            ]
        )
        for target, imgs in (('real', real), ('fake', fake)):
            results = getattr(self, f'{target}_results')
            if not results:
                results.extend([] for _ in self.resolutions)
            for lod, desc in enumerate(self._descriptors(imgs, target)):
                results[lod].append(desc)
        self._num_processed += real.shape[0]

    def _collect_target_results(self, target: str) -> list:
        results = getattr(self, f'{target}_results')
        if not results:
            raise ValueError(
                f'SWD processed no {target} images: does the '
                'val/test loader yield any batch?'
            )
        self._num_processed = 0
        return [
            torch.cat(all_gather(torch.cat(level, dim=0)), dim=0)
            for level in results
        ]

    def compute_metrics(self, results_fake, results_real=None) -> dict:
        """SWD ×10³ per resolution and their mean (``'avg'``)."""
        distance = [
            sliced_wasserstein(
                finalize_descriptors(real),
                finalize_descriptors(fake),
                self.dir_repeats,
                self.dirs_per_repeat,
            )
            * 1e3
            for real, fake in zip(results_real, results_fake)
        ]
        distance.append(float(np.mean(distance)))
        return {
            f'{res}': round(d, 4)
            for res, d in zip(self.resolutions + ['avg'], distance)
        }


@METRICS.register_module('MS_SSIM')
@METRICS.register_module()
class MultiScaleStructureSimilarity(GenerativeMetric):
    """MS-SSIM between consecutive pairs of fake images (a diversity
    measure: lower is more diverse), as MMagic's ``MS_SSIM``.

    Args:
        fake_nums (int): Fake images used (even).
        fake_key (str, optional): Output key of the fake image.
        need_cond_input (bool): Kept for config compatibility.
        sample_model (str): Defaults to ``'ema'``.
        collect_device (str): Defaults to ``'cpu'``.
        prefix (str, optional): Metric name prefix.

    Raises:
        ValueError: For an odd ``fake_nums`` or an odd batch.
    """

    name = 'MS-SSIM'

    def __init__(
        self,
        fake_nums: int,
        fake_key: Optional[str] = None,
        need_cond_input: bool = False,
        sample_model: str = 'ema',
        collect_device: str = 'cpu',
        prefix: Optional[str] = None,
    ) -> None:
        super().__init__(
            fake_nums,
            0,
            fake_key,
            None,
            need_cond_input,
            sample_model,
            collect_device,
            prefix,
        )
        if fake_nums % 2:
            raise ValueError(
                f'MS_SSIM compares pairs: fake_nums must be '
                f'even, got {fake_nums}'
            )
        self.num_pairs = fake_nums // 2

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Score the pairs (0, 1), (2, 3), ... of one batch."""
        if len(self.fake_results) >= self.fake_nums_per_device // 2:
            return
        batch = (
            torch.stack(
                [
                    _fake_image(d, self.sample_model, self.fake_key)
                    for d in data_samples
                ]
            )
            .detach()
            .cpu()
        )
        if batch.shape[0] % 2:
            raise ValueError(
                'MS_SSIM compares pairs: the val/test batch '
                f'size must be even, got {batch.shape[0]}'
            )
        nhwc = batch.permute(0, 2, 3, 1)
        scores = ms_ssim(nhwc[0::2], nhwc[1::2], reduce_mean=False)
        self.fake_results += [torch.tensor([s]) for s in scores.tolist()]

    def _collect_target_results(self, target: str) -> list:
        self.fake_nums, fake_nums = self.num_pairs, self.fake_nums
        try:
            return super()._collect_target_results(target)
        finally:
            self.fake_nums = fake_nums

    def compute_metrics(self, results_fake, results_real=None) -> dict:
        """The mean score over the pairs (``'avg'``)."""
        avg = torch.cat(results_fake).sum() / self.num_pairs
        return {'avg': round(avg.item(), 4)}


def _load_inception(
    metric: str, inception_style: str, inception_path: Optional[str]
) -> torch.nn.Module:
    """The local StyleGAN Inception, or an error saying which file to put
    where."""
    if inception_style != 'StyleGAN':
        raise ValueError(
            f'{metric}: only inception_style=\'StyleGAN\' (a local '
            f'TorchScript file) is supported, got {inception_style!r}'
        )
    if not inception_path or not osp.isfile(inception_path):
        where = (
            f'at inception_path={inception_path!r}'
            if inception_path
            else 'at a local path'
        )
        raise FileNotFoundError(
            f'{metric} needs the StyleGAN Inception weights: put '
            f'{INCEPTION_FILE} (published at {_INCEPTION_URL}) {where} and '
            f'set inception_path to it in the {metric} metric config. '
            'Nothing is downloaded.'
        )
    return torch.jit.load(inception_path, map_location='cpu').eval()


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Loads pickles of numpy arrays and builtins only."""

    _ALLOWED = {
        ('numpy', 'ndarray'),
        ('numpy', 'dtype'),
        ('numpy.core.multiarray', '_reconstruct'),
        ('numpy._core.multiarray', '_reconstruct'),
        ('numpy.core.multiarray', 'scalar'),
        ('numpy._core.multiarray', 'scalar'),
    }

    def find_class(self, module: str, name: str):
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(
                f'inception_pkl may hold numpy arrays only, not '
                f'{module}.{name}'
            )
        return super().find_class(module, name)


@METRICS.register_module('FID-Full')
@METRICS.register_module('FID')
@METRICS.register_module()
class FrechetInceptionDistance(GenerativeMetric):
    """FID between fake images and real statistics (MMagic's ``FID``).

    Real statistics come from ``inception_pkl`` (a pickle of numpy
    ``real_mean`` / ``real_cov``) when that file exists, else from the real
    images of the loader (``real_key``). Build succeeds without weights;
    the first ``process`` needs the local Inception file.

    Args: as MMagic's (``fake_nums``, ``real_nums=-1``,
    ``inception_style='StyleGAN'``, ``inception_path``, ``inception_pkl``,
    ``fake_key``, ``real_key='gt_img'``, ``need_cond_input``,
    ``sample_model='orig'``, ``collect_device``, ``prefix``,
    ``sample_kwargs``).
    """

    name = 'FID'

    def __init__(
        self,
        fake_nums: int,
        real_nums: int = -1,
        inception_style: str = 'StyleGAN',
        inception_path: Optional[str] = None,
        inception_pkl: Optional[str] = None,
        fake_key: Optional[str] = None,
        real_key: Optional[str] = 'gt_img',
        need_cond_input: bool = False,
        sample_model: str = 'orig',
        collect_device: str = 'cpu',
        prefix: Optional[str] = None,
        sample_kwargs: Optional[dict] = None,
    ) -> None:
        super().__init__(
            fake_nums,
            real_nums,
            fake_key,
            real_key,
            need_cond_input,
            sample_model,
            collect_device,
            prefix,
            sample_kwargs,
        )
        self.inception_style = inception_style
        self.inception_path = inception_path
        self.inception_pkl = inception_pkl
        self.inception = None
        self.real_mean = self.real_cov = None
        if inception_pkl and osp.isfile(inception_pkl):
            with open(inception_pkl, 'rb') as f:
                stats = _NumpyOnlyUnpickler(f).load()
            self.real_mean, self.real_cov = (
                stats['real_mean'],
                stats['real_cov'],
            )

    def forward_inception(self, image: Tensor) -> Tensor:
        """Inception features of BGR ``[0, 255]`` images."""
        if self.inception is None:
            self.inception = _load_inception(
                type(self).__name__, self.inception_style, self.inception_path
            )
        image = image[:, [2, 1, 0]].to(torch.uint8)
        return self.inception(image, return_features=True)

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Features of one batch of fake (and, without statistics, real)
        images."""
        if not self._full('fake'):
            fake = torch.stack(
                [
                    _fake_image(d, self.sample_model, self.fake_key)
                    for d in data_samples
                ]
            )
            self.fake_results.append(self.forward_inception(fake).cpu())
        if self.real_mean is None and not self._full('real'):
            real = torch.stack([d[self.real_key] for d in data_samples])
            self.real_results.append(self.forward_inception(real).cpu())

    def evaluate(self, size: Optional[int] = None) -> dict:
        """FID, its mean term and its covariance term."""
        if self.real_mean is None:
            feats = (
                torch.cat(self._collect_target_results('real'))
                .double()
                .numpy()
            )
            self.real_mean = feats.mean(0)
            self.real_cov = np.cov(feats, rowvar=False)
            real_from_loader = True
        else:
            real_from_loader = False
        real_nums, self.real_nums = self.real_nums, 0
        try:
            metrics = super().evaluate(size)
        finally:
            self.real_nums = real_nums
            if real_from_loader:
                self.real_mean = self.real_cov = None
        return metrics

    def compute_metrics(self, results_fake, results_real=None) -> dict:
        """FID of the fake features against the real statistics."""
        feats = torch.cat(results_fake).double().numpy()
        fid, mean, cov = frechet_distance(
            feats.mean(0),
            np.cov(feats, rowvar=False),
            self.real_mean,
            self.real_cov,
        )
        return {'fid': fid, 'mean': mean, 'cov': cov}


@METRICS.register_module()
class TransFID(FrechetInceptionDistance):
    """FID of translation models (MMagic's ``TransFID``: real images under
    ``real_key='img'``, ``sample_model='ema'``)."""

    def __init__(
        self,
        fake_nums: int,
        real_nums: int = -1,
        inception_style: str = 'StyleGAN',
        inception_path: Optional[str] = None,
        inception_pkl: Optional[str] = None,
        fake_key: Optional[str] = None,
        real_key: Optional[str] = 'img',
        sample_model: str = 'ema',
        collect_device: str = 'cpu',
        prefix: Optional[str] = None,
    ) -> None:
        super().__init__(
            fake_nums,
            real_nums,
            inception_style,
            inception_path,
            inception_pkl,
            fake_key,
            real_key,
            False,
            sample_model,
            collect_device,
            prefix,
        )


@METRICS.register_module('IS')
@METRICS.register_module()
class InceptionScore(GenerativeMetric):
    """Inception Score of fake images (MMagic's ``IS``): ``exp E[KL(p(y|x)
    || p(y))]`` over ``splits`` parts, mean and std.

    Args: as MMagic's (``fake_nums=5e4``, ``resize=True``, ``splits=10``,
    ``inception_style='StyleGAN'``, ``inception_path``,
    ``resize_method='bicubic'``, ``use_pillow_resize=True``, ``fake_key``,
    ``need_cond_input``, ``sample_model='orig'``, ``collect_device``,
    ``prefix``). Resizing to 299 uses ``F.interpolate``.
    """

    name = 'IS'

    def __init__(
        self,
        fake_nums: int = 5e4,
        resize: bool = True,
        splits: int = 10,
        inception_style: str = 'StyleGAN',
        inception_path: Optional[str] = None,
        resize_method: str = 'bicubic',
        use_pillow_resize: bool = True,
        fake_key: Optional[str] = None,
        need_cond_input: bool = False,
        sample_model: str = 'orig',
        collect_device: str = 'cpu',
        prefix: Optional[str] = None,
    ) -> None:
        super().__init__(
            int(fake_nums),
            0,
            fake_key,
            None,
            need_cond_input,
            sample_model,
            collect_device,
            prefix,
        )
        self.resize = resize
        self.splits = splits
        self.inception_style = inception_style
        self.inception_path = inception_path
        self.resize_method = resize_method
        self.use_pillow_resize = use_pillow_resize
        self.inception = None

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Class probabilities of one batch of fake images."""
        if self._full('fake'):
            return
        if self.inception is None:
            self.inception = _load_inception(
                type(self).__name__, self.inception_style, self.inception_path
            )
        fake = torch.stack(
            [
                _fake_image(d, self.sample_model, self.fake_key)
                for d in data_samples
            ]
        )[:, [2, 1, 0]].float()
        if self.resize:
            fake = F.interpolate(
                fake, size=(299, 299), mode=self.resize_method
            ).clamp(0, 255)
        probs = self.inception(fake.to(torch.uint8), no_output_bias=True)
        self.fake_results.append(probs.cpu())

    def compute_metrics(self, results_fake, results_real=None) -> dict:
        """Mean and std of the split scores (``'is'``, ``'is_std'``)."""
        preds = torch.cat(results_fake).double().numpy()[: self.fake_nums]
        part_size = self.fake_nums // self.splits
        scores = []
        for k in range(self.splits):
            part = preds[k * part_size : (k + 1) * part_size]
            py = part.mean(0, keepdims=True)
            kl = (part * (np.log(part + 1e-12) - np.log(py + 1e-12))).sum(1)
            scores.append(np.exp(kl.mean()))
        return {'is': float(np.mean(scores)), 'is_std': float(np.std(scores))}


@METRICS.register_module()
class TransIS(InceptionScore):
    """Inception Score of translation models (MMagic's ``TransIS``,
    ``sample_model='ema'``)."""

    def __init__(
        self,
        fake_nums: int = 50000,
        resize: bool = True,
        splits: int = 10,
        inception_style: str = 'StyleGAN',
        inception_path: Optional[str] = None,
        resize_method: str = 'bicubic',
        use_pillow_resize: bool = True,
        fake_key: Optional[str] = None,
        sample_model: str = 'ema',
        collect_device: str = 'cpu',
        prefix: Optional[str] = None,
    ) -> None:
        super().__init__(
            fake_nums,
            resize,
            splits,
            inception_style,
            inception_path,
            resize_method,
            use_pillow_resize,
            fake_key,
            False,
            sample_model,
            collect_device,
            prefix,
        )
