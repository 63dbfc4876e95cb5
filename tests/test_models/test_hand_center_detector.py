"""HandCenterDetector parts: centre targets encode / decode, peak NMS, the
box metric, the per-image dataset and the letterbox transform."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from egohands.datasets.transforms.detection import (PackDetectionInputs,
                                                    ResizeImage, letterbox)
from egohands.evaluation.metrics.hand_box_metric import (HandBoxMetric,
                                                         box_iou)
from egohands.models.detectors.center_targets import (decode_centers,
                                                      encode_center_targets,
                                                      local_peaks)

BOXES = np.array([[10.3, 20.7, 50.2, 61.9],     # left
                  [70.5, 30.1, 121.8, 100.4],   # right
                  [5.0, 90.0, 33.3, 120.6]],    # right
                 np.float32)
SIDES = ['left', 'right', 'right']


def test_encoded_boxes_decode_within_a_pixel_both_sides():
    heatmap, size, offset, mask = encode_center_targets(BOXES, SIDES,
                                                        (16, 16), 8)
    assert mask.sum() == 3 and heatmap.max() == pytest.approx(1.0)
    boxes, scores, sides = decode_centers(
        torch.from_numpy(heatmap), torch.from_numpy(size),
        torch.from_numpy(offset), stride=8, score_thr=0.5, top_k=10)
    assert len(boxes) == 3
    order = [int(np.argmin(np.abs(BOXES - b.numpy()).sum(1))) for b in boxes]
    assert sorted(order) == [0, 1, 2]
    np.testing.assert_allclose(boxes.numpy(), BOXES[order], atol=1.0)
    assert [('left', 'right')[s] for s in sides.tolist()] == \
        [SIDES[i] for i in order]
    np.testing.assert_allclose(scores.numpy(), 1.0, atol=1e-6)


def test_one_peak_per_hand_despite_the_broad_bumps():
    # large hands: Gaussian bumps many cells wide, all above the threshold
    big = np.array([[0, 0, 60, 60], [64, 64, 127, 127]], np.float32)
    heatmap, size, offset, _ = encode_center_targets(big, ['left', 'left'],
                                                     (16, 16), 8)
    assert (heatmap[0] > 0.3).sum() > 10  # many cells pass the threshold
    boxes, scores, sides = decode_centers(
        torch.from_numpy(heatmap), torch.from_numpy(size),
        torch.from_numpy(offset), stride=8, score_thr=0.3)
    assert len(boxes) == 2 and sides.tolist() == [0, 0]
    # a hand-made map: a 3x3 neighbourhood keeps only its maximum
    grid = torch.zeros(1, 5, 5)
    grid[0, 1:4, 1:4] = torch.tensor([[.2, .5, .2], [.5, .9, .6],
                                      [.2, .5, .2]])
    peaks = local_peaks(grid)
    assert (peaks > 0).sum() == 1 and peaks[0, 2, 2] == pytest.approx(0.9)


def test_box_iou_and_metric_on_a_hand_worked_case():
    iou = box_iou([[0, 0, 2, 2]], [[1, 1, 3, 3], [0, 0, 2, 2], [5, 5, 6, 6]])
    np.testing.assert_allclose(iou, [[1 / 7, 1.0, 0.0]], atol=1e-9)
    metric = HandBoxMetric(iou_thr=0.5)
    # image 1 (scaled by 2 in the network input): two hands; one found with
    # the right side, one with the wrong side, one false positive
    metric.process(None, [dict(
        scale_factor=np.array([2.0, 2.0]),
        gt_boxes=torch.tensor([[0., 0, 20, 20], [40, 40, 80, 80]]),
        gt_sides=torch.tensor([0, 1]),
        pred_boxes=torch.tensor([[0., 0, 10, 10], [20, 20, 40, 40],
                                 [100, 100, 110, 110]]),
        pred_scores=torch.tensor([0.9, 0.8, 0.7]),
        pred_sides=torch.tensor([0, 0, 1]))])
    # image 2: one hand missed (prediction IoU 1/7)
    metric.process(None, [dict(
        gt_boxes=torch.tensor([[0., 0, 2, 2]]), gt_sides=torch.tensor([1]),
        pred_boxes=torch.tensor([[1., 1, 3, 3]]),
        pred_scores=torch.tensor([0.5]), pred_sides=torch.tensor([1]))])
    result = metric.compute_metrics(metric.results)
    assert result['box_recall'] == pytest.approx(2 / 3)
    assert result['box_precision'] == pytest.approx(2 / 4)
    assert result['side_accuracy'] == pytest.approx(1 / 2)


def test_image_dataset_groups_the_hands_of_each_image(toy_data_root):
    from egohands.datasets import EgoHandsImageDataset
    pipeline = [dict(type='LoadImage'), dict(type='ResizeImage', size=128),
                dict(type='PackDetectionInputs')]
    dataset = EgoHandsImageDataset(
        ann_file='annotations/val.json', data_root=toy_data_root,
        pipeline=pipeline, test_mode=True)
    content = json.loads((Path(toy_data_root) / 'annotations' /
                          'val.json').read_text())
    with_hands = {a['image_id'] for a in content['annotations']}
    assert len(dataset) == len(with_hands)
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        anns = [a for a in content['annotations']
                if a['image_id'] == info['img_id']]
        np.testing.assert_allclose(
            info['gt_boxes'], [[x, y, x + w, y + h]
                               for x, y, w, h in (a['bbox'] for a in anns)],
            atol=1e-4)
        assert info['gt_sides'] == [a['hand_side'] for a in anns]
    packed = dataset[0]
    assert packed['inputs'].shape == (3, 128, 128)
    sample = packed['data_samples']
    # 64 px toy images letterboxed to 128: every coordinate doubles
    np.testing.assert_allclose(sample.gt_boxes.numpy(),
                               dataset.get_data_info(0)['gt_boxes'] * 2,
                               atol=1e-4)


def test_letterbox_keeps_the_aspect_and_scales_boxes():
    image = np.zeros((30, 60, 3), np.uint8)
    image[:, :30] = 255
    square, scale = letterbox(image, 120)
    np.testing.assert_allclose(scale, [2.0, 2.0])
    assert square[:60, :60].min() == 255 and square[:60, 61:].max() == 0
    assert (square[61:] == 127).all()  # grey border below
    results = ResizeImage(120)(dict(img=image, gt_boxes=[[1., 2, 3, 4]],
                                    gt_sides=['right']))
    np.testing.assert_allclose(results['gt_boxes'], [[2, 4, 6, 8]])
    packed = PackDetectionInputs()(results)
    assert packed['data_samples'].gt_sides.tolist() == [1]
    assert packed['data_samples'].metainfo['ori_shape'] == (30, 60)
