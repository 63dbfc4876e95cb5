"""Flips (egohands.geometry.flip) against rotations and projections."""
import numpy as np
import pytest
import torch

from egohands.geometry import (apply_affine_2d, axis_angle_to_matrix,
                               flip_axis_angle, flip_intrinsics,
                               flip_matrix_2d, flip_points_3d,
                               get_affine_matrix, intrinsics_from_focal,
                               apparent_hand_side, project_points,
                               swap_hand_side)

DIRECTIONS = ('none', 'horizontal', 'vertical')
MIRRORS = {'none': np.eye(3), 'horizontal': np.diag([-1.0, 1, 1]),
           'vertical': np.diag([1.0, -1, 1])}


@pytest.mark.parametrize('direction', DIRECTIONS)
def test_flips_are_involutions(direction):
    rng = np.random.default_rng(0)
    points = rng.normal(size=(4, 21, 3))
    np.testing.assert_array_equal(
        flip_points_3d(flip_points_3d(points, direction), direction), points)
    rotvecs = rng.normal(size=(4, 16, 3))
    np.testing.assert_array_equal(
        flip_axis_angle(flip_axis_angle(rotvecs, direction), direction),
        rotvecs)
    mirror = flip_matrix_2d(direction, 64, 48)
    np.testing.assert_allclose(mirror @ mirror, np.eye(3), atol=1e-12)
    assert swap_hand_side(swap_hand_side('left', direction),
                          direction) == 'left'


@pytest.mark.parametrize('direction', DIRECTIONS)
def test_flipped_camera_sees_the_flipped_image(direction):
    rng = np.random.default_rng(1)
    points = np.concatenate([rng.uniform(-100, 100, size=(10, 2)),
                             rng.uniform(300, 600, size=(10, 1))], axis=1)
    K = intrinsics_from_focal(300.0, 310.0, 60.0, 50.0)
    # a crop camera with rotation, as after TopdownAffine
    crop_K = get_affine_matrix(np.array([70.0, 40.0]), np.array([90.0, 90.0]),
                               20.0, (64, 48)) @ K
    flipped = flip_points_3d(points, direction)
    uv = project_points(points, crop_K)
    expected = apply_affine_2d(uv, flip_matrix_2d(direction, 64, 48))
    np.testing.assert_allclose(
        project_points(flipped, flip_intrinsics(crop_K, direction, 64, 48)),
        expected, atol=1e-9)


@pytest.mark.parametrize('direction', DIRECTIONS)
def test_flip_axis_angle_is_conjugation_by_the_mirror(direction):
    rotvecs = np.random.default_rng(2).normal(size=(30, 3))
    mirror = MIRRORS[direction]
    np.testing.assert_allclose(
        axis_angle_to_matrix(flip_axis_angle(rotvecs, direction)),
        mirror @ axis_angle_to_matrix(rotvecs) @ mirror, atol=1e-12)


def test_flip_hand_cases_and_torch():
    points = torch.tensor([[1.0, 2.0, 3.0]])
    np.testing.assert_array_equal(
        flip_points_3d(points, 'horizontal').numpy(), [[-1, 2, 3]])
    np.testing.assert_array_equal(
        flip_points_3d(points, 'vertical').numpy(), [[1, -2, 3]])
    assert torch.equal(points, torch.tensor([[1.0, 2.0, 3.0]]))  # a copy
    # horizontal mirror of a 64 px row: u -> 63 - u
    np.testing.assert_array_equal(flip_matrix_2d('horizontal', 64, 48),
                                  [[-1, 0, 63], [0, 1, 0], [0, 0, 1]])
    assert swap_hand_side('left', 'horizontal') == 'right'
    assert swap_hand_side('left', 'vertical') == 'left'
    with pytest.raises(ValueError, match='flip direction'):
        flip_points_3d(points, 'diagonal')


@pytest.mark.parametrize('direction', DIRECTIONS)
@pytest.mark.parametrize('side', ['left', 'right'])
def test_apparent_side_follows_the_handedness_of_the_flipped_points(
        side, direction):
    # handedness as the sign of a triple product (independent of the flip
    # code): mirroring any one axis reverses it, renaming does not
    gen = np.random.default_rng(3)
    points = gen.normal(size=(4, 3))
    while abs(np.linalg.det(points[1:] - points[0])) < 0.1:
        points = gen.normal(size=(4, 3))

    def handedness(p):
        return np.sign(np.linalg.det(p[1:] - p[0]))

    right_sign = handedness(points) if side == 'right' else -handedness(
        points)
    flipped = flip_points_3d(points, direction)
    declared = swap_hand_side(side, direction)
    looks = apparent_hand_side(declared, direction)
    assert (handedness(flipped) == right_sign) == (looks == 'right')
