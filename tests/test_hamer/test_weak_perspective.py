"""Weak-perspective camera: HaMeR's formulas, and the move to the real
camera under any K checked against HaMeR's cam_crop_to_full and a
brute-force least-squares fit."""
import numpy as np
import pytest
import torch
from scipy.optimize import least_squares

from egohands.geometry.affine import get_affine_matrix
from egohands.geometry.camera import project_points
from egohands.geometry.flip import flip_intrinsics
from egohands.geometry.weak_perspective import (
    crop_frame_rotation, crop_px_to_normalized, translation_to_weak_perspective,
    virtual_crop_intrinsics, virtual_to_camera_translation,
    weak_perspective_to_translation)

F, IMG = 5000.0, 256


def test_translation_formula_and_inverse():
    cam = np.array([[7.5, 0.02, -0.01], [12.0, -0.1, 0.3]])
    t = weak_perspective_to_translation(cam, F, IMG)
    assert t[0] == pytest.approx([0.02, -0.01, 2 * F / (IMG * 7.5)])
    np.testing.assert_allclose(translation_to_weak_perspective(t, F, IMG),
                               cam, rtol=1e-9)
    tensor = weak_perspective_to_translation(torch.tensor(cam), F, IMG)
    assert isinstance(tensor, torch.Tensor)


def test_virtual_camera_reproduces_hamer_normalised_projection():
    points = np.array([[0.03, -0.02, 0.01], [0.0, 0.05, -0.02]])
    t = np.array([0.01, 0.02, 5.0])
    K_v = virtual_crop_intrinsics((IMG, IMG), F, IMG)
    pixels = project_points(points + t, K_v)
    normalised = (F / IMG) * (points + t)[:, :2] / (points + t)[:, 2:]
    np.testing.assert_allclose(crop_px_to_normalized(pixels, (IMG, IMG)),
                               normalised, atol=1e-12)
    corners = crop_px_to_normalized(np.array([[-0.5, -0.5], [255.5, 127.5]]),
                                    (IMG, IMG))
    np.testing.assert_allclose(corners, [[-0.5, -0.5], [0.5, 0.0]])


def _crop_K(K, center, side, crop=IMG, flip=False):
    affine = get_affine_matrix(np.asarray(center, float),
                               np.array([side, side], float), 0.0,
                               (crop, crop))
    crop_K = affine @ K
    return flip_intrinsics(crop_K, 'horizontal', crop, crop) if flip \
        else crop_K


def test_reduces_to_hamer_cam_crop_to_full():
    # HaMeR's formula: centred principal point, fx == fy, square box b
    width, height, focal = 1280.0, 720.0, 900.0
    K = np.array([[focal, 0, width / 2], [0, focal, height / 2], [0, 0, 1]])
    center, side = np.array([900.0, 250.0]), 180.0
    s, tx, ty = 9.0, 0.03, -0.02
    t_virtual = weak_perspective_to_translation(np.array([s, tx, ty]), F,
                                                IMG)
    t_full = virtual_to_camera_translation(
        t_virtual, virtual_crop_intrinsics((IMG, IMG), F, IMG),
        _crop_K(K, center, side))
    bs = side * s
    expected = [tx + 2 * (center[0] - width / 2) / bs,
                ty + 2 * (center[1] - height / 2) / bs, 2 * focal / bs]
    np.testing.assert_allclose(t_full, expected, rtol=1e-7)


def _hand_plane(rng, n=40):
    """Fronto-parallel points around the origin (metres, z = 0)."""
    points = np.zeros((n, 3))
    points[:, :2] = rng.normal(0, 0.04, (n, 2))
    points[:, :2] -= points[:, :2].mean(0)
    return points


def _brute_force(points, t_virtual, K_v, crop_K):
    target = project_points(points + t_virtual, K_v)

    def residual(t):
        return (project_points(points + t, crop_K) - target).ravel()

    start = np.array([0.0, 0.0, t_virtual[2]]) * 0.01 + [0, 0, 0.3]
    return least_squares(residual, start, xtol=1e-15, ftol=1e-15,
                         gtol=1e-15).x


@pytest.mark.parametrize('flip', [False, True])
def test_matches_a_brute_force_fit_for_any_principal_point(flip):
    rng = np.random.default_rng(0)
    K = np.array([[610.0, 0, 371.3], [0, 610.0, 198.7], [0, 0, 1]])
    crop_K = _crop_K(K, [120.0, 400.0], 150.0, flip=flip)
    K_v = virtual_crop_intrinsics((IMG, IMG), F, IMG)
    points = _hand_plane(rng)
    t_virtual = weak_perspective_to_translation(np.array([8.0, 0.05, -0.03]),
                                                F, IMG)
    closed = virtual_to_camera_translation(t_virtual, K_v, crop_K)
    np.testing.assert_allclose(closed,
                               _brute_force(points, t_virtual, K_v, crop_K),
                               rtol=1e-6, atol=1e-9)
    # and the hand lands on the same crop pixels
    np.testing.assert_allclose(project_points(points + closed, crop_K),
                               project_points(points + t_virtual, K_v),
                               atol=1e-6)


