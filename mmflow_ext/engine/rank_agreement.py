# Copyright (c) mmflow_ext contributors. All rights reserved.
"""One decision on every rank: a failure that one rank finds stops all.

A check that raises on the rank that sees the bad batch alone leaves the
other ranks waiting in their next collective (DDP's gradient all-reduce)
until the job times out. Checks call :func:`gather_if_any_rank` on every
rank instead, and all raise together.
"""

from typing import Any, List, Optional

import torch
from mmengine.dist import all_gather_object, all_reduce, get_world_size

__all__ = ['gather_if_any_rank']


def gather_if_any_rank(finding: Any) -> Optional[List[Any]]:
    """Every rank's ``finding`` when one of them is truthy, else ``None``.

    Every rank must call it, with a falsy ``finding`` when its check
    passed. It costs a one-number all-reduce; the findings themselves are
    gathered only when there is something to report.

    Args:
        finding (Any): What this rank found wrong (a message, a list of
            terms), or a falsy value.

    Returns:
        list | None: ``None`` when no rank found anything, otherwise the
        findings of all ranks, indexed by rank.

    Examples:
        >>> gather_if_any_rank('') is None
        True
        >>> gather_if_any_rank('label 7 in b.png')
        ['label 7 in b.png']
    """
    if get_world_size() == 1:
        return [finding] if finding else None
    flag = torch.tensor([float(bool(finding))])
    all_reduce(flag)
    if not flag.item():
        return None
    return all_gather_object(finding)
