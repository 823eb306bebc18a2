# Copyright (c) mmflow_ext contributors. All rights reserved.
"""Pure tensor functions behind the metrics: no registry, no state."""

from .depth_metrics import *  # noqa: F401,F403
from .generation import *  # noqa: F401,F403
from .image_quality import *  # noqa: F401,F403
from .seg_metrics import *  # noqa: F401,F403
