# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Turn on the visualization hook of a config, as ``--show-dir`` does."""

from typing import Any, MutableMapping, Optional

__all__ = ['enable_visualization', 'VISUALIZATION_HOOKS']

#: hook types that ``--show-dir`` / ``--show`` turn on
VISUALIZATION_HOOKS = ('BasicVisualizationHook', 'SegVisualizationHook')


def _type_name(item_cfg: Any) -> str:
    """Type name of a config dict without its scope prefix."""
    if not isinstance(item_cfg, MutableMapping):
        return ''
    item_type = item_cfg.get('type', '')
    if isinstance(item_type, type):
        return item_type.__name__
    return str(item_type).split('.')[-1]


def _find_hook(cfg: MutableMapping) -> Optional[MutableMapping]:
    hooks = list((cfg.get('default_hooks') or {}).values())
    hooks += list(cfg.get('custom_hooks') or [])
    for hook_cfg in hooks:
        if _type_name(hook_cfg) in VISUALIZATION_HOOKS:
            return hook_cfg
    return None


def _with_mode(value: Any, default: Any, mode_value: Any) -> dict:
    """``value`` as a per-mode dict whose 'test' entry is ``mode_value``."""
    if isinstance(value, MutableMapping):
        per_mode = dict(value)
    elif value is None and default is None:
        per_mode = {}
    else:
        per_mode = {'val': default if value is None else value}
    per_mode['test'] = mode_value
    return per_mode


def enable_visualization(
    cfg: MutableMapping,
    show_dir: Optional[str] = None,
    show: bool = False,
    wait_time: float = 0.0,
) -> MutableMapping:
    """Make the test loop draw every sample (``tools/test.py --show-dir``).

    The config's visualization hook (in ``default_hooks`` or
    ``custom_hooks``) gets ``draw=True``, ``on_test=True``, a test interval
    of 1 and no test sample limit (val settings are kept). With
    ``show_dir``, the visualizer saves under it (a ``LocalVisBackend`` is
    added when the visualizer has none): a ``ConcatImageVisualizer``'s rows
    land in ``<show_dir>/vis_data/vis_image/<stem>_<iter>.png``, a
    ``SegLocalVisualizer``'s drawings in ``.../test_<file name>_<iter>.png``
    (MMSegmentation's names).

    Args:
        cfg (Config | dict): The config, changed in place.
        show_dir (str, optional): Directory to save the rows under.
            Defaults to None (the run's log directory).
        show (bool): Also display the rows. Defaults to False.
        wait_time (float): Seconds each shown row stays. Defaults to 0.

    Returns:
        Config | dict: ``cfg``.

    Raises:
        RuntimeError: When the config has no visualization hook or no
            visualizer.

    Examples:
        >>> cfg = dict(
        ...     visualizer=dict(type='ConcatImageVisualizer', fn_key='img_path',
        ...                     img_keys=['img', 'pred_sem_seg']),
        ...     default_hooks=dict(visualization=dict(
        ...         type='SegVisualizationHook', interval=50, max_samples=4)))
        >>> cfg = enable_visualization(cfg, show_dir='show')
        >>> cfg['default_hooks']['visualization']
        {'type': 'SegVisualizationHook', 'interval': {'val': 50, 'test': 1}, 'max_samples': {'val': 4, 'test': None}, 'draw': True, 'on_test': True}
        >>> cfg['visualizer']['save_dir'], cfg['visualizer']['vis_backends']
        ('show', [{'type': 'LocalVisBackend'}])
    """  # noqa: E501
    hook_cfg = _find_hook(cfg)
    if hook_cfg is None:
        raise RuntimeError(
            'visualization was asked for (--show-dir / --show) but the '
            'config has no hook of type '
            + ' or '.join(VISUALIZATION_HOOKS)
            + ' in default_hooks or custom_hooks'
        )
    visualizer_cfg = cfg.get('visualizer')
    if not isinstance(visualizer_cfg, MutableMapping):
        raise RuntimeError(
            'visualization was asked for (--show-dir / --show) but the '
            'config has no `visualizer` dict'
        )
    default_interval = (
        50 if _type_name(hook_cfg) == 'SegVisualizationHook' else 1
    )
    hook_cfg['interval'] = _with_mode(
        hook_cfg.get('interval'), default_interval, 1
    )
    hook_cfg['max_samples'] = _with_mode(
        hook_cfg.get('max_samples'), None, None
    )
    hook_cfg['draw'] = True
    hook_cfg['on_test'] = True
    if show:
        hook_cfg['show'] = True
        hook_cfg['wait_time'] = wait_time
    if show_dir is not None:
        visualizer_cfg['save_dir'] = show_dir
        backends = visualizer_cfg.get('vis_backends') or []
        if isinstance(backends, MutableMapping):
            backends = [backends]
        if not any(_type_name(b) == 'LocalVisBackend' for b in backends):
            backends = list(backends) + [dict(type='LocalVisBackend')]
        visualizer_cfg['vis_backends'] = backends
    return cfg
