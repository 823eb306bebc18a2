# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Print a config with its ``_base_`` files and command-line overrides
merged, as the Runner will see it.

Examples::

    python tools/analysis_tools/print_config.py CONFIG
    python tools/analysis_tools/print_config.py CONFIG \\
        --cfg-options train_cfg.max_iters=10 --save-path merged.py
"""

import argparse
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.fileio import dump

import mmflow_ext  # noqa: F401  (version checks, the mmflow_ext:: prefix)
from mmflow_ext.compat.atomic_write import atomic_write_bytes


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Print the fully merged config (all _base_ files and '
        '--cfg-options applied)'
    )
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, `key=value` pairs, e.g. '
        'train_cfg.max_iters=100',
    )
    parser.add_argument(
        '--save-path',
        help='also write the merged config to this file (.py, .json or '
        '.yaml, chosen by its extension)',
    )
    return parser.parse_args()


def merged_config(path: str, options: dict = None) -> Config:
    """Read a config and apply ``--cfg-options``.

    Args:
        path (str): Config file.
        options (dict, optional): ``key=value`` overrides. Defaults to None.

    Returns:
        Config: The merged config.
    """
    cfg = Config.fromfile(path)
    if options:
        cfg.merge_from_dict(options)
    return cfg


def config_text(cfg: Config, path: str) -> str:
    """The config as the text of a file named ``path``.

    Args:
        cfg (Config): The config.
        path (str): Destination; its extension (``.py``, ``.json``,
            ``.yaml``/``.yml``) picks the format.

    Returns:
        str: The file's text.

    Raises:
        ValueError: When the extension is none of those.
    """
    ext = osp.splitext(path)[1].lower()
    if ext == '.py':
        return cfg.pretty_text
    if ext not in ('.json', '.yaml', '.yml'):
        raise ValueError(
            f'--save-path {path!r}: the extension must be .py, '
            f'.json, .yaml or .yml, not {ext!r}'
        )
    return dump(cfg.to_dict(), file_format=ext.lstrip('.'))


def main() -> None:
    args = parse_args()
    cfg = merged_config(args.config, args.cfg_options)
    print(cfg.pretty_text)
    if args.save_path is not None:
        atomic_write_bytes(
            config_text(cfg, args.save_path).encode('utf-8'), args.save_path
        )
        print(f'saved the merged config to {args.save_path}')


if __name__ == '__main__':
    main()
