# The generation main job: a compact class-conditional GAN (conditional-BN
# generator, spectral-norm projection discriminator, hinge losses as
# SNGAN-Proj) trained on the embedded 32x32 shape classes (generated into
# data/shape_classes on first use). Validation logs SWD (real vs fake,
# lower is better) and MS-SSIM (between fakes, lower is more diverse);
# GenVisualizationHook saves a grid with one row per class under
# <work_dir>/vis_data/.
_base_ = [
    '../_base_/datasets/shape_classes_32x32.py',
    '../_base_/default_runtime.py',
]

num_classes = 4
model = dict(
    type='SNGAN',
    num_classes=num_classes,
    noise_size=64,
    data_preprocessor=dict(type='DataPreprocessor'),
    generator=dict(
        type='CompactCondGenerator', output_scale=32, base_channels=64
    ),
    discriminator=dict(
        type='CompactProjDiscriminator', input_scale=32, base_channels=32
    ),
    discriminator_steps=1,
    ema_config=dict(momentum=0.01),
)

max_iters = 1500
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters
)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    constructor='MultiOptimWrapperConstructor',
    generator=dict(optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999))),
    discriminator=dict(
        optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999))
    ),
)

val_evaluator = [
    dict(
        type='SWD',
        prefix='SWD',
        fake_nums=128,
        image_shape=(3, 32, 32),
        sample_model='ema',
    ),
    dict(type='MS_SSIM', prefix='MS-SSIM', fake_nums=128, sample_model='ema'),
]
test_evaluator = val_evaluator

default_hooks = dict(
    logger=dict(interval=100),
    checkpoint=dict(interval=max_iters, save_last=True),
)
custom_hooks = [
    dict(type='RandomStateHook'),
    dict(type='FiniteLossHook', on_non_finite='raise'),
    dict(
        type='GenVisualizationHook',
        interval=500,
        fixed_input=True,
        n_row=8,
        vis_kwargs_list=dict(
            type='GAN', name='fake_img', sample_model='ema/orig'
        ),
    ),
]
randomness = dict(seed=0)
