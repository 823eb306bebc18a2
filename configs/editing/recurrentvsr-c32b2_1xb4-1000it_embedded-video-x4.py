# Video super-resolution x4 on the embedded video data (generated into
# data/embedded_video on first use): a small bidirectional recurrent network
# (BasicVSR's propagation without optical flow) trained with an L1 loss on
# 5-frame segments, batch 4, for 1000 iterations on the CPU. Validation
# measures whole 10-frame clips against the bicubic upsampling of the input
# (bicubic/PSNR, bicubic/SSIM).
_base_ = [
    '../_base_/datasets/embedded_video_x4.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='BaseEditModel',
    generator=dict(
        type='RecurrentVSRNet',
        mid_channels=32,
        num_blocks=2,
        upscale_factor=4,
    ),
    pixel_loss=dict(type='L1Loss', loss_weight=1.0, reduction='mean'),
    data_preprocessor=dict(
        type='DataPreprocessor',
        mean=[0.0, 0.0, 0.0],
        std=[255.0, 255.0, 255.0],
    ),
)

train_cfg = dict(type='IterBasedTrainLoop', max_iters=1000, val_interval=500)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=2e-3, betas=(0.9, 0.99)),
)
param_scheduler = dict(
    type='CosineAnnealingLR', T_max=1000, eta_min=1e-5, by_epoch=False
)

default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=500, max_keep_ckpts=1, save_last=True),
    visualization=dict(
        type='BasicVisualizationHook', interval=1, max_samples=2
    ),
)
# One PNG per validation clip (named by the clip) under
# <work_dir>/<timestamp>/vis_data/vis_image/: columns gt | bicubic |
# prediction, one row per frame.
visualizer = dict(
    type='ConcatImageVisualizer',
    vis_backends=[dict(type='LocalVisBackend')],
    fn_key='key',
    img_keys=['gt_img', 'img_bicubic', 'pred_img'],
    bgr2rgb=True,
)
randomness = dict(seed=0)
