# Copyright (c) mmflow_ext contributors. All rights reserved.
"""PSNR / SSIM / MAE metrics (placeholder)."""
