"""WildHands' metrics (ARCTIC protocol): first-valid root, per-frame
averaging, PA-MPJPE, MRRPE and the 224-frame 2D error.

The vectorised definitions of ``arctic_protocol`` are checked against
loops written from the reference definitions (ap229997/hands
``src/utils/eval_modules.py``: joints in MANO+tips order, mask, subtract the
first kept joint; 3DPW similarity Procrustes by SVD with the reflection
fix; per-frame NaN-mean over hands, then over frames) on random data, and
against hand-worked cases.
"""
import math

import numpy as np
import pytest
import torch

from egohands.evaluation.functional import (first_valid_root, frame_mean,
                                            hand_errors,
                                            pixel_error_in_frame)
from egohands.geometry.joint_orders import MANO_TO_CANONICAL, from_canonical
from egohands.registry import METRICS
from egohands.structures import HandDataSample


# -- reference loops --------------------------------------------------------
def loop_root_relative(pred, gt, valid):
    """Per hand: to MANO order, keep valid joints, subtract the first."""
    out = []
    for p, g, v in zip(pred, gt, valid):
        p_mano = from_canonical(p, MANO_TO_CANONICAL)
        g_mano = from_canonical(g, MANO_TO_CANONICAL)
        v_mano = from_canonical(v[:, None].astype(float),
                                MANO_TO_CANONICAL)[:, 0] > 0
        kept_p, kept_g = p_mano[v_mano], g_mano[v_mano]
        if len(kept_g) == 0:
            out.append(math.nan)
            continue
        kept_p = kept_p - kept_p[0]
        kept_g = kept_g - kept_g[0]
        out.append(float(np.mean([np.sqrt(((a - b) ** 2).sum())
                                  for a, b in zip(kept_p, kept_g)])))
    return np.array(out)


def loop_procrustes(pred, gt, valid):
    """Per hand: similarity (3DPW formula, reflection fixed) on valid."""
    out = []
    for p, g, v in zip(pred, gt, valid):
        if not v.any():
            out.append(math.nan)
            continue
        S1, S2 = p[v].T, g[v].T  # 3 x n
        mu1, mu2 = S1.mean(1, keepdims=True), S2.mean(1, keepdims=True)
        X1, X2 = S1 - mu1, S2 - mu2
        U, _, Vh = np.linalg.svd(X1 @ X2.T)
        Z = np.eye(3)
        Z[2, 2] = np.sign(np.linalg.det(U @ Vh))
        R = Vh.T @ Z @ U.T
        scale = np.trace(R @ X1 @ X2.T) / (X1 ** 2).sum()
        aligned = scale * R @ S1 + (mu2 - scale * R @ mu1)
        out.append(float(np.sqrt(((aligned - S2) ** 2).sum(0)).mean()))
    return np.array(out)


def loop_frame_mean(values, frames):
    groups = {}
    for value, frame in zip(values, frames):
        groups.setdefault(frame, []).append(value)
    per_frame = []
    for hands in groups.values():
        finite = [h for h in hands if not math.isnan(h)]
        if finite:
            per_frame.append(sum(finite) / len(finite))
    return sum(per_frame) / len(per_frame)


def random_case(seed, n=40):
    rng = np.random.default_rng(seed)
    gt = rng.normal(0, 40, (n, 21, 3)) + [0, 0, 500]
    pred = gt + rng.normal(0, 8, (n, 21, 3))
    valid = rng.random((n, 21)) > 0.3
    valid[:3] = False  # hands without any valid joint
    valid[3:8, 0] = False  # wrist invalid: another joint is the root
    return pred, gt, valid


