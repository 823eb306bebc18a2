# Runtime shared by every config: our registry scope, a gloo-friendly
# distributed setup (works on CPU-only machines) whose collectives time out
# after 10 minutes instead of hanging, iteration-based logging and
# checkpoints (our CheckpointHook: atomic writes, secure resume, one run
# per work dir).
default_scope = 'mmflow_ext'
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='gloo', timeout=600),
)
vis_backends = [dict(type='LocalVisBackend')]
# No fixed `name`: each Runner then gets its own visualizer instead of
# reusing (with its old settings) one built earlier in the same process.
visualizer = dict(type='Visualizer', vis_backends=vis_backends)
log_processor = dict(by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=1000),
    sampler_seed=dict(type='DistSamplerSeedHook'),
)
# Checks and reproducibility for every job: decode-head classes must match
# the dataset (checked before the first iteration), random states are saved
# in checkpoints so a resumed run equals an uninterrupted one, and ranks
# share BatchNorm statistics before validation, and a NaN/inf loss stops
# training before it reaches the weights (on_non_finite='skip' skips the
# step instead).
custom_hooks = [
    dict(type='NumClassCheckHook'),
    dict(type='RandomStateHook'),
    dict(type='BroadcastBuffersHook'),
    dict(type='FiniteLossHook', on_non_finite='raise'),
]
