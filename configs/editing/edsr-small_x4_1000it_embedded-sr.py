# The x4 super-resolution main job: a small EDSR (32 channels, 4 residual
# blocks) trained with an L1 loss on 64x64 paired crops of the embedded
# data (generated into data/embedded_sr on first use), flipped and
# transposed as MMagic's DIV2K recipes do.
# It runs in a few minutes on 2 CPU cores; its PSNR/SSIM, next to the
# bicubic-upsampled input's (bicubic/PSNR, bicubic/SSIM), are in README.md
# (docs/results/main_jobs.json).
_base_ = [
    '../_base_/datasets/embedded_sr_x4.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='BaseEditModel',
    generator=dict(
        type='EDSRNet',
        in_channels=3,
        out_channels=3,
        mid_channels=32,
        num_blocks=4,
        upscale_factor=4,
    ),
    pixel_loss=dict(type='L1Loss', loss_weight=1.0, reduction='mean'),
    data_preprocessor=dict(
        type='DataPreprocessor',
        mean=[0.0, 0.0, 0.0],
        std=[255.0, 255.0, 255.0],
        output_channel_order='RGB',
    ),
)

train_cfg = dict(type='IterBasedTrainLoop', max_iters=1000, val_interval=500)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-3, betas=(0.9, 0.999)),
)
param_scheduler = dict(
    type='CosineAnnealingLR', T_max=1000, eta_min=1e-5, by_epoch=False
)

default_hooks = dict(
    logger=dict(interval=100),
    # a checkpoint every 100 iterations (the newest two kept): resumable
    checkpoint=dict(interval=100, max_keep_ckpts=2, save_last=True),
    visualization=dict(
        type='BasicVisualizationHook', interval=1, max_samples=4
    ),
)
# Rows of gt_img | img_bicubic | pred_img under <work_dir>/<timestamp>/
# vis_data/vis_image/, a handful per evaluation.
visualizer = dict(
    type='ConcatImageVisualizer',
    vis_backends=[dict(type='LocalVisBackend')],
    fn_key='gt_path',
    img_keys=['gt_img', 'img_bicubic', 'pred_img'],
    bgr2rgb=True,
)
randomness = dict(seed=0)
