# FCN head on the CPU-sized CompactCNN backbone (output stride 4).
# LeakyReLU keeps the thin layers from losing whole classes to dead units.
norm_cfg = dict(type='BN', requires_grad=True)
act_cfg = dict(type='LeakyReLU', negative_slope=0.1)
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
        type='CompactCNN',
        in_channels=3,
        stem_channels=16,
        channels=(16, 32, 48),
        strides=(1, 2, 1),
        dilations=(1, 1, 2),
        num_convs=(1, 2, 2),
        out_indices=(1, 2),
        norm_cfg=norm_cfg,
        act_cfg=act_cfg,
    ),
    decode_head=dict(
        type='FCNHead',
        in_channels=48,
        in_index=1,
        channels=32,
        num_convs=1,
        concat_input=False,
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg=norm_cfg,
        act_cfg=act_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0
        ),
    ),
    auxiliary_head=dict(
        type='FCNHead',
        in_channels=32,
        in_index=0,
        channels=16,
        num_convs=1,
        concat_input=False,
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg=norm_cfg,
        act_cfg=act_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4
        ),
    ),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'),
)
