"""keypoint_pck_auc, keypoint_2d_error and acceleration_error: hand-worked
cases and loops over their definitions."""
import numpy as np
import pytest

from egohands.evaluation.functional import (NoValidHandError,
                                            acceleration_error,
                                            keypoint_2d_error,
                                            keypoint_pck_auc, pck_curve)


def _hands_with_errors(errors_mm):
    """(1, J, 3) gt at 0 and pred with the given errors along x."""
    errors_mm = np.asarray(errors_mm, dtype=np.float64)
    pred = np.zeros((1, errors_mm.size, 3))
    pred[0, :, 0] = errors_mm
    return pred, np.zeros_like(pred)


def test_pck_auc_hand_worked():
    # errors 0, 10, 20, 60 mm: PCK = 25 on [0,10), 50 on [10,20), 75 on
    # [20,50]. Exact area 25*10 + 50*10 + 75*30 = 3000; the trapezoid on the
    # 0.5 mm grid adds half a step at each jump (PCK counts errors <= t):
    # (37.5 - 25) * 0.5 + (62.5 - 50) * 0.5 = 12.5 -> 3012.5 / 50 = 60.25
    pred, gt = _hands_with_errors([0, 10, 20, 60])
    assert keypoint_pck_auc(pred, gt) == pytest.approx(60.25)
    pred, gt = _hands_with_errors([0, 0, 0])
    assert keypoint_pck_auc(pred, gt) == pytest.approx(100.0)
    pred, gt = _hands_with_errors([51, 80])
    assert keypoint_pck_auc(pred, gt) == pytest.approx(0.0)
    np.testing.assert_allclose(pck_curve(np.array([0.0, 10, 20, 60]),
                                         np.array([0.0, 9.9, 10, 50])),
                               [25, 25, 50, 75])


def test_pck_auc_matches_explicit_comparison_and_pools_joints():
    rng = np.random.default_rng(0)
    gt = rng.normal(size=(30, 21, 3)) * 50
    pred = gt + rng.normal(size=(30, 21, 3)) * 15
    mask = rng.random((30, 21)) < 0.8
    errors = np.linalg.norm(pred - gt, axis=-1)[mask]
    thresholds = np.linspace(0, 50, 101)
    pck = (errors[:, None] <= thresholds[None]).mean(0) * 100
    expected = np.trapezoid(pck, thresholds) / 50
    assert keypoint_pck_auc(pred, gt, mask) == pytest.approx(expected,
                                                             rel=1e-12)
    # root alignment subtracts the wrist, visible or not
    rel = (pred - pred[:, :1]) - (gt - gt[:, :1])
    errors = np.linalg.norm(rel, axis=-1)[mask]
    pck = (errors[:, None] <= thresholds[None]).mean(0) * 100
    assert keypoint_pck_auc(pred, gt, mask, 'root') == pytest.approx(
        np.trapezoid(pck, thresholds) / 50, rel=1e-12)
    with pytest.raises(NoValidHandError):
        keypoint_pck_auc(pred, gt, np.zeros_like(mask))
    with pytest.raises(ValueError, match='increasing'):
        keypoint_pck_auc(pred, gt, thresholds=[0.0])


def test_keypoint_2d_error_hand_worked():
    gt = np.zeros((2, 2, 2))
    pred = np.array([[[3.0, 4.0], [0.0, 1.0]], [[6.0, 8.0], [9.0, 9.0]]])
    mask = np.array([[True, True], [True, False]])
    # hand 0: (5 + 1) / 2 = 3; hand 1: 10 (second keypoint invisible)
    assert keypoint_2d_error(pred, gt, mask) == pytest.approx(6.5)
    assert keypoint_2d_error(pred, gt) == pytest.approx(
        (3 + (10 + np.sqrt(162)) / 2) / 2)
    with pytest.raises(ValueError, match='D in'):
        keypoint_2d_error(np.zeros((1, 2, 3)), np.zeros((1, 2, 3)))


def test_acceleration_error_hand_worked():
    # one joint moving along x: pred 0, 1, 4, 10 -> second differences
    # 0 - 2 + 4 = 2 (t=1) and 1 - 8 + 10 = 3 (t=2); gt moves at constant
    # speed (second differences 0): errors 2 and 3, mean 2.5 mm/frame^2
    pred = np.zeros((4, 1, 3))
    pred[:, 0, 0] = [0, 1, 4, 10]
    gt = np.zeros((4, 1, 3))
    gt[:, 0, 0] = [0, 1, 2, 3]
    assert acceleration_error(pred, gt) == pytest.approx(2.5)
    # frame 3 invalid: only t=1 (frames 0, 1, 2) counts
    valid = np.array([True, True, True, False])
    assert acceleration_error(pred, gt, valid) == pytest.approx(2.0)
    # two sequences laid end to end: frames 0-2 and frame 3 alone
    assert acceleration_error(pred, gt, segment_ids=[5, 5, 5, 6]) == \
        pytest.approx(2.0)
    with pytest.raises(NoValidHandError, match='at least 3 frames'):
        acceleration_error(pred[:2], gt[:2])
    with pytest.raises(NoValidHandError, match='consecutive'):
        acceleration_error(pred, gt, [True, False, True, True])


def test_acceleration_error_matches_loop_with_joint_validity():
    rng = np.random.default_rng(1)
    pred = rng.normal(size=(2, 9, 5, 3))
    gt = rng.normal(size=(2, 9, 5, 3))
    valid = rng.random((2, 9, 5)) < 0.85
    total, count = 0.0, 0
    for b in range(2):
        for t in range(1, 8):
            for k in range(5):
                if valid[b, t - 1:t + 2, k].all():
                    acc_p = pred[b, t - 1, k] - 2 * pred[b, t, k] + pred[
                        b, t + 1, k]
                    acc_g = gt[b, t - 1, k] - 2 * gt[b, t, k] + gt[b, t + 1, k]
                    total += np.linalg.norm(acc_p - acc_g)
                    count += 1
    assert acceleration_error(pred, gt, valid) == pytest.approx(total / count,
                                                                rel=1e-12)
    # per-frame validity broadcasts over joints
    frame_valid = valid.all(-1)
    assert acceleration_error(pred, gt, frame_valid) == pytest.approx(
        acceleration_error(pred, gt, np.repeat(frame_valid[..., None], 5, -1)))
    with pytest.raises(ValueError, match='valid must be'):
        acceleration_error(pred, gt, valid[..., :3])
