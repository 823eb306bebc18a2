# Embedded super-resolution data, x4 (generated into data/embedded_sr on
# first use): clean 96x96 targets and their area-downscaled 24x24 inputs.
# Training crops paired patches and augments them as MMagic's DIV2K
# recipes do; validation also makes the bicubic-upsampled input
# (img_bicubic), the baseline a trained network is compared with.
# Images load as BGR, the order the model's predictions and targets are
# evaluated in, so that img_bicubic (which no preprocessor converts)
# compares like them; the model's DataPreprocessor hands the network RGB.
dataset_type = 'EmbeddedSRDataset'
data_root = 'data/embedded_sr'
# the train and val datasets must agree on these: they describe one folder
embedded_data = dict(seed=0, num_train=200, num_val=20, img_size=96)
scale = 4
gt_patch_size = 64

train_pipeline = [
    dict(type='LoadImageFromFile', key='img', channel_order='bgr'),
    dict(type='LoadImageFromFile', key='gt', channel_order='bgr'),
    dict(type='SetValues', dictionary=dict(scale=scale)),
    dict(type='PairedRandomCrop', gt_patch_size=gt_patch_size),
    dict(
        type='Flip', keys=['img', 'gt'], flip_ratio=0.5, direction='horizontal'
    ),
    dict(
        type='Flip', keys=['img', 'gt'], flip_ratio=0.5, direction='vertical'
    ),
    dict(type='RandomTransposeHW', keys=['img', 'gt'], transpose_ratio=0.5),
    dict(type='PackInputs'),
]
val_pipeline = [
    dict(type='LoadImageFromFile', key='img', channel_order='bgr'),
    dict(type='LoadImageFromFile', key='gt', channel_order='bgr'),
    dict(
        type='Resize',
        keys=['img'],
        output_keys=['img_bicubic'],
        scale=float(scale),
        keep_ratio=True,
        interpolation='bicubic',
    ),
    dict(type='PackInputs', data_keys=['img_bicubic']),
]

train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        degradation=f'x{scale}',
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
        degradation=f'x{scale}',
        test_mode=True,
        pipeline=val_pipeline,
        **embedded_data,
    ),
)
test_dataloader = val_dataloader

# MMagic measures super-resolution with a border of `scale` pixels cropped;
# the bicubic rows are the baseline (bicubic/PSNR, bicubic/SSIM).
val_evaluator = [
    dict(type='PSNR', crop_border=scale),
    dict(type='SSIM', crop_border=scale),
    dict(
        type='PSNR',
        crop_border=scale,
        pred_key='img_bicubic',
        pred_in_output=False,
        prefix='bicubic',
    ),
    dict(
        type='SSIM',
        crop_border=scale,
        pred_key='img_bicubic',
        pred_in_output=False,
        prefix='bicubic',
    ),
]
test_evaluator = val_evaluator
