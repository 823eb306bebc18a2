# 400 iterations of AdamW with a linear (power 1) decay: a CPU-sized
# schedule.
optimizer = dict(type='AdamW', lr=3e-3, betas=(0.9, 0.999), weight_decay=1e-4)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer, clip_grad=None)
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-5,
        power=1.0,
        begin=0,
        end=400,
        by_epoch=False,
    )
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=400, val_interval=400)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
