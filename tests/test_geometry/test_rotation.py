"""Rotation conversions against scipy, closed forms and each other."""
import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation

from egohands.geometry import (axis_angle_to_matrix, axis_angle_to_quaternion,
                               matrix_to_axis_angle, matrix_to_quaternion,
                               matrix_to_rot6d_columns, matrix_to_rot6d_rows,
                               quaternion_to_axis_angle, quaternion_to_matrix,
                               rot6d_columns_to_matrix, rot6d_rows_to_matrix)


def _rotvecs(rng, n=64):
    """Random axis-angles with tiny, ordinary and near-pi angles."""
    axes = rng.normal(size=(n, 3))
    axes /= np.linalg.norm(axes, axis=-1, keepdims=True)
    angles = np.concatenate([
        [0.0, 1e-12, 1e-7, 1e-4, 1e-2, np.pi - 1e-6, np.pi - 1e-3],
        rng.uniform(0, np.pi, n - 7)
    ])
    return axes * angles[:, None]


def test_axis_angle_to_matrix_matches_scipy():
    rotvecs = _rotvecs(np.random.default_rng(0))
    expected = Rotation.from_rotvec(rotvecs).as_matrix()
    np.testing.assert_allclose(axis_angle_to_matrix(rotvecs), expected,
                               atol=1e-12)


def test_matrix_to_axis_angle_matches_scipy_away_from_pi():
    rotvecs = _rotvecs(np.random.default_rng(1))
    keep = np.linalg.norm(rotvecs, axis=-1) < np.pi - 1e-2
    matrices = Rotation.from_rotvec(rotvecs[keep]).as_matrix()
    np.testing.assert_allclose(matrix_to_axis_angle(matrices),
                               Rotation.from_matrix(matrices).as_rotvec(),
                               atol=1e-9)


def test_matrix_to_axis_angle_near_pi_gives_same_rotation():
    rng = np.random.default_rng(2)
    axes = rng.normal(size=(20, 3))
    axes /= np.linalg.norm(axes, axis=-1, keepdims=True)
    for angle in (np.pi, np.pi - 1e-7, np.pi - 1e-4):
        matrices = Rotation.from_rotvec(axes * angle).as_matrix()
        rotvecs = matrix_to_axis_angle(matrices)
        # at pi, r and -r are the same rotation: compare matrices and angle
        np.testing.assert_allclose(axis_angle_to_matrix(rotvecs), matrices,
                                   atol=1e-9)
        np.testing.assert_allclose(np.linalg.norm(rotvecs, axis=-1), angle,
                                   atol=1e-7)


def test_quaternions_match_scipy_scalar_first():
    rotvecs = _rotvecs(np.random.default_rng(3))
    quats = Rotation.from_rotvec(rotvecs).as_quat(scalar_first=True)
    quats *= np.where(quats[:, :1] < 0, -1, 1)  # our representative: w >= 0
    matrices = Rotation.from_rotvec(rotvecs).as_matrix()
    np.testing.assert_allclose(axis_angle_to_quaternion(rotvecs), quats,
                               atol=1e-12)
    np.testing.assert_allclose(quaternion_to_matrix(quats), matrices,
                               atol=1e-12)
    np.testing.assert_allclose(
        np.abs((matrix_to_quaternion(matrices) * quats).sum(-1)), 1,
        atol=1e-12)  # same rotation up to the sign at w == 0
    np.testing.assert_allclose(
        axis_angle_to_matrix(quaternion_to_axis_angle(quats)), matrices,
        atol=1e-9)


def test_quaternion_hand_case():
    # 90 degrees about z: q = (cos 45, 0, 0, sin 45); R maps x to y
    quat = np.array([np.sqrt(0.5), 0, 0, np.sqrt(0.5)])
    np.testing.assert_allclose(quaternion_to_matrix(quat),
                               [[0, -1, 0], [1, 0, 0], [0, 0, 1]], atol=1e-15)
    np.testing.assert_allclose(quaternion_to_axis_angle(quat),
                               [0, 0, np.pi / 2])


def test_batched_leading_dims_and_torch_matches_numpy():
    rotvecs = _rotvecs(np.random.default_rng(4), n=24).reshape(2, 3, 4, 3)
    as_numpy = axis_angle_to_matrix(rotvecs)
    as_torch = axis_angle_to_matrix(torch.from_numpy(rotvecs))
    assert as_numpy.shape == (2, 3, 4, 3, 3)
    assert isinstance(as_torch, torch.Tensor)
    np.testing.assert_allclose(as_torch.numpy(), as_numpy, atol=1e-12)
    back = matrix_to_axis_angle(torch.from_numpy(as_numpy))
    np.testing.assert_allclose(back.numpy(), matrix_to_axis_angle(as_numpy),
                               atol=1e-12)
    as_float32 = axis_angle_to_matrix(torch.from_numpy(rotvecs).float())
    assert as_float32.dtype == torch.float32
    assert axis_angle_to_matrix(rotvecs.astype(np.float32)).dtype == np.float32


