# Embedded restoration data (generated into data/embedded_sr on first use):
# clean 96x96 targets and their noisy versions (Gaussian noise, sigma 15).
dataset_type = 'EmbeddedSRDataset'
data_root = 'data/embedded_sr'
# the train and val datasets must agree on these: they describe one folder
embedded_data = dict(seed=0, num_train=200, num_val=20, img_size=96)

train_pipeline = [
    dict(type='LoadImageFromFile', key='img', channel_order='rgb'),
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb'),
    dict(type='PackInputs'),
]
val_pipeline = train_pipeline

train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        degradation='noisy',
        pipeline=train_pipeline,
        **embedded_data,
    ),
)
val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='val',
        degradation='noisy',
        test_mode=True,
        pipeline=val_pipeline,
        **embedded_data,
    ),
)
test_dataloader = val_dataloader

val_evaluator = [dict(type='PSNR'), dict(type='SSIM'), dict(type='MAE')]
test_evaluator = val_evaluator
