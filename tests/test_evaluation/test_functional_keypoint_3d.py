"""keypoint_mpjpe / keypoint_mrrpe against hand-worked cases, a per-hand
loop of the official EgoExo4D formula, and scipy's orthogonal_procrustes."""
import numpy as np
import pytest
from scipy.linalg import orthogonal_procrustes
from scipy.spatial.transform import Rotation

from egohands.evaluation.functional import (NoValidHandError, keypoint_errors,
                                            keypoint_mpjpe, keypoint_mrrpe)


def _official_p_mpjpe(pred, gt):
    """EgoExo4D's p_mpjpe for one hand (row vectors), from its formula."""
    mu_x, mu_y = gt.mean(0), pred.mean(0)
    x0, y0 = gt - mu_x, pred - mu_y
    norm_x, norm_y = np.sqrt((x0**2).sum()), np.sqrt((y0**2).sum())
    x0, y0 = x0 / norm_x, y0 / norm_y
    u, s, vt = np.linalg.svd(x0.T @ y0)
    v = vt.T
    r = v @ u.T
    if np.linalg.det(r) < 0:
        v[:, -1] *= -1
        s[-1] *= -1
        r = v @ u.T
    a = s.sum() * norm_x / norm_y
    t = mu_x - a * mu_y @ r
    return np.linalg.norm(a * pred @ r + t - gt, axis=-1).mean()


def _official_loop(pred, gt, mask, alignment):
    """EgoExo4D evaluate.py, one hand at a time."""
    per_hand = []
    for p, g, v in zip(pred, gt, mask):
        if alignment == 'root':
            p, g = p - p[0], g - g[0]  # the wrist, visible or not
        if not v.any():
            continue
        if alignment == 'procrustes':
            per_hand.append(_official_p_mpjpe(p[v], g[v]))
        else:
            per_hand.append(np.linalg.norm(p[v] - g[v], axis=-1).mean())
    return np.mean(per_hand)


def _random_hands(seed, n=40):
    rng = np.random.default_rng(seed)
    gt = rng.normal(size=(n, 21, 3)) * 40 + [0, 0, 500]
    rotations = Rotation.random(n, random_state=seed).as_matrix()
    pred = np.einsum('nij,nkj->nki', rotations, gt - gt.mean(1, keepdims=True))
    pred = pred * rng.uniform(0.8, 1.2, (n, 1, 1)) + rng.normal(
        size=(n, 21, 3)) * 10 + rng.normal(size=(n, 1, 3)) * 30
    mask = rng.random((n, 21)) < 0.7
    mask[:, :4] |= rng.random((n, 4)) < 0.9  # most hands: >= 4 visible
    mask[mask.sum(1) < 4, :4] = True
    mask[::7, 0] = False  # some hands without a visible wrist
    mask[3] = False  # one hand without any visible joint
    return pred, gt, mask


def test_hand_worked_case():
    gt = np.zeros((3, 3, 3))
    pred = np.zeros((3, 3, 3))
    mask = np.array([[1, 1, 0], [1, 1, 1], [0, 0, 0]], dtype=bool)
    pred[0, 0] = [3, 4, 0]  # error 5
    pred[0, 1] = [0, 0, 2]  # error 2
    pred[0, 2] = [1, 0, 0]  # invisible
    pred[1, 1] = [6, 8, 0]  # error 10; joints 0 and 2 exact
    pred[2] = 100  # hand without visible joints: ignored
    # hand 0: (5 + 2) / 2 = 3.5; hand 1: 10 / 3; mean: 41 / 12
    assert keypoint_mpjpe(pred, gt, mask) == pytest.approx(41 / 12)
    # root: hand 0 joint 1 becomes (0,0,2) - (3,4,0) = (-3,-4,2), |.| =
    # sqrt(29), joint 0 error 0 -> sqrt(29) / 2; hand 1 wrist is 0 -> 10 / 3
    assert keypoint_mpjpe(pred, gt, mask, 'root') == pytest.approx(
        (np.sqrt(29) / 2 + 10 / 3) / 2)
    # an invisible wrist is still the root, but its error does not count:
    # hand 0 keeps only joint 1, sqrt(29); hand 1 stays 10 / 3
    mask[0, 0] = False
    assert keypoint_mpjpe(pred, gt, mask, 'root') == pytest.approx(
        (np.sqrt(29) + 10 / 3) / 2)
    assert keypoint_mpjpe(pred, gt, mask) == pytest.approx((2 + 10 / 3) / 2)


