# Copyright (c) mmflow_ext contributors. All rights reserved.
"""``SaveMetricsHook``: the test metrics, dumped to a file."""

import os.path as osp
from typing import Dict, Optional

import mmengine
from mmengine.dist import is_main_process
from mmengine.hooks import Hook

from mmflow_ext.compat import atomic_write_bytes
from mmflow_ext.registry import HOOKS

__all__ = ['SaveMetricsHook']

_FORMATS = {'.json': 'json', '.yaml': 'yaml', '.yml': 'yaml', '.pkl': 'pkl'}


@HOOKS.register_module()
class SaveMetricsHook(Hook):
    """Write the metrics of each test run to ``out_file`` (atomically, by
    rank 0), as MMagic's ``tools/test.py --out`` does.

    Args:
        out_file (str): ``.json``, ``.yaml``/``.yml`` or ``.pkl`` file.

    Raises:
        ValueError: When the extension is none of those.
    """

    priority = 'LOWEST'

    def __init__(self, out_file: str) -> None:
        ext = osp.splitext(out_file)[1].lower()
        if ext not in _FORMATS:
            raise ValueError(
                f'SaveMetricsHook: cannot dump metrics to {out_file}; use a '
                f'file ending in {", ".join(_FORMATS)}'
            )
        self.out_file = out_file
        self.file_format = _FORMATS[ext]

    def after_test_epoch(
        self, runner, metrics: Optional[Dict[str, float]] = None
    ) -> None:
        """Dump ``metrics``.

        Args:
            runner (Runner): The runner.
            metrics (dict, optional): The test metrics.
        """
        if metrics is None or not is_main_process():
            return
        text = mmengine.dump(dict(metrics), file_format=self.file_format)
        atomic_write_bytes(
            text if isinstance(text, bytes) else text.encode('utf-8'),
            self.out_file,
        )
