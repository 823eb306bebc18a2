# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Plot loss and metric curves from MMEngine's JSON logs, to a PNG.

The Runner writes one JSON object per logged step to
``<work_dir>/<timestamp>/vis_data/<timestamp>.json`` (training entries carry
``loss``/``lr``, validation entries the metrics). Each ``--keys`` entry gets
its own panel, with one curve per log file.

Examples::

    python tools/analysis_tools/analyze_logs.py \\
        work_dirs/x/20261202_061500/vis_data/20261202_061500.json \\
        --keys loss mIoU --out curves.png
    python tools/analysis_tools/analyze_logs.py a.json b.json --keys PSNR \\
        --legend baseline ours --out psnr.png
"""

import argparse
import io
import json
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

from mmflow_ext.compat.atomic_write import atomic_write_bytes  # noqa: E402

Curve = Tuple[List[int], List[float]]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Plot curves of logged values (losses, learning rate, '
        'validation metrics) from MMEngine JSON logs'
    )
    parser.add_argument(
        'json_logs',
        nargs='+',
        help='JSON log files (vis_data/<timestamp>.json or scalars.json)',
    )
    parser.add_argument(
        '--keys',
        nargs='+',
        default=['loss'],
        help='logged values to plot, one panel each (default: loss); a '
        'metric logged with a prefix, e.g. "mIoU" for "val/mIoU", is '
        'matched by its last path part',
    )
    parser.add_argument(
        '--legend',
        nargs='+',
        help='one label per log file (default: the file names)',
    )
    parser.add_argument('--title', help='title of the figure')
    parser.add_argument(
        '--out', required=True, help='PNG file the figure is written to'
    )
    return parser.parse_args()


def read_log(path: str) -> List[dict]:
    """The entries of one JSON log, in file order.

    Args:
        path (str): A file with one JSON object per line.

    Returns:
        list[dict]: The entries.

    Raises:
        ValueError: When a line is not a JSON object (names file and line).
    """
    entries = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f'{path}, line {number}: not JSON ({error})')
            if not isinstance(entry, dict):
                raise ValueError(f'{path}, line {number}: not a JSON object')
            entries.append(entry)
    return entries


def _value(entry: dict, key: str):
    if key in entry:
        return entry[key]
    for name, value in entry.items():
        if name.rsplit('/', 1)[-1] == key:
            return value
    return None


def extract_curves(
    entries: Sequence[dict], keys: Sequence[str]
) -> Dict[str, Curve]:
    """``(steps, values)`` of every key that the entries log.

    Args:
        entries (Sequence[dict]): Log entries with a ``step``.
        keys (Sequence[str]): Values to extract.

    Returns:
        dict[str, tuple[list[int], list[float]]]: Per key, the steps and the
        values, for the keys found at least once.

    Examples:
        >>> entries = [dict(step=1, loss=2.0), dict(step=2, loss=1.5),
        ...            dict(step=2, **{'val/mIoU': 40.0})]
        >>> extract_curves(entries, ['loss', 'mIoU'])
        {'loss': ([1, 2], [2.0, 1.5]), 'mIoU': ([2], [40.0])}
    """
    curves: Dict[str, Curve] = {}
    for entry in entries:
        for key in keys:
            value = _value(entry, key)
            if isinstance(value, (int, float)) and 'step' in entry:
                steps, values = curves.setdefault(key, ([], []))
                steps.append(int(entry['step']))
                values.append(float(value))
    return curves


def plot_curves(
    logs: Dict[str, Dict[str, Curve]], keys: Sequence[str], title: str = None
) -> bytes:
    """Draw one panel per key, one curve per log.

    Args:
        logs (dict[str, dict[str, Curve]]): Label of each log and its
            curves (:func:`extract_curves`).
        keys (Sequence[str]): Panels, top to bottom.
        title (str, optional): Figure title. Defaults to None.

    Returns:
        bytes: The PNG file.

    Raises:
        KeyError: When a key is in none of the logs (names the key and the
            keys the logs have).
    """
    for key in keys:
        if not any(key in curves for curves in logs.values()):
            raise KeyError(
                f'"{key}" is logged in none of the files {list(logs)}'
            )
    figure, axes = plt.subplots(
        len(keys), 1, figsize=(7, 3 * len(keys)), squeeze=False
    )
    for axis, key in zip(axes[:, 0], keys):
        for label, curves in logs.items():
            if key in curves:
                steps, values = curves[key]
                axis.plot(steps, values, label=label, marker='.')
        axis.set_xlabel('iteration')
        axis.set_ylabel(key)
        axis.grid(alpha=0.3)
        axis.legend()
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format='png', dpi=100)
    plt.close(figure)
    return buffer.getvalue()


def main() -> None:
    args = parse_args()
    legend = args.legend or [osp.basename(p) for p in args.json_logs]
    if len(legend) != len(args.json_logs):
        raise SystemExit(
            f'error: --legend has {len(legend)} labels for '
            f'{len(args.json_logs)} log files'
        )
    logs = {
        label: extract_curves(read_log(path), args.keys)
        for label, path in zip(legend, args.json_logs)
    }
    atomic_write_bytes(plot_curves(logs, args.keys, args.title), args.out)
    print(f'saved {", ".join(args.keys)} curves to {args.out}')


if __name__ == '__main__':
    main()
