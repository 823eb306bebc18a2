# DIV2K x4 read from LMDB stores, as BasicSR / MMagic users build them:
#   python tools/dataset_converters/image_folder_to_lmdb.py \
#       data/DIV2K/DIV2K_train_HR_sub data/DIV2K/DIV2K_train_HR_sub.lmdb
# (and the same for DIV2K_train_LR_bicubic/X4_sub). The sample list is the
# GT store's meta_info.txt; the images are read by key from the stores.
_base_ = ['./div2k_x4.py']

lq_store = 'data/DIV2K/DIV2K_train_LR_bicubic_X4_sub.lmdb'
gt_store = 'data/DIV2K/DIV2K_train_HR_sub.lmdb'
train_pipeline = [
    dict(
        type='LoadImageFromFile',
        key='img',
        channel_order='rgb',
        backend_args=dict(backend='lmdb', db_path=lq_store),
    ),
    dict(
        type='LoadImageFromFile',
        key='gt',
        channel_order='rgb',
        backend_args=dict(backend='lmdb', db_path=gt_store),
    ),
    dict(type='SetValues', dictionary=dict(scale={{_base_.scale}})),
    dict(type='PairedRandomCrop', gt_patch_size={{_base_.gt_patch_size}}),
    dict(
        type='Flip', keys=['img', 'gt'], flip_ratio=0.5, direction='horizontal'
    ),
    dict(
        type='Flip', keys=['img', 'gt'], flip_ratio=0.5, direction='vertical'
    ),
    dict(type='RandomTransposeHW', keys=['img', 'gt'], transpose_ratio=0.5),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    dataset=dict(
        ann_file='DIV2K_train_HR_sub.lmdb/meta_info.txt',
        data_prefix=dict(
            img='DIV2K_train_LR_bicubic_X4_sub.lmdb',
            gt='DIV2K_train_HR_sub.lmdb',
        ),
        pipeline=train_pipeline,
    )
)