# -- functional definitions ----------------------------------------------
def test_first_valid_root_hand_worked():
    valid = np.zeros((4, 21), bool)
    valid[0] = True  # wrist valid: root 0 in any order
    valid[1, [1, 5, 9]] = True  # thumb1, index1, middle1
    valid[2, [4, 20]] = True  # thumb tip, pinky tip
    # MANO+tips order: wrist, index1-3, middle1-3, ... thumb1-3, tips
    # thumb, index, middle, ring, pinky
    np.testing.assert_array_equal(first_valid_root(valid), [0, 5, 4, -1])
    np.testing.assert_array_equal(
        first_valid_root(valid, search_order=range(21)), [0, 1, 4, -1])


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_root_relative_matches_the_reference_loop(seed):
    pred, gt, valid = random_case(seed)
    np.testing.assert_allclose(
        hand_errors(pred, gt, valid, 'first_valid_root'),
        loop_root_relative(pred, gt, valid), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize('seed', [0, 1])
def test_procrustes_matches_the_3dpw_loop(seed):
    pred, gt, valid = random_case(seed)
    valid[8:12] = False
    valid[8:12, :3] = True  # three joints: still a well-posed fit
    np.testing.assert_allclose(hand_errors(pred, gt, valid, 'procrustes'),
                               loop_procrustes(pred, gt, valid), rtol=1e-6,
                               atol=1e-6)


def test_frame_mean_matches_the_loop():
    rng = np.random.default_rng(3)
    values = rng.random(50) * 30
    values[rng.random(50) < 0.2] = np.nan
    frames = rng.integers(0, 20, 50).tolist()
    assert frame_mean(values, frames) == pytest.approx(
        loop_frame_mean(values, frames), rel=1e-12)
    # a frame of two hands weighs as much as a frame of one
    assert frame_mean([10.0, 30.0, 50.0], ['a', 'a', 'b']) == \
        pytest.approx((20.0 + 50.0) / 2)


def test_pixel_error_matches_a_pooled_loop():
    rng = np.random.default_rng(4)
    pred = rng.random((6, 21, 2)) * 1900
    gt = pred + rng.normal(0, 20, (6, 21, 2))
    valid = rng.random((6, 21)) > 0.4
    sizes = np.array([[1080, 1920]] * 3 + [[720, 1280]] * 3)
    errors = []
    for p, g, v, (h, w) in zip(pred, gt, valid, sizes):
        for j in range(21):
            if v[j]:
                errors.append(np.hypot(*(p[j] - g[j])) * 224 / max(h, w))
    assert pixel_error_in_frame(pred, gt, valid, sizes) == pytest.approx(
        np.mean(errors), rel=1e-12)
    # hand-worked: 96 px in a 1920-wide frame is 96 * 224 / 1920 = 11.2 px
    one = np.zeros((1, 21, 2))
    shifted = one + [96.0, 0.0]
    assert pixel_error_in_frame(shifted, one, np.ones((1, 21)),
                                [[1080, 1920]]) == pytest.approx(11.2)


# -- the registered metric ------------------------------------------------
def sample(pred, gt, valid, side, img_id, kp_pred=None, kp_gt=None):
    data = HandDataSample(metainfo=dict(
        img_id=img_id, orig_hand_side=side, hand_side=side, flip='none',
        dataset_name='epic', img_shape=(1080, 1920),
        crop_from_img=np.eye(3, dtype=np.float32)))
    data.gt_joints_3d = torch.as_tensor(gt, dtype=torch.float32)
    data.gt_joints_valid = torch.as_tensor(valid, dtype=torch.float32)
    data.pred_joints_3d = torch.as_tensor(pred, dtype=torch.float32)
    data.pred_joints_absolute = True
    if kp_pred is not None:
        data.pred_keypoints_2d = torch.as_tensor(kp_pred)
        data.gt_keypoints_2d = torch.as_tensor(kp_gt, dtype=torch.float32)
        data.gt_keypoints_2d_valid = torch.ones(21)
    return data.to_dict()


def test_mrrpe_hand_worked():
    rng = np.random.default_rng(5)
    shape = rng.integers(-50, 50, (21, 3)).astype(float)
    shape[0] = 0  # joints relative to the wrist
    gt_left, gt_right = shape + [100, 0, 500], shape + [-100, 0, 500]
    pred_left, pred_right = shape + [110, 10, 520], shape + [-90, 0, 480]
    # (L - R)_gt = (200, 0, 0); (L - R)_pred = (200, 10, 40)
    metric = METRICS.build(dict(type='WildHandsMetric'))
    metric.process(None, [sample(pred_left, gt_left, np.ones(21), 'left', 1),
                          sample(pred_right, gt_right, np.ones(21), 'right',
                                 1)])
    result = metric.evaluate(2)
    assert result['mrrpe'] == pytest.approx(math.sqrt(10 ** 2 + 40 ** 2),
                                            abs=1e-4)
    assert result['mpjpe_ra'] == pytest.approx(0.0, abs=1e-4)
    # absolute: left off by |(10, 10, 20)|, right by |(10, 0, -20)|
    assert result['mpjpe_abs'] == pytest.approx(
        (math.sqrt(600) + math.sqrt(500)) / 2, abs=1e-4)


def test_registered_metric_matches_the_reference_loops():
    pred, gt, valid = random_case(6, n=30)
    frames = [i // 2 for i in range(30)]  # two hands per frame
    sides = ['left', 'right'] * 15
    rng = np.random.default_rng(6)
    kp_gt = rng.random((30, 21, 2)) * 1000
    kp_pred = kp_gt + rng.normal(0, 15, (30, 21, 2))
    metric = METRICS.build(dict(type='WildHandsMetric'))
    metric.process(None, [sample(*args) for args in zip(
        pred, gt, valid, sides, frames, kp_pred, kp_gt)])
    result = metric.evaluate(30)
    keys = [('epic', f) for f in frames]
    assert result['mpjpe_ra'] == pytest.approx(loop_frame_mean(
        loop_root_relative(pred, gt, valid), keys), rel=1e-5)
    assert result['pa_mpjpe'] == pytest.approx(loop_frame_mean(
        loop_procrustes(pred, gt, valid), keys), rel=1e-5)
    pairs = [(2 * f, 2 * f + 1) for f in range(15)
             if valid[2 * f, 0] and valid[2 * f + 1, 0]]
    assert pairs
    mrrpe = np.mean([np.linalg.norm((pred[l, 0] - pred[r, 0]) -
                                    (gt[l, 0] - gt[r, 0])) for l, r in pairs])
    assert result['mrrpe'] == pytest.approx(mrrpe, rel=1e-5)
    pix = np.mean(np.linalg.norm(kp_pred - kp_gt, axis=-1)) * 224 / 1920
    assert result['pix_err'] == pytest.approx(pix, rel=1e-5)


def test_two_hand_samples_pair_their_hands():
    """A two-hand sample (per-hand samples ``right`` / ``left``, as the
    WildHands estimator gives) is one frame; an absent hand is skipped."""
    rng = np.random.default_rng(7)
    shape = rng.integers(-50, 50, (21, 3)).astype(float)
    shape[0] = 0
    per_hand = [sample(shape + [110, 10, 520], shape + [100, 0, 500],
                       np.ones(21), 'left', None),
                sample(shape + [-90, 0, 480], shape + [-100, 0, 500],
                       np.ones(21), 'right', None)]
    absent = sample(shape, shape + 7, np.ones(21), 'left', None)
    absent['hand_present'] = False
    frames = [dict(img_path='a.jpg', dataset_name='x', left=per_hand[0],
                   right=per_hand[1]),
              dict(img_path='b.jpg', dataset_name='x', left=absent,
                   right=per_hand[1])]
    metric = METRICS.build(dict(type='WildHandsMetric'))
    metric.process(None, frames)
    result = metric.evaluate(2)
    assert result['mrrpe'] == pytest.approx(math.sqrt(10 ** 2 + 40 ** 2),
                                            abs=1e-4)
    # frame a: mean of left |(10,10,20)| and right |(10,0,-20)|; frame b:
    # its right hand only
    expected = ((math.sqrt(600) + math.sqrt(500)) / 2 + math.sqrt(500)) / 2
    assert result['mpjpe_abs'] == pytest.approx(expected, abs=1e-4)
