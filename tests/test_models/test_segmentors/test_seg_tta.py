# Copyright (c) mmflow_ext contributors. All rights reserved.
import importlib.util
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import DefaultScope
from mmengine.structures import PixelData

from mmflow_ext.models.segmentors import SegTTAModel
from mmflow_ext.registry import MODELS, TRANSFORMS
from mmflow_ext.structures import SegDataSample

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(__file__))))
MAIN_CONFIG = osp.join(
    REPO_ROOT, 'configs', 'segmentation', 'fcn-compactcnn_400it_shapes.py'
)


class Stub(torch.nn.Module):
    """The attributes SegTTAModel reads from a segmentor."""

    def __init__(self, out_channels, threshold=0.3):
        super().__init__()
        self.out_channels = out_channels
        self.decode_head = torch.nn.Module()
        self.decode_head.threshold = threshold

    def test_step(self, data):
        raise NotImplementedError


def views_of(
    seed, num_images=3, num_views=4, channels=4, size=(5, 6), cls=SegDataSample
):
    """Per image, views with random logits and one GT."""
    gen = torch.Generator().manual_seed(seed)
    images = []
    for i in range(num_images):
        gt = torch.randint(0, channels, (1, *size), generator=gen)
        gt[0, 0, 0] = 255
        views = []
        for v in range(num_views):
            view = cls(
                metainfo=dict(
                    img_path=f'img{i}.png', ori_shape=size, flip=bool(v % 2)
                )
            )
            view.seg_logits = PixelData(
                data=torch.randn(channels, *size, generator=gen) * 3
            )
            view.gt_sem_seg = PixelData(data=gt.clone())
            views.append(view)
        images.append(views)
    return images


def test_multi_class_merge_averages_softmax_over_views():
    images = views_of(0)
    expected = [
        torch.stack([v.seg_logits.data.softmax(0) for v in views]).mean(0)
        for views in images
    ]
    merged = SegTTAModel(module=Stub(4)).merge_preds(images)
    assert len(merged) == 3
    for views, result, probs in zip(images, merged, expected):
        assert result is views[-1]  # the last view carries the result
        assert result.pred_sem_seg.data.dtype == torch.int64
        assert torch.equal(
            result.pred_sem_seg.data, probs.argmax(0, keepdim=True)
        )
        assert torch.allclose(result.seg_logits.data, probs)
        assert result.gt_sem_seg is views[0].gt_sem_seg
        assert result.img_path == views[0].img_path


def test_binary_merge_thresholds_the_mean_probability():
    probs = [
        torch.tensor([[[0.1, 0.5, 0.9]]]),
        torch.tensor([[[0.6, 0.0, 0.2]]]),
    ]
    views = [
        SegDataSample(
            seg_logits=PixelData(data=p), metainfo=dict(img_path='x.png')
        )
        for p in probs
    ]
    [result] = SegTTAModel(module=Stub(1, threshold=0.3)).merge_preds([views])
    # means 0.35, 0.25, 0.55
    assert result.pred_sem_seg.data.tolist() == [[[1, 0, 1]]]
    assert result.pred_sem_seg.data.dtype == torch.int64


def test_views_of_different_shapes_are_a_clear_error():
    views = views_of(1, num_images=1, num_views=2)[0]
    views[1].seg_logits = PixelData(data=torch.zeros(4, 5, 7))
    with pytest.raises(ValueError, match='"img0.png" differ in shape'):
        SegTTAModel(module=Stub(4)).merge_preds([views])


def test_same_predictions_and_metrics_as_mmseg():
    mmseg_tta = pytest.importorskip('mmseg.models.segmentors.seg_tta')
    from mmseg.evaluation import IoUMetric as MMSegIoUMetric
    from mmseg.structures import SegDataSample as MMSegDataSample

    from mmflow_ext.evaluation.metrics.iou_metric import IoUMetric

    ours = SegTTAModel(module=Stub(4)).merge_preds(views_of(3))
    theirs = mmseg_tta.SegTTAModel(module=Stub(4)).merge_preds(
        views_of(3, cls=MMSegDataSample)
    )
    for a, b in zip(ours, theirs):
        assert torch.equal(a.pred_sem_seg.data, b.pred_sem_seg.data)
        assert torch.equal(a.gt_sem_seg.data, b.gt_sem_seg.data)
        assert a.img_path == b.img_path
    meta = dict(classes=('a', 'b', 'c', 'd'))
    results = []
    for metric, samples in (
        (IoUMetric(iou_metrics=['mIoU', 'mDice']), ours),
        (MMSegIoUMetric(iou_metrics=['mIoU', 'mDice']), theirs),
    ):
        metric.dataset_meta = meta
        metric.process({}, [s.to_dict() for s in samples])
        results.append(metric.evaluate(len(samples)))
    assert results[0] == pytest.approx(results[1])


