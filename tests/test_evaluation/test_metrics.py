"""Registered metrics fed with hand-made HandDataSample dicts, compared with
hand-worked numbers and with the functional definitions."""
import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator

from egohands.evaluation.functional import (acceleration_error,
                                            keypoint_mpjpe, keypoint_mrrpe,
                                            keypoint_pck_auc)
from egohands.evaluation.metrics import (AccelerationErrorMetric,
                                         HandKeypoint3DMetric)
from egohands.geometry import (apply_affine_2d, flip_matrix_2d,
                               flip_points_3d, get_affine_matrix,
                               swap_hand_side)
from egohands.registry import METRICS
from egohands.structures import HandDataSample
from egohands.utils.errors import ConfigError


def make_sample(pred, gt, valid=None, *, side='right', flip='none',
                img_id=0, absolute=True, as_dict=True, **metainfo):
    """A packed sample: GT in the (possibly flipped) input frame, the
    prediction in the original frame, as the estimator leaves it."""
    gt = np.asarray(gt, dtype=np.float32)
    valid = np.ones(len(gt)) if valid is None else valid
    sample = HandDataSample(metainfo=dict(
        img_id=img_id, orig_hand_side=side, flip=flip,
        hand_side=swap_hand_side(side, flip), **metainfo))
    sample.gt_joints_3d = torch.from_numpy(flip_points_3d(gt, flip))
    sample.gt_joints_valid = torch.as_tensor(valid, dtype=torch.float32)
    sample.pred_joints_3d = torch.as_tensor(pred, dtype=torch.float32)
    sample.pred_joints_absolute = absolute
    return sample.to_dict() if as_dict else sample


def evaluate(metric, samples):
    metric.process(None, samples)
    return metric.evaluate(len(samples))


def _random_joints(rng, n):
    return rng.normal(size=(n, 21, 3)) * 40 + [0, 0, 500]


def test_hand_worked_two_hands_of_one_image():
    # integer mm: exact in float32, so the translation-only errors are 0
    gt_right, gt_left = np.random.default_rng(0).integers(
        -60, 60, size=(2, 21, 3)) + np.array([0, 0, 500])
    offset = np.array([3.0, 4.0, 0.0])  # |offset| = 5 mm
    samples = [
        # the right hand was flipped into a left-looking input
        make_sample(gt_right + offset, gt_right, side='right',
                    flip='horizontal'),
        make_sample(gt_left, gt_left, side='left', flip='vertical'),
    ]
    metrics = evaluate(HandKeypoint3DMetric(), samples)
    assert set(metrics) == {'mpjpe', 'mpjpe_abs', 'pa_mpjpe', 'pck_auc',
                            'mrrpe'}
    assert metrics['mpjpe'] == pytest.approx(0, abs=1e-4)  # a translation
    assert metrics['pa_mpjpe'] == pytest.approx(0, abs=1e-3)
    assert metrics['pck_auc'] == pytest.approx(100)
    assert metrics['mpjpe_abs'] == pytest.approx((5 + 0) / 2, rel=1e-5)
    # pred L - R = gt_L - gt_R - offset: MRRPE = |offset| = 5
    assert metrics['mrrpe'] == pytest.approx(5, rel=1e-5)


