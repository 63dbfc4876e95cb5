"""The split FTL against hand-worked transforms."""
import numpy as np
import pytest
import torch

from egohands.geometry.rotation import axis_angle_to_matrix
from egohands.models.multiview import (SplitFTL, intrinsics_normalisation,
                                       transform_directions,
                                       transform_points)
from egohands.models.multiview.feature_transform import feature_points


def rigid(rotvec, translation):
    transform = torch.eye(4, dtype=torch.float64)
    transform[:3, :3] = axis_angle_to_matrix(torch.tensor(
        rotvec, dtype=torch.float64))
    transform[:3, 3] = torch.tensor(translation, dtype=torch.float64)
    return transform


def test_channel_thirds_are_x_y_z_and_move_as_written():
    """One point per channel triple: x = channel p, y = P + p, z = 2P + p."""
    features = torch.zeros(1, 6, 1, 1, dtype=torch.float64)
    features[0, :, 0, 0] = torch.tensor([1.0, 4.0, 2.0, 5.0, 3.0, 6.0])
    # a quarter turn about z and a shift of (10, 20, 30)
    transform = rigid([0, 0, np.pi / 2], [10, 20, 30])[None]
    points = feature_points(features)[0]
    torch.testing.assert_close(points, torch.tensor(
        [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=torch.float64))
    moved = feature_points(transform_points(features, transform))[0]
    torch.testing.assert_close(moved, torch.tensor(
        [[8.0, 21.0, 33.0], [5.0, 24.0, 36.0]], dtype=torch.float64))
    turned = feature_points(transform_directions(features, transform))[0]
    torch.testing.assert_close(turned, torch.tensor(
        [[-2.0, 1.0, 3.0], [-5.0, 4.0, 6.0]], dtype=torch.float64))


def test_intrinsics_normalisation_scales_depth_by_focal_over_200():
    K = torch.tensor([[[150.0, 0, 31.5], [0, 150.0, 31.5], [0, 0, 1]]])
    S = intrinsics_normalisation(K)
    torch.testing.assert_close(S[0], torch.diag(torch.tensor(
        [1.0, 1.0, 0.75, 1.0])))


@pytest.fixture
def rig():
    gen = torch.Generator().manual_seed(0)
    views = 3
    poses = torch.stack([rigid((0.3 * torch.randn(3, generator=gen)).tolist(),
                               (0.1 * torch.randn(3, generator=gen)).tolist())
                         for _ in range(views)])
    focal = torch.tensor([90.0, 120.0, 200.0], dtype=torch.float64)
    K = torch.zeros(views, 3, 3, dtype=torch.float64)
    K[:, 0, 0] = K[:, 1, 1] = focal
    K[:, :2, 2] = 31.5
    K[:, 2, 2] = 1.0
    invariant = torch.randn(views, 12, 2, 3, generator=gen,
                            dtype=torch.float64)
    variant = torch.randn(views, 6, 2, 3, generator=gen, dtype=torch.float64)
    return poses, K, invariant, variant


def test_a_translated_rig_keeps_invariant_features_and_shifts_variant(rig):
    poses, K, invariant, variant = rig
    ftl = SplitFTL()
    inv, var = ftl(invariant, variant, poses, K)
    shift = torch.tensor([0.5, -0.2, 1.0], dtype=torch.float64)
    moved = rigid([0, 0, 0], shift.tolist()) @ poses
    inv2, var2 = ftl(invariant, variant, moved, K)
    torch.testing.assert_close(inv2, inv)
    torch.testing.assert_close(feature_points(var2),
                               feature_points(var) + shift)


def test_a_rotated_and_translated_rig_moves_features_with_it(rig):
    poses, K, invariant, variant = rig
    ftl = SplitFTL()
    inv, var = ftl(invariant, variant, poses, K)
    G = rigid([0.4, -0.7, 0.2], [0.3, 0.1, -0.5])
    inv2, var2 = ftl(invariant, variant, G @ poses, K)
    R, t = G[:3, :3], G[:3, 3]
    torch.testing.assert_close(feature_points(inv2),
                               feature_points(inv) @ R.T)
    torch.testing.assert_close(feature_points(var2),
                               feature_points(var) @ R.T + t)


def test_the_depth_of_a_view_is_scaled_before_its_pose(rig):
    """A view at the identity with focal 100 halves z: (x, y, z) ->
    (x, y, z / 2) as a direction, plus t as a point."""
    _, _, invariant, variant = rig
    K = torch.tensor([[[100.0, 0, 0], [0, 100.0, 0], [0, 0, 1]]],
                     dtype=torch.float64)
    pose = rigid([0, 0, 0], [1.0, 2.0, 3.0])[None]
    inv, var = SplitFTL()(invariant[:1], variant[:1], pose, K)
    expected = feature_points(invariant[:1]) * torch.tensor(
        [1.0, 1.0, 0.5], dtype=torch.float64)
    torch.testing.assert_close(feature_points(inv), expected)
    torch.testing.assert_close(
        feature_points(var),
        feature_points(variant[:1]) * torch.tensor(
            [1.0, 1.0, 0.5], dtype=torch.float64) +
        torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64))


def test_a_channel_count_not_divisible_by_three_is_refused():
    with pytest.raises(ValueError, match='multiple of 3'):
        transform_points(torch.zeros(1, 4, 1, 1), torch.eye(4)[None])