@pytest.mark.parametrize('alignment', ['none', 'root', 'procrustes'])
def test_matches_the_official_per_hand_loop(alignment):
    for seed in range(3):
        pred, gt, mask = _random_hands(seed)
        expected = _official_loop(pred, gt, mask, alignment)
        assert keypoint_mpjpe(pred, gt, mask, alignment) == pytest.approx(
            expected, rel=1e-6)


def test_procrustes_matches_scipy_orthogonal_procrustes():
    # FreiHAND-style alignment via scipy; no reflection in these cases
    pred, gt, mask = _random_hands(7, n=12)
    per_hand = []
    for p, g, v in zip(pred, gt, mask):
        if not v.any():
            continue
        p, g = p[v], g[v]
        p_c, g_c = p - p.mean(0), g - g.mean(0)
        s_p, s_g = np.linalg.norm(p_c), np.linalg.norm(g_c)
        omega, scale = orthogonal_procrustes(g_c / s_g, p_c / s_p)
        assert np.linalg.det(omega) > 0
        aligned = (p_c / s_p) @ omega.T * scale * s_g + g.mean(0)
        per_hand.append(np.linalg.norm(aligned - g, axis=-1).mean())
    assert keypoint_mpjpe(pred, gt, mask, 'procrustes') == pytest.approx(
        np.mean(per_hand), rel=1e-6)


def test_procrustes_ignores_any_similarity_of_the_prediction():
    pred, gt, mask = _random_hands(8, n=10)
    moved = 2.5 * pred @ Rotation.random(random_state=1).as_matrix().T + 70
    assert keypoint_mpjpe(moved, gt, mask, 'procrustes') == pytest.approx(
        keypoint_mpjpe(pred, gt, mask, 'procrustes'), rel=1e-9)
    assert keypoint_mpjpe(gt * 3 + 1, gt, mask, 'procrustes') < 1e-9


def test_invisible_joints_may_hold_nan():
    pred, gt, mask = _random_hands(9, n=10)
    dirty_pred, dirty_gt = pred.copy(), gt.copy()
    hidden = ~mask
    hidden[:, 0] = False  # the wrist is the root even when invisible
    dirty_pred[hidden] = np.nan
    dirty_gt[hidden] = np.nan
    for alignment in ('none', 'root', 'procrustes'):
        assert keypoint_mpjpe(dirty_pred, dirty_gt, mask, alignment) == \
            pytest.approx(keypoint_mpjpe(pred, gt, mask, alignment))


def test_errors_and_bad_input():
    pred = np.zeros((2, 21, 3))
    with pytest.raises(NoValidHandError, match='visible joint'):
        keypoint_mpjpe(pred, pred, np.zeros((2, 21), bool))
    with pytest.raises(ValueError, match='visible joint'):  # a ValueError
        keypoint_mpjpe(pred, pred, np.zeros((2, 21), bool), 'procrustes')
    with pytest.raises(ValueError, match='alignment must be one of'):
        keypoint_mpjpe(pred, pred, alignment='scale')
    with pytest.raises(ValueError, match='mask must be'):
        keypoint_mpjpe(pred, pred, np.ones((2, 20), bool))
    with pytest.raises(ValueError, match=r'\(N, K, D\)'):
        keypoint_mpjpe(pred, pred[:, :, :2])
    errors, counted = keypoint_errors(pred + [3, 4, 0], pred)
    np.testing.assert_allclose(errors, 5)
    assert counted.all()


def test_mrrpe_hand_worked():
    # image 0: pred L-R = (10,0,0), gt L-R = (7,4,0): error |(3,-4,0)| = 5
    # image 1: right hand invalid, skipped
    # image 2: pred L-R = (1,1,1) - (1,1,0) = (0,0,1), gt (0,0,0): error 1
    pred_left = np.array([[10.0, 0, 0], [5, 5, 5], [1, 1, 1]])
    pred_right = np.array([[0.0, 0, 0], [0, 0, 0], [1, 1, 0]])
    gt_left = np.array([[7.0, 4, 0], [0, 0, 0], [2, 2, 2]])
    gt_right = np.array([[0.0, 0, 0], [0, 0, 0], [2, 2, 2]])
    right_valid = np.array([True, False, True])
    assert keypoint_mrrpe(pred_left, pred_right, gt_left, gt_right,
                          right_valid=right_valid) == pytest.approx(3.0)
    with pytest.raises(NoValidHandError):
        keypoint_mrrpe(pred_left, pred_right, gt_left, gt_right,
                       left_valid=np.zeros(3, bool))
