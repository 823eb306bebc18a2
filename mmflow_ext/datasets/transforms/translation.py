# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Translation loading (MMagic 1.x name): ``LoadPairedImageFromFile``
splits an ``A|B`` image (pix2pix layout) into its two domains."""

from typing import Optional

from mmflow_ext.registry import TRANSFORMS

from .image_loading import LoadImageFromFile

__all__ = ['LoadPairedImageFromFile']


@TRANSFORMS.register_module()
class LoadPairedImageFromFile(LoadImageFromFile):
    """Load an image of two side-by-side halves and split it.

    Sets ``img_{a}``/``img_{b}`` (left/right halves), their ``_path`` and
    ``_ori_shape`` keys, and the whole image under ``key`` as the keyed
    :class:`LoadImageFromFile` does.

    Args:
        key (str): Key of the whole image (reads ``{key}_path``).
        domain_a (str): Name of the left domain. Defaults to ``'A'``.
        domain_b (str): Name of the right domain. Defaults to ``'B'``.
        color_type, channel_order, imdecode_backend, use_cache, to_float32,
        to_y_channel, save_original_img, backend_args: As
            :class:`LoadImageFromFile`.

    Raises:
        ValueError: The image width is odd (the message names the file).
    """

    def __init__(
        self,
        key: str,
        domain_a: str = 'A',
        domain_b: str = 'B',
        color_type: str = 'color',
        channel_order: str = 'bgr',
        imdecode_backend: Optional[str] = None,
        use_cache: bool = False,
        to_float32: bool = False,
        to_y_channel: bool = False,
        save_original_img: bool = False,
        backend_args: Optional[dict] = None,
    ) -> None:
        super().__init__(
            key=key,
            color_type=color_type,
            channel_order=channel_order,
            imdecode_backend=imdecode_backend,
            use_cache=use_cache,
            to_float32=to_float32,
            to_y_channel=to_y_channel,
            save_original_img=save_original_img,
            backend_args=backend_args,
        )
        if not isinstance(domain_a, str) or not isinstance(domain_b, str):
            raise TypeError(
                'domain_a and domain_b must be str, got '
                f'{domain_a!r} and {domain_b!r}'
            )
        self.domain_a = domain_a
        self.domain_b = domain_b

    def transform(self, results: dict) -> dict:
        """Load ``{key}_path`` and split it into the two domains."""
        results = super().transform(results)
        if results is None:
            return None
        image = results[self.key]
        filename = results[f'{self.key}_path']
        width = image.shape[1]
        if width % 2 != 0:
            raise ValueError(
                'The width of image pair must be even number, '
                f'but got {width} in {filename}.'
            )
        half = width // 2
        for name, part in (
            (self.domain_a, image[:, :half, :]),
            (self.domain_b, image[:, half:, :]),
        ):
            results[f'img_{name}'] = part
            results[f'img_{name}_path'] = filename
            results[f'img_{name}_ori_shape'] = part.shape
            if self.save_original_img:
                results[f'ori_img_{name}'] = part.copy()
        return results
