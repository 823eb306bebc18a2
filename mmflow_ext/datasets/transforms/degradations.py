# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Real-ESRGAN random degradations (MMagic 1.x names): ``RandomBlur``,
``RandomNoise``, ``RandomJPEGCompression``, ``RandomVideoCompression``,
``DegradationsWithShuffle`` and MMagic's ``RandomResize(params, keys)``
(reached through the registered two-family ``RandomResize``).

Every random choice is drawn from NumPy's (and, for the kernel size,
Python's) global generator in MMagic's order, so one seed gives the same
degradations. Each takes one image or a list of frames.
"""

import io
import random
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

import cv2
import numpy as np
from mmcv.transforms import RandomResize as MMCVRandomResize

from mmflow_ext.registry import TRANSFORMS

from .blur_kernels import draw_kernel
from .edit_geometric import pick_form

__all__ = [
    'RandomBlur',
    'RandomNoise',
    'RandomJPEGCompression',
    'DegradationResize',
    'RandomResize',
    'RandomVideoCompression',
    'DegradationsWithShuffle',
]

Images = Union[np.ndarray, List[np.ndarray]]


class _Degradation:
    """Shared parts: ``params``/``keys``, the ``prob`` draw, frame lists."""

    def __init__(self, params: Dict, keys: Sequence[str]) -> None:
        self.keys = keys
        self.params = params

    def apply(self, imgs: List[np.ndarray]) -> List[np.ndarray]:
        """Degrade a list of frames (one draw of parameters)."""
        raise NotImplementedError

    def __call__(self, results: Dict) -> Dict:
        """Degrade every key with probability ``params['prob']``."""
        if np.random.uniform() > self.params.get('prob', 1):
            return results
        for key in self.keys:
            value = results[key]
            single = isinstance(value, np.ndarray)
            out = self.apply([value] if single else value)
            results[key] = out[0] if single else out
        return results

    def __repr__(self) -> str:
        return (
            f'{self.__class__.__name__}(params={self.params}, '
            f'keys={self.keys})'
        )


def _walk(value: float, step: float, low: float, high: float) -> float:
    """One random-walk step of a per-frame parameter, clipped."""
    return np.clip(value + np.random.uniform(-step, step), low, high)


@TRANSFORMS.register_module()
class RandomBlur(_Degradation):
    """Blur with a random kernel of ``params['kernel_list']``.

    Args:
        params (dict): ``kernel_list``, ``kernel_prob``, ``kernel_size``
            and the ranges ``sigma_x``, ``sigma_y``, ``rotate_angle``,
            ``beta_gaussian``, ``beta_plateau``, ``omega`` (each with an
            optional ``*_step`` for frames), ``prob``.
        keys (list[str]): Results keys.
    """

    _NAMES = (
        'sigma_x',
        'sigma_y',
        'rotate_angle',
        'beta_gaussian',
        'beta_plateau',
        'omega',
    )

    def get_kernel(self, num_kernels: int) -> List[np.ndarray]:
        """Draw a kernel type and parameters, then one kernel per frame."""
        p = self.params
        kernel_type = np.random.choice(p['kernel_list'], p=p['kernel_prob'])
        kernel_size = random.choice(p['kernel_size'])
        omega_default = (
            [np.pi / 3.0, np.pi] if kernel_size < 13 else [np.pi / 5.0, np.pi]
        )
        defaults = dict(
            sigma_x=[0, 0],
            sigma_y=[0, 0],
            rotate_angle=[-np.pi, np.pi],
            beta_gaussian=[0.5, 4],
            beta_plateau=[1, 2],
        )
        ranges, values = {}, {}
        for name in self._NAMES:
            rng = p.get(name, defaults.get(name))
            if name == 'omega' and rng is None:
                rng = omega_default
            ranges[name] = rng
            values[name] = np.random.uniform(rng[0], rng[1])
        kernels = []
        for _ in range(num_kernels):
            kernels.append(
                draw_kernel(
                    kernel_type,
                    kernel_size,
                    values['sigma_x'],
                    values['sigma_y'],
                    values['rotate_angle'],
                    values['beta_gaussian'],
                    values['beta_plateau'],
                    values['omega'],
                )
            )
            steps = {n: p.get(f'{n}_step', 0) for n in self._NAMES}
            for name in self._NAMES:
                values[name] += np.random.uniform(-steps[name], steps[name])
            for name in self._NAMES:
                values[name] = np.clip(values[name], *ranges[name])
        return kernels

    def apply(self, imgs: List[np.ndarray]) -> List[np.ndarray]:
        """Filter every frame with its kernel."""
        kernels = self.get_kernel(len(imgs))
        return [cv2.filter2D(img, -1, k) for img, k in zip(imgs, kernels)]


@TRANSFORMS.register_module()
class RandomJPEGCompression(_Degradation):
    """JPEG-encode and decode with a random quality.

    Args:
        params (dict): ``quality`` range, optional ``quality_step``,
            ``prob``.
        keys (list[str]): Results keys.
        color_type (str): ``'color'`` or another value for grayscale.
        bgr2rgb (bool): Encode in RGB order.
    """

    def __init__(
        self,
        params: Dict,
        keys: Sequence[str],
        color_type: str = 'color',
        bgr2rgb: bool = False,
    ) -> None:
        super().__init__(params, keys)
        self.color_type = color_type
        self.bgr2rgb = bgr2rgb

    def apply(self, imgs: List[np.ndarray]) -> List[np.ndarray]:
        """Compress every frame."""
        quality = self.params['quality']
        step = self.params.get('quality_step', 0)
        jpeg_q = round(np.random.uniform(quality[0], quality[1]))
        color = self.color_type == 'color'
        outputs = []
        for img in imgs:
            if self.bgr2rgb and color:
                img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
            _, encoded = cv2.imencode(
                '.jpg', img, [int(cv2.IMWRITE_JPEG_QUALITY), jpeg_q]
            )
            decoded = cv2.imdecode(encoded, 1 if color else 0)
            if color and self.bgr2rgb:
                decoded = cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB)
            outputs.append(decoded)
            jpeg_q = round(_walk(jpeg_q, step, quality[0], quality[1]))
        return outputs


@TRANSFORMS.register_module()
class RandomNoise(_Degradation):
    """Add Gaussian or Poisson noise (``params['noise_type']``).

    Args:
        params (dict): ``noise_type``, ``noise_prob``, ``gaussian_sigma``,
            ``gaussian_gray_noise_prob``, ``poisson_scale``,
            ``poisson_gray_noise_prob`` (optional ``*_step``), ``prob``.
        keys (list[str]): Results keys.
    """

    def _gaussian(self, imgs: List[np.ndarray]) -> List[np.ndarray]:
        rng = self.params['gaussian_sigma']
        sigma = np.random.uniform(rng[0], rng[1])
        step = self.params.get('gaussian_sigma_step', 0)
        gray = np.random.uniform() < self.params['gaussian_gray_noise_prob']
        outputs = []
        for img in imgs:
            noise = np.float32(np.random.randn(*(img.shape))) * sigma
            if gray:
                noise = noise[:, :, :1]
            outputs.append(img + noise)
            sigma = _walk(sigma, step, rng[0], rng[1])
        return outputs

    def _poisson(self, imgs: List[np.ndarray]) -> List[np.ndarray]:
        rng = self.params['poisson_scale']
        scale = np.random.uniform(rng[0], rng[1])
        step = self.params.get('poisson_scale_step', 0)
        gray = np.random.uniform() < self.params['poisson_gray_noise_prob']
        outputs = []
        for img in imgs:
            base = np.float32(img.copy())
            if gray:
                base = cv2.cvtColor(base[..., [2, 1, 0]], cv2.COLOR_BGR2GRAY)[
                    ..., None
                ]
            base = np.clip(base.round(), 0, 255)
            levels = 2 ** np.ceil(np.log2(len(np.unique(base))))
            noise = (
                np.random.poisson(base * levels).astype(np.float32) / levels
                - base
            )
            outputs.append(img + noise * scale)
            scale = _walk(scale, step, rng[0], rng[1])
        return outputs

    def apply(self, imgs: List[np.ndarray]) -> List[np.ndarray]:
        """Draw the noise type and add it to every frame."""
        noise_type = np.random.choice(
            self.params['noise_type'], p=self.params['noise_prob']
        )
        if noise_type.lower() == 'gaussian':
            return self._gaussian(imgs)
        if noise_type.lower() == 'poisson':
            return self._poisson(imgs)
        raise NotImplementedError(
            f'"noise_type" [{noise_type}] is not implemented.'
        )


class DegradationResize(_Degradation):
    """MMagic's degradation ``RandomResize(params, keys)``: resize up, down
    or not with a random interpolation (reached through the registered
    :class:`RandomResize` with ``params=...``).

    Args:
        params (dict): ``resize_opt``, ``resize_prob``, and either
            ``target_size`` or ``resize_mode_prob`` with ``resize_scale``
            (optional ``resize_step``, ``is_size_even``), ``prob``.
        keys (list[str]): Results keys.
    """

    resize_dict = dict(
        bilinear=cv2.INTER_LINEAR,
        bicubic=cv2.INTER_CUBIC,
        area=cv2.INTER_AREA,
        lanczos=cv2.INTER_LANCZOS4,
    )

    def _size(self, h: int, w: int, factor: float) -> tuple:
        h_out, w_out = h * factor, w * factor
        if self.params.get('is_size_even', False):
            h_out, w_out = 2 * (h_out // 2), 2 * (w_out // 2)
        return int(h_out), int(w_out)

    def apply(self, imgs: List[np.ndarray]) -> List[np.ndarray]:
        """Resize every frame."""
        p = self.params
        h, w = imgs[0].shape[:2]
        opt = np.random.choice(p['resize_opt'], p=p['resize_prob']).lower()
        if opt not in self.resize_dict:
            raise NotImplementedError(f'resize_opt [{opt}] is not implemented')
        interp = self.resize_dict[opt]
        step = p.get('resize_step', 0)
        size = p.get('target_size', None)
        if size is None:
            mode = np.random.choice(
                ['up', 'down', 'keep'], p=p['resize_mode_prob']
            )
            scale_rng = p['resize_scale']
            factor = 1
            if mode == 'up':
                factor = np.random.uniform(1, scale_rng[1])
            elif mode == 'down':
                factor = np.random.uniform(scale_rng[0], 1)
            size = self._size(h, w, factor)
        else:
            step = 0
        outputs = []
        for img in imgs:
            outputs.append(cv2.resize(img, size[::-1], interpolation=interp))
            if step:
                factor = _walk(factor, step, scale_rng[0], scale_rng[1])
                size = self._size(h, w, factor)
        return outputs

    def __repr__(self) -> str:
        return f'RandomResize(params={self.params}, keys={self.keys})'


_DEGRADATION_RESIZE_ARGS = ('params', 'keys')
_MMCV_RANDOM_RESIZE_ARGS = ('scale', 'ratio_range', 'resize_type')


@TRANSFORMS.register_module()
class RandomResize(MMCVRandomResize):
    """``RandomResize`` of both task families under one name.

    With ``params`` or ``keys`` it is MMagic's Real-ESRGAN degradation
    (:class:`DegradationResize`); otherwise exactly mmcv's
    :class:`mmcv.transforms.RandomResize` (``scale``, ``ratio_range``,
    ``resize_type``). Arguments of both raise a :class:`TypeError`.

    Examples:
        >>> seg = RandomResize(scale=(8, 4), ratio_range=(1., 1.))
        >>> seg(dict(img=np.zeros((2, 4, 3), np.uint8)))['img'].shape
        (4, 8, 3)
        >>> deg = RandomResize(params=dict(
        ...     resize_opt=['area'], resize_prob=[1], target_size=(2, 3)),
        ...     keys=['img'])
        >>> deg(dict(img=np.zeros((4, 6, 3), np.uint8)))['img'].shape
        (2, 3, 3)
    """

    def __init__(self, *args, **kwargs) -> None:
        self._degradation: Optional[DegradationResize] = None
        if (
            pick_form(
                'RandomResize',
                kwargs,
                _DEGRADATION_RESIZE_ARGS,
                _MMCV_RANDOM_RESIZE_ARGS,
            )
            == 'mmagic'
        ):
            self._degradation = DegradationResize(*args, **kwargs)
        else:
            super().__init__(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        inner = self.__dict__.get('_degradation')
        if inner is None:
            raise AttributeError(
                f"'{type(self).__name__}' object has no attribute '{name}'"
            )
        return getattr(inner, name)

    def __call__(self, results: Dict) -> Optional[Dict]:
        """Resize as the chosen form does."""
        if self._degradation is not None:
            return self._degradation(results)
        return super().__call__(results)

    def __repr__(self) -> str:
        if self._degradation is not None:
            return repr(self._degradation)
        return super().__repr__()


@TRANSFORMS.register_module()
class RandomVideoCompression(_Degradation):
    """Compress frames as a video with a random codec and bitrate.

    Needs PyAV (``pip install av``), which mmflow_ext does not ship.

    Raises:
        ImportError: At construction when ``av`` is not installed.
    """

    def __init__(self, params: Dict, keys: Sequence[str]) -> None:
        try:
            import av
        except ImportError as err:
            raise ImportError(
                'RandomVideoCompression needs PyAV, which is not installed; '
                'install it with "pip install av"'
            ) from err
        super().__init__(params, keys)
        self._av = av

    def apply(self, imgs: List[np.ndarray]) -> List[np.ndarray]:
        """Encode the frames as an mp4 in memory and decode them."""
        av = self._av
        codec = random.choices(
            self.params['codec'], self.params['codec_prob']
        )[0]
        low, high = self.params['bitrate']
        bitrate = np.random.randint(low, high + 1)
        buf = io.BytesIO()
        with av.open(buf, 'w', 'mp4') as container:
            stream = container.add_stream(codec, rate=1)
            stream.height, stream.width = imgs[0].shape[:2]
            stream.pix_fmt = 'yuv420p'
            stream.bit_rate = bitrate
            for img in imgs:
                frame = av.VideoFrame.from_ndarray(
                    img.astype(np.uint8), format='rgb24'
                )
                frame.pict_type = 'NONE'
                for packet in stream.encode(frame):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        with av.open(buf, 'r', 'mp4') as container:
            if not container.streams.video:
                return []
            return [
                frame.to_rgb().to_ndarray().astype(np.float32)
                for frame in container.decode(video=0)
            ]


_ALLOWED: Dict[str, Callable[..., Any]] = dict(
    RandomBlur=RandomBlur,
    RandomResize=DegradationResize,
    RandomNoise=RandomNoise,
    RandomJPEGCompression=RandomJPEGCompression,
    RandomVideoCompression=RandomVideoCompression,
)


@TRANSFORMS.register_module()
class DegradationsWithShuffle:
    """Apply degradations in an order shuffled at every call.

    Args:
        degradations (list[dict | list[dict]]): Degradation configs
            (``type`` and ``params``); a nested list is applied as one
            group, in its order.
        keys (list[str]): Results keys.
        shuffle_idx (list[int], optional): Positions that are shuffled;
            defaults to all.
    """

    def __init__(
        self,
        degradations: List,
        keys: Sequence[str],
        shuffle_idx: Optional[List[int]] = None,
    ) -> None:
        self.keys = keys
        self.degradations = self._build(degradations)
        self.shuffle_idx = (
            list(range(len(degradations)))
            if shuffle_idx is None
            else shuffle_idx
        )

    def _build(self, degradations: List) -> List:
        built = []
        for item in degradations:
            if isinstance(item, (list, tuple)):
                built.append(self._build(item))
                continue
            if item['type'] not in _ALLOWED:
                raise KeyError(
                    f'Degradation {item["type"]!r} is not '
                    f'supported; use one of {sorted(_ALLOWED)}'
                )
            built.append(_ALLOWED[item['type']](item['params'], self.keys))
        return built

    def __call__(self, results: Dict) -> Dict:
        """Shuffle (NumPy's global generator) and apply."""
        if self.shuffle_idx:
            picked = [self.degradations[i] for i in self.shuffle_idx]
            np.random.shuffle(picked)
            for i, idx in enumerate(self.shuffle_idx):
                self.degradations[idx] = picked[i]
        for item in self.degradations:
            for degradation in item if isinstance(item, list) else [item]:
                results = degradation(results)
        return results

    def __repr__(self) -> str:
        return (
            f'{self.__class__.__name__}(degradations='
            f'{self.degradations}, keys={self.keys}, '
            f'shuffle_idx={self.shuffle_idx})'
        )
