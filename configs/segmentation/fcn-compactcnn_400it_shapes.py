# The main job: FCN on CompactCNN, 400 iterations on the embedded shapes
# dataset (generated into data/shapes on first use). It runs in about a
# minute on 2 CPU cores; its numbers are in README.md
# (docs/results/main_jobs.json).
_base_ = [
    '../_base_/models/fcn_compactcnn.py',
    '../_base_/datasets/shapes.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_400it.py',
]
model = dict(decode_head=dict(num_classes=5), auxiliary_head=None)
default_hooks = dict(
    # a checkpoint every 100 iterations (the newest two kept), so that an
    # interrupted run resumes mid-way with --resume
    checkpoint=dict(interval=100, max_keep_ckpts=2),
    visualization=dict(type='SegVisualizationHook', interval=1, max_samples=4),
)
# Rows of image | ground truth | prediction under <work_dir>/<timestamp>/
# vis_data/vis_image/, a handful per evaluation.
visualizer = dict(
    type='ConcatImageVisualizer',
    vis_backends=[dict(type='LocalVisBackend')],
    fn_key='img_path',
    img_keys=['img', 'gt_sem_seg', 'pred_sem_seg'],
    bgr2rgb=True,
    blend_key='img',
    alpha=0.5,
)
# The confusion matrix (.npy and a labelled PNG) lands next to the log.
val_evaluator = dict(
    type='IoUMetric', iou_metrics=['mIoU', 'mDice'], confusion_matrix=True
)
test_evaluator = val_evaluator
randomness = dict(seed=0)
# `tools/test.py CONFIG CKPT --tta`: average the predictions over three
# scales, each unflipped and flipped, as MMSegmentation's configs do.
img_ratios = [0.75, 1.0, 1.25]
tta_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='TestTimeAug',
        transforms=[
            [
                dict(type='Resize', scale_factor=r, keep_ratio=True)
                for r in img_ratios
            ],
            [
                dict(type='RandomFlip', prob=0.0, direction='horizontal'),
                dict(type='RandomFlip', prob=1.0, direction='horizontal'),
            ],
            [dict(type='LoadAnnotations')],
            [dict(type='PackSegInputs')],
        ],
    ),
]
tta_model = dict(type='SegTTAModel')
