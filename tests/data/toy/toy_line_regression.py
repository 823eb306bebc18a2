# A toy config for testing tools/train.py and tools/test.py.
default_scope = 'mmflow_ext'
custom_imports = dict(imports=['toy_components'], allow_failed_imports=False)

model = dict(type='ToyLineRegressor')
train_dataloader = dict(
    batch_size=2,
    num_workers=0,
    dataset=dict(type='ToyLineDataset', size=12),
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
)
val_dataloader = dict(
    batch_size=2,
    num_workers=0,
    dataset=dict(type='ToyLineDataset', size=7),
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
)
test_dataloader = val_dataloader
val_evaluator = dict(type='ToyMeanSquaredError')
test_evaluator = val_evaluator
train_cfg = dict(by_epoch=True, max_epochs=3, val_interval=1)
val_cfg = dict()
test_cfg = dict()
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9))
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=1),
    logger=dict(type='LoggerHook', interval=1),
)
env_cfg = dict(dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0, deterministic=True)
log_level = 'INFO'
