# EDSR-small x2: the x4 job's network and schedule with upscale factor 2,
# on the 48x48 inputs of the same embedded data (generated into
# data/embedded_sr on first use). Its PSNR/SSIM, next to the
# bicubic-upsampled input's, are in README.md (docs/results/main_jobs.json).
_base_ = './edsr-small_x4_1000it_embedded-sr.py'
scale = 2
model = dict(generator=dict(upscale_factor=scale))

train_pipeline = [
    dict(type='LoadImageFromFile', key='img', channel_order='bgr'),
    dict(type='LoadImageFromFile', key='gt', channel_order='bgr'),
    dict(type='SetValues', dictionary=dict(scale=scale)),
    dict(type='PairedRandomCrop', gt_patch_size={{_base_.gt_patch_size}}),
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
    dataset=dict(degradation=f'x{scale}', pipeline=train_pipeline)
)
val_dataloader = dict(
    dataset=dict(degradation=f'x{scale}', pipeline=val_pipeline)
)
test_dataloader = val_dataloader

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
