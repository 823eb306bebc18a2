# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Switch a config to test-time augmentation, as ``test.py --tta`` does."""

from typing import MutableMapping

__all__ = ['enable_tta']


def enable_tta(cfg: MutableMapping) -> MutableMapping:
    """Wrap the model in ``tta_model`` and test with ``tta_pipeline``.

    As MMSegmentation's ``tools/test.py --tta``: the test dataset's pipeline
    becomes ``cfg.tta_pipeline`` and the model becomes ``cfg.tta_model``
    with the config's model as its ``module``.

    Args:
        cfg (Config | dict): The config, changed in place.

    Returns:
        Config | dict: ``cfg``.

    Raises:
        KeyError: When the config lacks ``tta_model``, ``tta_pipeline`` or
            ``test_dataloader.dataset``.

    Examples:
        >>> cfg = dict(
        ...     model=dict(type='EncoderDecoder'),
        ...     tta_model=dict(type='SegTTAModel'),
        ...     tta_pipeline=[dict(type='LoadImageFromFile')],
        ...     test_dataloader=dict(dataset=dict(pipeline=[])))
        >>> cfg = enable_tta(cfg)
        >>> cfg['model']
        {'type': 'SegTTAModel', 'module': {'type': 'EncoderDecoder'}}
        >>> cfg['test_dataloader']['dataset']['pipeline']
        [{'type': 'LoadImageFromFile'}]
    """
    for key in ('tta_model', 'tta_pipeline', 'model'):
        if cfg.get(key) is None:
            raise KeyError(
                f'--tta needs `{key}` in the config (see '
                'configs/_base_/datasets/*.py for a tta_pipeline and '
                "`tta_model = dict(type='SegTTAModel')`)"
            )
    dataset = (cfg.get('test_dataloader') or {}).get('dataset')
    if not isinstance(dataset, MutableMapping):
        raise KeyError(
            '--tta needs `test_dataloader.dataset` in the config '
            'to set its pipeline'
        )
    dataset['pipeline'] = cfg['tta_pipeline']
    tta_model = cfg['tta_model']
    tta_model['module'] = cfg['model']
    cfg['model'] = tta_model
    return cfg
