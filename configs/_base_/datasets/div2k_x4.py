# DIV2K x4 super-resolution in MMagic 1.x form (default_scope='mmflow_ext'):
# train on DIV2K_train_HR_sub / DIV2K_train_LR_bicubic/X4_sub (sub-images
# listed in meta_info_DIV2K800sub_GT.txt, as BasicSR's crop tool writes
# them), validate on Set5 and Set14 with one evaluator each (MultiValLoop).
dataset_type = 'BasicImageDataset'
data_root = 'data'
scale = 4
gt_patch_size = 128

train_pipeline = [
    dict(type='LoadImageFromFile', key='img', channel_order='rgb'),
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb'),
    dict(type='SetValues', dictionary=dict(scale=scale)),
    dict(type='PairedRandomCrop', gt_patch_size=gt_patch_size),
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
    dict(type='LoadImageFromFile', key='img', channel_order='rgb'),
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb'),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file='meta_info_DIV2K800sub_GT.txt',
        metainfo=dict(dataset_type='div2k', task_name='sisr'),
        data_root=data_root + '/DIV2K',
        data_prefix=dict(
            img='DIV2K_train_LR_bicubic/X4_sub', gt='DIV2K_train_HR_sub'
        ),
        filename_tmpl=dict(img='{}', gt='{}'),
        pipeline=train_pipeline,
    ),
)


def _val_loader(name, lq_folder):
    return dict(
        batch_size=1,
        num_workers=1,
        persistent_workers=False,
        drop_last=False,
        sampler=dict(type='DefaultSampler', shuffle=False),
        dataset=dict(
            type=dataset_type,
            metainfo=dict(dataset_type=name.lower(), task_name='sisr'),
            data_root=data_root + '/' + name,
            data_prefix=dict(img=lq_folder, gt='GTmod12'),
            pipeline=val_pipeline,
        ),
    )


val_dataloader = [
    _val_loader('Set5', 'LRbicx4'),
    _val_loader('Set14', 'LRbicx4'),
]
val_evaluator = [
    dict(
        type='Evaluator',
        metrics=[
            dict(type='PSNR', crop_border=scale, prefix='Set5'),
            dict(type='SSIM', crop_border=scale, prefix='Set5'),
        ],
    ),
    dict(
        type='Evaluator',
        metrics=[
            dict(type='PSNR', crop_border=scale, prefix='Set14'),
            dict(type='SSIM', crop_border=scale, prefix='Set14'),
        ],
    ),
]
val_cfg = dict(type='MultiValLoop')
test_dataloader = val_dataloader
test_evaluator = val_evaluator
test_cfg = dict(type='MultiTestLoop')
del _val_loader
