# Nighttime Driving test images with coarse Cityscapes labels: the
# Cityscapes training setup of cityscapes.py, tested (test_dataloader
# only) on the night images
# (xxx_leftImg8bit.png, xxx_gtCoarse_labelTrainIds.png).
_base_ = './cityscapes.py'
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(1920, 1080), keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
test_dataloader = dict(
    dataset=dict(
        type='NightDrivingDataset',
        data_root='data/NighttimeDrivingTest/',
        data_prefix=dict(
            img_path='leftImg8bit/test/night',
            seg_map_path='gtCoarse_daytime_trainvaltest/test/night',
        ),
        pipeline=test_pipeline,
    )
)