def test_unequal_focal_lengths_keep_the_image_area():
    rng = np.random.default_rng(1)
    K = np.array([[660.0, 0, 300.0], [0, 600.0, 260.0], [0, 0, 1]])
    crop_K = _crop_K(K, [350.0, 200.0], 120.0)
    K_v = virtual_crop_intrinsics((IMG, IMG), F, IMG)
    angles = np.linspace(0, 2 * np.pi, 36, endpoint=False)
    points = np.stack([0.05 * np.cos(angles), 0.05 * np.sin(angles),
                       np.zeros_like(angles)], -1)  # isotropic ring
    t_virtual = weak_perspective_to_translation(np.array([6.0, -0.02, 0.04]),
                                                F, IMG)
    closed = virtual_to_camera_translation(t_virtual, K_v, crop_K)
    brute = _brute_force(points, t_virtual, K_v, crop_K)
    # the reference point projects exactly where the virtual one does
    np.testing.assert_allclose(
        project_points(closed[None], crop_K),
        project_points(t_virtual[None], K_v), atol=1e-6)
    # depth: geometric mean of the magnifications vs least squares over a
    # ring (sqrt(1.1) vs 2.21 / 2.1 of the fy depth): within 1 %
    assert closed[2] == pytest.approx(brute[2], rel=1e-2)
    ratio = closed[2] / t_virtual[2]
    assert ratio == pytest.approx(np.sqrt(660.0 * 600.0) * IMG / 120.0 / F,
                                  rel=1e-9)


def _rotation_z(angle_rad):
    cos, sin = np.cos(angle_rad), np.sin(angle_rad)
    return np.array([[cos, -sin, 0], [sin, cos, 0], [0, 0, 1.0]])


def test_crop_frame_of_centred_crops_is_their_in_plane_turn():
    K = np.array([[300.0, 0, 200.0], [0, 300.0, 150.0], [0, 0, 1]])
    upright = _crop_K(K, [200.0, 150.0], 90.0, crop=128)
    np.testing.assert_allclose(crop_frame_rotation(upright, (128, 128)),
                               np.eye(3), atol=1e-12)
    # a crop turned by 25 deg (content counter-clockwise): its pixel axes
    # are the camera's turned by 25 deg about z
    affine = get_affine_matrix(np.array([200.0, 150.0]),
                               np.array([90.0, 90.0]), 25.0, (128, 128))
    np.testing.assert_allclose(
        crop_frame_rotation(affine @ K, (128, 128)),
        _rotation_z(np.radians(25.0)), atol=1e-12)


@pytest.mark.parametrize('center, angle', [([20.0, 30.0], 0.0),
                                           ([240.0, 10.0], -40.0)])
def test_crop_frame_looks_through_the_crop_centre_without_a_turn(center,
                                                                  angle):
    """Off-axis crops of a wide camera (fx != fy): z is the centre's ray,
    and the map from the crop frame's own pinhole image to the crop is a
    pure stretch, i.e. its Jacobian (finite differences) is symmetric
    positive definite: no in-plane turn is left over."""
    K = np.array([[70.0, 0, 131.0], [0, 64.0, 122.0], [0, 0, 1]])
    affine = get_affine_matrix(np.asarray(center), np.array([60.0, 60.0]),
                               angle, (128, 96))
    crop_K = affine @ K
    rotation = crop_frame_rotation(crop_K, (128, 96))
    np.testing.assert_allclose(rotation.T @ rotation, np.eye(3), atol=1e-12)
    assert np.linalg.det(rotation) == pytest.approx(1.0)
    np.testing.assert_allclose(project_points(rotation[:, 2], crop_K),
                               [63.5, 47.5], atol=1e-9)

    def crop_pixel(offset):  # offset in the crop frame's image plane
        return project_points(rotation @ np.array([*offset, 1.0]), crop_K)

    step = 1e-6
    jacobian = np.stack([(crop_pixel([step, 0]) - crop_pixel([-step, 0])),
                         (crop_pixel([0, step]) - crop_pixel([0, -step]))],
                        axis=1) / (2 * step)
    np.testing.assert_allclose(jacobian, jacobian.T, rtol=1e-6,
                               atol=1e-6 * np.abs(jacobian).max())
    assert np.all(np.linalg.eigvalsh((jacobian + jacobian.T) / 2) > 0)
    # the same in torch, batched
    batched = crop_frame_rotation(torch.tensor(np.stack([crop_K, crop_K])),
                                  (128, 96))
    np.testing.assert_allclose(batched.numpy(), [rotation, rotation],
                               atol=1e-12)
