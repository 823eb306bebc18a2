# Dark Zurich night test images with Cityscapes labels: the Cityscapes
# training setup of cityscapes.py, tested (test_dataloader only) on one
# Dark Zurich sequence
# (xxx_rgb_anon.png images, xxx_gt_labelTrainIds.png maps).
_base_ = './cityscapes.py'
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(1920, 1080), keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
test_dataloader = dict(
    dataset=dict(
        type='DarkZurichDataset',
        data_root='data/dark_zurich/',
        data_prefix=dict(
            img_path='rgb_anon/val/night/GOPR0356',
            seg_map_path='gt/val/night/GOPR0356',
        ),
        pipeline=test_pipeline,
    )
)