def test_torch_gradients_are_finite_at_zero_and_near_pi():
    rotvecs = torch.tensor([[0.0, 0, 0], [1e-9, 0, 0],
                            [0, 0, np.pi - 1e-5]], dtype=torch.float64,
                           requires_grad=True)
    matrices = axis_angle_to_matrix(rotvecs)
    matrices.sum().backward()
    assert torch.isfinite(rotvecs.grad).all()
    # d R / d r at r = 0 is the skew generator: d(sum R)/dr = 0 there
    np.testing.assert_allclose(rotvecs.grad[0].numpy(), 0, atol=1e-12)
    matrices = matrices.detach().requires_grad_(True)
    matrix_to_axis_angle(matrices).sum().backward()
    assert torch.isfinite(matrices.grad).all()
    # at identity, r = vee((R - R^T) / 2): d(sum r)/dR21 = +0.5
    assert matrices.grad[0, 2, 1].item() == pytest.approx(0.5)


def test_gradcheck_axis_angle_to_matrix():
    rotvecs = torch.tensor([[0.3, -0.2, 0.9], [1e-5, 2e-5, 0.0]],
                           dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(axis_angle_to_matrix, (rotvecs, ))
    assert torch.autograd.gradcheck(
        lambda r: matrix_to_axis_angle(axis_angle_to_matrix(r)), (rotvecs, ))


def test_rot6d_round_trips_both_layouts():
    matrices = Rotation.random(32, random_state=5).as_matrix()
    np.testing.assert_allclose(
        rot6d_columns_to_matrix(matrix_to_rot6d_columns(matrices)), matrices,
        atol=1e-12)
    np.testing.assert_allclose(
        rot6d_rows_to_matrix(matrix_to_rot6d_rows(matrices)), matrices,
        atol=1e-12)
    np.testing.assert_allclose(matrix_to_rot6d_columns(matrices),
                               matrices[:, :, :2].transpose(0, 2, 1).reshape(
                                   -1, 6))
    np.testing.assert_allclose(matrix_to_rot6d_rows(matrices),
                               matrices[:, :2, :].reshape(-1, 6))


def test_rot6d_hand_worked_layouts_differ():
    # a1 = e_y, a2 = e_z: b1 = e_y, b2 = e_z, b3 = e_y x e_z = e_x
    rot6d = np.array([0.0, 1, 0, 0, 0, 1])
    columns = rot6d_columns_to_matrix(rot6d)
    rows = rot6d_rows_to_matrix(rot6d)
    np.testing.assert_allclose(columns, [[0, 0, 1], [1, 0, 0], [0, 1, 0]])
    np.testing.assert_allclose(rows, [[0, 1, 0], [0, 0, 1], [1, 0, 0]])
    assert not np.allclose(columns, rows)


def test_rot6d_layouts_are_transposes_of_each_other():
    rot6d = np.random.default_rng(6).normal(size=(50, 6))  # not orthonormal
    columns = rot6d_columns_to_matrix(rot6d)
    rows = rot6d_rows_to_matrix(rot6d)
    np.testing.assert_allclose(rows, columns.transpose(0, 2, 1), atol=1e-12)
    assert np.abs(rows - columns).max() > 0.1  # so nobody mixes them up
    np.testing.assert_allclose(np.linalg.det(columns), 1, atol=1e-12)
    np.testing.assert_allclose(columns @ columns.transpose(0, 2, 1),
                               np.broadcast_to(np.eye(3), columns.shape),
                               atol=1e-12)
    matrices = Rotation.random(8, random_state=7).as_matrix()
    np.testing.assert_allclose(matrix_to_rot6d_columns(matrices),
                               matrix_to_rot6d_rows(
                                   matrices.transpose(0, 2, 1)))


def test_rot6d_columns_matches_hamer_reshape_formulation():
    # HaMeR's decoder, written from its description: reshape the 6 numbers
    # to (2, 3), transpose to (3, 2), Gram-Schmidt the two columns
    rot6d = torch.randn(10, 6, dtype=torch.float64)
    x = rot6d.reshape(-1, 2, 3).permute(0, 2, 1)
    a1, a2 = x[:, :, 0], x[:, :, 1]
    b1 = torch.nn.functional.normalize(a1, dim=-1)
    b2 = torch.nn.functional.normalize(
        a2 - (b1 * a2).sum(-1, keepdim=True) * b1, dim=-1)
    expected = torch.stack([b1, b2, torch.cross(b1, b2, dim=-1)], dim=-1)
    torch.testing.assert_close(rot6d_columns_to_matrix(rot6d), expected)
