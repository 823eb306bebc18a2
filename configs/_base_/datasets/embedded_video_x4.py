# Embedded video super-resolution data (generated into data/embedded_video on
# first use), REDS layout: 64x64 clips of panning textures and moving
# sprites, their x4 area-downscaled frames as inputs. Training takes random
# 5-frame segments (GenerateSegmentIndices, as REDS configs do); validation
# takes whole clips and also packs the bicubic upsampling of the input
# frames as img_bicubic, the baseline the evaluators measure.
dataset_type = 'EmbeddedVideoDataset'
data_root = 'data/embedded_video'
# the train and val datasets must agree on these: they describe one folder
embedded_data = dict(
    seed=0, num_train=12, num_val=2, num_frames=10, img_size=64
)

train_pipeline = [
    dict(type='GenerateSegmentIndices', interval_list=[1]),
    dict(type='LoadImageFromFile', key='img'),
    dict(type='LoadImageFromFile', key='gt'),
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
    dict(type='LoadImageFromFile', key='img'),
    dict(type='LoadImageFromFile', key='gt'),
    dict(
        type='Resize',
        keys=['img'],
        output_keys=['img_bicubic'],
        scale=4.0,
        keep_ratio=True,
        interpolation='bicubic',
    ),
    # the clip name (metainfo "key") names the visualizer's PNG of a clip
    dict(type='PackInputs', meta_keys=['key'], data_keys=['img_bicubic']),
]

train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        num_input_frames=5,
        pipeline=train_pipeline,
        **embedded_data,
    ),
)
val_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='val',
        # every frame of a clip, listed by the dataset
        load_frames_list=dict(img=['all'], gt=['all']),
        test_mode=True,
        pipeline=val_pipeline,
        **embedded_data,
    ),
)
test_dataloader = val_dataloader

# PSNR / SSIM of a clip: the mean over its frames (MMagic's convention);
# bicubic/PSNR and bicubic/SSIM measure the bicubic upsampling
val_evaluator = [
    dict(type='PSNR'),
    dict(type='SSIM'),
    dict(
        type='PSNR',
        pred_key='img_bicubic',
        pred_in_output=False,
        prefix='bicubic',
    ),
    dict(
        type='SSIM',
        pred_key='img_bicubic',
        pred_in_output=False,
        prefix='bicubic',
    ),
]
test_evaluator = val_evaluator
