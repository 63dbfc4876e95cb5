"""Similarity Procrustes against scipy, a reference formula and subsets."""
import numpy as np
import pytest
import torch
from scipy.linalg import orthogonal_procrustes
from scipy.spatial.transform import Rotation

from egohands.geometry import apply_similarity, similarity_procrustes


def test_recovers_a_known_similarity_exactly():
    rng = np.random.default_rng(0)
    source = rng.normal(size=(4, 21, 3)) * 50
    rotation = Rotation.random(4, random_state=1).as_matrix()
    scale = np.array([0.5, 1.0, 2.0, 3.3])
    translation = rng.normal(size=(4, 3)) * 100
    target = (scale[:, None, None] * source @ rotation.transpose(0, 2, 1) +
              translation[:, None])
    result = similarity_procrustes(source, target)
    np.testing.assert_allclose(result.aligned, target, atol=1e-9)
    np.testing.assert_allclose(result.transform.scale, scale, rtol=1e-12)
    np.testing.assert_allclose(result.transform.rotation, rotation,
                               atol=1e-12)
    np.testing.assert_allclose(result.transform.translation, translation,
                               atol=1e-9)
    np.testing.assert_allclose(apply_similarity(source, result.transform),
                               result.aligned)


def test_matches_scipy_orthogonal_procrustes_without_reflection():
    # FreiHAND's align_w_scale: normalise, orthogonal_procrustes, rescale
    rng = np.random.default_rng(2)
    for _ in range(10):
        gt = rng.normal(size=(21, 3)) * 40
        pred = gt @ Rotation.random(random_state=rng).as_matrix().T * 1.3 + \
            rng.normal(size=(21, 3)) * 8 + 5
        t_gt, t_pred = gt.mean(0), pred.mean(0)
        s_gt, s_pred = np.linalg.norm(gt - t_gt), np.linalg.norm(pred - t_pred)
        gt_n, pred_n = (gt - t_gt) / s_gt, (pred - t_pred) / s_pred
        omega, s = orthogonal_procrustes(gt_n, pred_n)
        assert np.linalg.det(omega) > 0  # no reflection in this case
        expected = (pred_n @ omega.T) * s * s_gt + t_gt
        aligned = similarity_procrustes(pred, gt).aligned
        np.testing.assert_allclose(aligned, expected, atol=1e-9)


def _cost(source, target, scale, rotation, translation):
    return ((scale * source @ rotation.T + translation - target)**2).sum()


def test_never_reflects_and_is_optimal_among_proper_rotations():
    rng = np.random.default_rng(3)
    source = rng.normal(size=(21, 3))
    target = source * np.array([-1.0, 1.0, 1.0]) * 1.7  # a mirror image
    scale, rotation, translation = similarity_procrustes(source,
                                                         target).transform
    assert np.linalg.det(rotation) == pytest.approx(1.0)
    best = _cost(source, target, scale, rotation, translation)
    assert best > 0.1  # no proper similarity reaches a 3D mirror image
    # no nearby proper rotation, scale or translation does better
    for _ in range(200):
        turn = Rotation.from_rotvec(rng.normal(size=3) * 0.05).as_matrix()
        s = scale * (1 + rng.normal() * 0.05)
        t = translation + rng.normal(size=3) * 0.05
        assert _cost(source, target, s, turn @ rotation, t) >= best - 1e-12


def test_zero_weights_equal_fitting_the_subset():
    rng = np.random.default_rng(4)
    source = rng.normal(size=(5, 21, 3))
    target = rng.normal(size=(5, 21, 3))
    mask = rng.random(size=(5, 21)) < 0.6
    mask[:, :3] = True  # at least three points per set
    result = similarity_procrustes(source, target, mask)
    for i in range(5):
        subset = similarity_procrustes(source[i][mask[i]], target[i][mask[i]])
        np.testing.assert_allclose(result.aligned[i][mask[i]], subset.aligned,
                                   atol=1e-10)
        np.testing.assert_allclose(result.transform.rotation[i],
                                   subset.transform.rotation, atol=1e-10)


def test_weighted_fit_equals_repeated_points():
    # integer weights are the same as repeating points
    rng = np.random.default_rng(5)
    source, target = rng.normal(size=(8, 3)), rng.normal(size=(8, 3))
    weights = np.array([1, 2, 3, 1, 1, 2, 1, 4])
    weighted = similarity_procrustes(source, target, weights).transform
    repeated = similarity_procrustes(np.repeat(source, weights, 0),
                                     np.repeat(target, weights, 0)).transform
    for a, b in zip(weighted, repeated):
        np.testing.assert_allclose(a, b, atol=1e-10)


def test_degenerate_sets_stay_finite():
    source = np.zeros((2, 4, 3))
    source[1, 0] = 1.0
    target = np.ones((2, 4, 3))
    weights = np.array([[0, 0, 0, 0], [1, 0, 0, 0]])
    result = similarity_procrustes(source, target, weights)
    assert np.isfinite(result.aligned).all()
    np.testing.assert_allclose(result.transform.scale, 0)


def test_torch_batched_matches_numpy_and_backpropagates():
    rng = np.random.default_rng(6)
    source = rng.normal(size=(2, 3, 21, 3))
    target = rng.normal(size=(2, 3, 21, 3))
    expected = similarity_procrustes(source, target).aligned
    source_t = torch.from_numpy(source).requires_grad_(True)
    aligned = similarity_procrustes(source_t, torch.from_numpy(target)).aligned
    np.testing.assert_allclose(aligned.detach().numpy(), expected, atol=1e-10)
    (aligned - torch.from_numpy(target)).norm(dim=-1).mean().backward()
    assert torch.isfinite(source_t.grad).all()
    assert source_t.grad.abs().sum() > 0