def test_matches_functional_on_random_flipped_samples():
    rng = np.random.default_rng(1)
    n = 12
    gt = _random_joints(rng, n)
    pred = gt + rng.normal(size=gt.shape) * 8
    valid = rng.random((n, 21)) < 0.8
    flips = rng.choice(['none', 'horizontal', 'vertical'], size=n)
    sides = np.array(['left', 'right'] * (n // 2))
    img_ids = np.repeat(np.arange(n // 2), 2)
    img_ids[-1] = 99  # the last image keeps only its left hand: no pair
    samples = [
        make_sample(pred[i], gt[i], valid[i], side=sides[i], flip=flips[i],
                    img_id=int(img_ids[i])) for i in range(n)
    ]
    metrics = evaluate(HandKeypoint3DMetric(), samples)
    gt32 = gt.astype(np.float32).astype(np.float64)  # samples hold float32
    pred32 = pred.astype(np.float32).astype(np.float64)
    expected = dict(
        mpjpe=keypoint_mpjpe(pred32, gt32, valid, 'root'),
        mpjpe_abs=keypoint_mpjpe(pred32, gt32, valid, 'none'),
        pa_mpjpe=keypoint_mpjpe(pred32, gt32, valid, 'procrustes'),
        pck_auc=keypoint_pck_auc(pred32, gt32, valid, 'root'))
    pairs = [(i, i + 1) for i in range(0, n - 2, 2)
             if valid[i, 0] and valid[i + 1, 0]]
    left, right = np.array(pairs).T
    expected['mrrpe'] = keypoint_mrrpe(pred32[left, 0], pred32[right, 0],
                                       gt32[left, 0], gt32[right, 0])
    assert metrics.keys() == expected.keys()
    for key, value in expected.items():
        assert metrics[key] == pytest.approx(value, rel=1e-9), key
    # without un-flipping the GT the numbers would differ
    assert keypoint_mpjpe(
        pred32, np.stack([flip_points_3d(g, f) for g, f in zip(gt32, flips)]),
        valid, 'none') > 2 * metrics['mpjpe_abs']


def test_relative_predictions_give_no_absolute_metrics():
    rng = np.random.default_rng(2)
    gt = _random_joints(rng, 2)
    samples = [make_sample(gt[0] - gt[0, 0], gt[0], side='left'),
               make_sample(gt[1] - gt[1, 0], gt[1], absolute=False)]
    metrics = evaluate(HandKeypoint3DMetric(), samples)
    assert set(metrics) == {'mpjpe', 'pa_mpjpe', 'pck_auc'}
    assert metrics['mpjpe'] == pytest.approx(0, abs=1e-4)


def test_keypoint_2d_error_in_full_image_pixels():
    rng = np.random.default_rng(3)
    gt = _random_joints(rng, 2)
    full_px = rng.uniform(100, 300, size=(2, 21, 2))
    samples = []
    for i, flip in enumerate(['horizontal', 'none']):
        crop_from_img = get_affine_matrix(np.array([200.0, 200.0]),
                                          np.array([250.0, 250.0]), 30.0 * i,
                                          (128, 96))
        crop_from_img = flip_matrix_2d(flip, 128, 96) @ crop_from_img
        sample = make_sample(gt[i], gt[i], flip=flip, as_dict=False,
                             crop_from_img=crop_from_img)
        sample.gt_keypoints_2d = torch.from_numpy(
            apply_affine_2d(full_px[i], crop_from_img))
        valid = np.ones(21)
        valid[5:] = i  # hand 0: only 5 visible keypoints
        sample.gt_keypoints_2d_valid = torch.from_numpy(valid)
        error = np.zeros((21, 2))
        error[:5] = [3.0, 4.0]  # 5 px on the first five keypoints
        sample.pred_keypoints_2d = torch.from_numpy(full_px[i] + error)
        samples.append(sample.to_dict())
    metrics = evaluate(HandKeypoint3DMetric(), samples)
    # hand 0: 5 px on its 5 visible keypoints; hand 1: 5 * 5 / 21
    assert metrics['kp2d_error'] == pytest.approx((5 + 25 / 21) / 2,
                                                  rel=1e-5)


def test_evaluator_with_registry_and_prefix():
    rng = np.random.default_rng(4)
    gt = _random_joints(rng, 3)
    evaluator = Evaluator([
        dict(type='HandKeypoint3DMetric', prefix='val', _scope_='egohands')
    ])
    evaluator.process([make_sample(g + 1, g, as_dict=False, img_id=i)
                       for i, g in enumerate(gt)])
    metrics = evaluator.evaluate(3)
    assert metrics['val/mpjpe_abs'] == pytest.approx(np.sqrt(3), rel=1e-5)
    assert isinstance(METRICS.build(dict(type='HandKeypoint3DMetric')),
                      HandKeypoint3DMetric)


def test_user_errors_are_one_line_config_errors():
    gt = np.zeros((21, 3))
    sample = make_sample(gt, gt, img_path='a.jpg')
    del sample['pred_joints_3d']
    with pytest.raises(ConfigError, match="'pred_joints_3d'.*a.jpg"):
        HandKeypoint3DMetric().process(None, [sample])
    with pytest.raises(ConfigError, match='no.* valid 3D joint|none of the'):
        evaluate(HandKeypoint3DMetric(), [make_sample(gt, gt, np.zeros(21))])


def _trajectory_samples(rng, sequence, side, frames, frame_offset=0.0):
    gt = _random_joints(rng, len(frames))
    pred = gt + rng.normal(size=gt.shape) * 3
    samples = [make_sample(pred[t], gt[t], side=side, sequence=sequence,
                           frame=int(f),
                           flip='horizontal' if t % 2 else 'none')
               for t, f in enumerate(frames)]
    return samples, pred, gt


def test_acceleration_metric_hand_worked():
    # wrist still; the 20 other joints move along x by 0, 1, 4, 10 in the
    # prediction and at constant speed in the GT: errors 2 (t=1), 3 (t=2)
    # on 20 of 21 joints -> (20 * 2 + 20 * 3) / (2 * 21)
    gt = np.zeros((4, 21, 3))
    gt[:, 1:, 0] = np.array([0, 1, 2, 3])[:, None]
    pred = np.zeros((4, 21, 3))
    pred[:, 1:, 0] = np.array([0, 1, 4, 10])[:, None]
    samples = [make_sample(pred[t], gt[t], sequence='s', frame=10 * t)
               for t in (2, 0, 3, 1)]
    metric = AccelerationErrorMetric(frame_step=10)
    assert evaluate(metric, samples)['accel_error'] == pytest.approx(100 / 42)
    with pytest.raises(ConfigError, match='frame_step'):
        evaluate(AccelerationErrorMetric(), samples)  # frames 10 apart


def test_acceleration_metric_groups_orders_and_splits_at_gaps():
    rng = np.random.default_rng(5)
    parts = [
        _trajectory_samples(rng, 'seq_a', 'right', range(0, 6)),
        _trajectory_samples(rng, 'seq_a', 'left', range(0, 5)),
        # a gap after frame 3: segments 0-3 and 7-10
        _trajectory_samples(rng, 'seq_b', 'right', [0, 1, 2, 3, 7, 8, 9, 10]),
    ]
    samples = [s for part in parts for s in part[0]]
    order = rng.permutation(len(samples))
    metric = AccelerationErrorMetric()
    value = evaluate(metric, [samples[i] for i in order])['accel_error']
    # expected: every contiguous piece in order, root-relative, end to end
    pieces = [(parts[0][1], parts[0][2]), (parts[1][1], parts[1][2]),
              (parts[2][1][:4], parts[2][2][:4]),
              (parts[2][1][4:], parts[2][2][4:])]
    # the samples hold float32; the metric computes in float64
    pred = np.concatenate([p for p, _ in pieces]).astype(np.float32) * 1.0
    gt = np.concatenate([g for _, g in pieces]).astype(np.float32)
    pred, gt = pred.astype(float), gt.astype(float)
    ids = np.concatenate([[i] * len(p) for i, (p, _) in enumerate(pieces)])
    expected = acceleration_error(pred - pred[:, :1], gt - gt[:, :1],
                                  segment_ids=ids)
    assert value == pytest.approx(expected, rel=1e-9)


def test_acceleration_metric_config_errors():
    gt = np.zeros((21, 3))
    with pytest.raises(ConfigError, match="'sequence'"):
        AccelerationErrorMetric().process(None, [make_sample(gt, gt, frame=0)])
    samples = [make_sample(gt, gt, sequence='s', frame=t, absolute=False)
               for t in range(3)]
    with pytest.raises(ConfigError, match="alignment='root'"):
        evaluate(AccelerationErrorMetric(alignment='none'), samples)
    with pytest.raises(ConfigError, match='alignment must be'):
        AccelerationErrorMetric(alignment='procrustes')


def test_left_right_pairs_need_exactly_one_usable_hand_per_side():
    from egohands.evaluation.metrics.hand_keypoint_3d_metric import \
        left_right_pairs

    # image 1: one pair; image 2: two right hands (ambiguous, skipped);
    # image 3: left only; image 4: a pair with an unusable right hand
    img_ids = [1, 1, 2, 2, 2, 3, 4, 4]
    sides = np.array(['left', 'right', 'left', 'right', 'right', 'left',
                      'right', 'left'])
    usable = np.array([True] * 6 + [False, True])
    left, right = left_right_pairs(img_ids, sides, usable)
    np.testing.assert_array_equal(left, [0])
    np.testing.assert_array_equal(right, [1])
