# The editing main job: a residual ESPCN-sized denoiser (upscale factor 1)
# trained with an L1 loss for 500 iterations on the embedded data's noisy
# split (generated into data/embedded_sr on first use).
# It runs in about a minute on 2 CPU cores; its numbers, next to the noisy
# input's own, are in README.md (docs/results/main_jobs.json).
_base_ = [
    '../_base_/datasets/embedded_sr_denoise.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='BaseEditModel',
    generator=dict(
        type='ESPCNNet', mid_channels=32, upscale_factor=1, residual=True
    ),
    pixel_loss=dict(type='L1Loss', loss_weight=1.0, reduction='mean'),
    data_preprocessor=dict(
        type='DataPreprocessor',
        mean=[0.0, 0.0, 0.0],
        std=[255.0, 255.0, 255.0],
    ),
)

train_cfg = dict(type='IterBasedTrainLoop', max_iters=500, val_interval=250)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-3, betas=(0.9, 0.999)),
)
param_scheduler = dict(
    type='CosineAnnealingLR', T_max=500, eta_min=1e-5, by_epoch=False
)

default_hooks = dict(
    logger=dict(interval=100),
    # a checkpoint every 100 iterations (the newest two kept): resumable
    checkpoint=dict(interval=100, max_keep_ckpts=2, save_last=True),
    visualization=dict(
        type='BasicVisualizationHook', interval=1, max_samples=4
    ),
)
# Rows of gt_img | input | pred_img under <work_dir>/<timestamp>/vis_data/
# vis_image/, a handful per evaluation.
visualizer = dict(
    type='ConcatImageVisualizer',
    vis_backends=[dict(type='LocalVisBackend')],
    fn_key='gt_path',
    img_keys=['gt_img', 'input', 'pred_img'],
    bgr2rgb=True,
)
# The baseline the denoiser is measured against: the noisy input's own PSNR
# and SSIM, logged as noisy_input/PSNR and noisy_input/SSIM.
val_evaluator = [
    dict(type='PSNR'),
    dict(type='SSIM'),
    dict(type='MAE'),
    dict(
        type='PSNR',
        pred_key='input',
        pred_in_output=False,
        prefix='noisy_input',
    ),
    dict(
        type='SSIM',
        pred_key='input',
        pred_in_output=False,
        prefix='noisy_input',
    ),
]
test_evaluator = val_evaluator
randomness = dict(seed=0)
