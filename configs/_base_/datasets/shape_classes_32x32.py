# Embedded class-conditional data (generated into data/shape_classes on
# first use): 32x32 images of one shape each, labelled circle / square /
# triangle / star; 200 train and 32 val images per class.
dataset_type = 'ShapeClassesDataset'
data_root = 'data/shape_classes'
# the train and val datasets must agree on these: they describe one folder
embedded_data = dict(
    seed=0, num_train_per_class=200, num_val_per_class=32, image_size=32
)

train_pipeline = [
    dict(type='LoadImageFromFile', key='gt'),
    dict(type='Flip', keys=['gt'], flip_ratio=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
val_pipeline = [
    dict(type='LoadImageFromFile', key='gt'),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        pipeline=train_pipeline,
        **embedded_data,
    ),
)
val_dataloader = dict(
    batch_size=32,
    num_workers=0,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='val',
        test_mode=True,
        pipeline=val_pipeline,
        **embedded_data,
    ),
)
test_dataloader = val_dataloader