def test_mmseg_sigmoids_binary_probabilities_twice():
    """Upstream's one-channel merge applies a second sigmoid to
    probabilities, so every pixel beats a threshold below 0.5."""
    mmseg_tta = pytest.importorskip('mmseg.models.segmentors.seg_tta')
    from mmseg.structures import SegDataSample as MMSegDataSample

    views = [
        MMSegDataSample(
            seg_logits=PixelData(data=torch.full((1, 1, 2), 0.01)),
            metainfo=dict(img_path='x.png'),
        )
    ]
    [result] = mmseg_tta.SegTTAModel(module=Stub(1)).merge_preds([views])
    assert result.pred_sem_seg.data.tolist() == [[[1.0, 1.0]]]


def tta_pipeline():
    cfg = Config.fromfile(MAIN_CONFIG)
    return cfg.tta_pipeline, cfg.model


def write_pair(folder, name, height, width, seed):
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    seg = rng.integers(0, 5, (height, width), dtype=np.uint8)
    cv2.imwrite(osp.join(folder, f'{name}.png'), img)
    cv2.imwrite(osp.join(folder, f'{name}_gt.png'), seg)
    return seg


def test_test_time_aug_pipeline_with_mixed_sizes(tmp_path):
    pipeline_cfg, model_cfg = tta_pipeline()
    with DefaultScope.overwrite_default_scope('mmflow_ext'):
        pipeline = [TRANSFORMS.build(t) for t in pipeline_cfg]
        torch.manual_seed(0)
        module = MODELS.build(
            dict(
                model_cfg,
                decode_head=dict(model_cfg.decode_head, num_classes=5),
                auxiliary_head=None,
            )
        ).eval()
        tta = MODELS.build(dict(type='SegTTAModel', module=module))
    items, gts = [], []
    for i, (h, w) in enumerate([(24, 32), (40, 20)]):
        gts.append(write_pair(str(tmp_path), f'im{i}', h, w, i))
        results = dict(
            img_path=str(tmp_path / f'im{i}.png'),
            seg_map_path=str(tmp_path / f'im{i}_gt.png'),
            reduce_zero_label=False,
            seg_fields=[],
        )
        for transform in pipeline:
            results = transform(results)
        items.append(results)
    assert len(items[0]['inputs']) == 6  # 3 scales x 2 flips
    batch = pseudo_collate(items)
    with torch.no_grad():
        merged = tta.test_step(batch)
        # the same merge by hand: each view through the module alone
        expected = []
        for i, item in enumerate(items):
            probs = []
            for inputs, sample in zip(item['inputs'], item['data_samples']):
                [pred] = module.test_step(
                    dict(inputs=[inputs], data_samples=[sample])
                )
                probs.append(pred.seg_logits.data.softmax(0))
            expected.append(torch.stack(probs).mean(0).argmax(0))
    for i, result in enumerate(merged):
        assert result.pred_sem_seg.shape == gts[i].shape
        assert np.array_equal(result.gt_sem_seg.data[0].numpy(), gts[i])
        assert torch.equal(result.pred_sem_seg.data[0], expected[i])


@pytest.mark.slow
def test_test_tool_tta_end_to_end_on_the_main_job(tmp_path, monkeypatch):
    pipeline_cfg, model_cfg = tta_pipeline()
    with DefaultScope.overwrite_default_scope('mmflow_ext'):
        torch.manual_seed(0)
        model = MODELS.build(
            dict(
                model_cfg,
                decode_head=dict(model_cfg.decode_head, num_classes=5),
                auxiliary_head=None,
            )
        )
    checkpoint = tmp_path / 'tiny.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), checkpoint)
    spec = importlib.util.spec_from_file_location(
        'tool_test_tta', osp.join(REPO_ROOT, 'tools', 'test.py')
    )
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    data_root = str(tmp_path / 'shapes')
    options = [
        f'test_dataloader.dataset.data_root={data_root}',
        'test_dataloader.dataset.num_train=1',
        'test_dataloader.dataset.num_val=3',
        'test_dataloader.dataset.image_size=32',
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False',
        'test_dataloader.batch_size=2',
    ]
    monkeypatch.setattr(
        sys,
        'argv',
        [
            'test.py',
            MAIN_CONFIG,
            str(checkpoint),
            '--tta',
            '--work-dir',
            str(tmp_path / 'work'),
            '--cfg-options',
            *options,
        ],
    )
    cfg = tool.build_config(tool.parse_args())
    assert cfg.model.type == 'SegTTAModel'
    assert cfg.model.module.type == 'EncoderDecoder'
    assert cfg.test_dataloader.dataset.pipeline[1].type == 'TestTimeAug'
    runner = tool.build_runner(cfg)
    metrics = runner.test()
    assert isinstance(runner.model, SegTTAModel)
    assert 0.0 <= metrics['mIoU'] <= 100.0
    assert torch.equal(
        runner.model.module.decode_head.conv_seg.weight.detach(),
        model.decode_head.conv_seg.weight.detach(),
    )
