# UPerNet on ResNetV1c-18, 400 iterations from scratch on the embedded
# shapes dataset (generated into data/shapes on first use): the network
# names and arguments of MMSegmentation's upernet_r50 configs, at the
# depth and output stride (32, no dilation) that train on 2 CPU cores in
# a few minutes. Its numbers, next to the main job's (CompactCNN + FCN),
# are in README.md (docs/results/main_jobs.json).
_base_ = [
    '../_base_/datasets/shapes.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_400it.py',
]
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='ResNetV1c',
        depth=18,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 1, 1),
        strides=(1, 2, 2, 2),
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        contract_dilation=True,
    ),
    decode_head=dict(
        type='UPerHead',
        in_channels=[64, 128, 256, 512],
        in_index=[0, 1, 2, 3],
        pool_scales=(1, 2, 3, 6),
        channels=64,
        dropout_ratio=0.1,
        num_classes=5,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0
        ),
    ),
    auxiliary_head=dict(
        type='FCNHead',
        in_channels=256,
        in_index=2,
        channels=64,
        num_convs=1,
        concat_input=False,
        dropout_ratio=0.1,
        num_classes=5,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4
        ),
    ),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'),
)
default_hooks = dict(
    # a checkpoint every 100 iterations (the newest two kept): resumable
    checkpoint=dict(interval=100, max_keep_ckpts=2),
    visualization=dict(type='SegVisualizationHook', interval=1, max_samples=4),
)
visualizer = dict(
    type='ConcatImageVisualizer',
    vis_backends=[dict(type='LocalVisBackend')],
    fn_key='img_path',
    img_keys=['img', 'gt_sem_seg', 'pred_sem_seg'],
    bgr2rgb=True,
    blend_key='img',
    alpha=0.5,
)
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU', 'mDice'])
test_evaluator = val_evaluator
randomness = dict(seed=0)
