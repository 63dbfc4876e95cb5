"""Pinhole cameras against OpenCV, hand-worked cases and round trips."""
import cv2
import numpy as np
import pytest
import torch

from egohands.geometry import (apply_affine_2d, backproject_points,
                               crop_intrinsics, focal_from_fov,
                               get_affine_matrix,
                               intrinsics_from_focal, intrinsics_from_fov,
                               project_points, resize_matrix,
                               scale_intrinsics)


def _points(rng, n=30):
    xy = rng.uniform(-200, 200, size=(n, 2))
    z = rng.uniform(300, 900, size=(n, 1))
    return np.concatenate([xy, z], axis=1)  # mm, camera frame


def test_intrinsics_from_focal_hand_case():
    np.testing.assert_array_equal(
        intrinsics_from_focal(500, 510, 320, 240),
        [[500, 0, 320], [0, 510, 240], [0, 0, 1]])
    batched = intrinsics_from_focal(np.array([1.0, 2.0]), 3.0, 4.0, 5.0)
    assert batched.shape == (2, 3, 3)
    assert batched[1, 0, 0] == 2 and batched[1, 1, 1] == 3


def test_intrinsics_from_fov_maps_fov_edges_to_image_edges():
    # 90 degrees over 100 px: f = 50, cx = 49.5; the ray at +-45 degrees
    # hits the outer edges of the outer pixels, u = -0.5 and u = 99.5
    K = intrinsics_from_fov(90.0, 100, 80)
    np.testing.assert_allclose(K, [[50, 0, 49.5], [0, 50, 39.5], [0, 0, 1]])
    edges = project_points(np.array([[-1.0, 0, 1], [1.0, 0, 1]]), K)
    np.testing.assert_allclose(edges[:, 0], [-0.5, 99.5])
    # 60 degrees over 200 px: f = 100 / tan(30 deg) = 100 * sqrt(3)
    assert focal_from_fov(60.0, 200) == pytest.approx(100 * np.sqrt(3))


def test_project_matches_opencv_and_backproject_inverts_it():
    rng = np.random.default_rng(0)
    points = _points(rng)
    K = intrinsics_from_focal(612.0, 605.0, 331.5, 247.0)
    uv = project_points(points, K)
    expected, _ = cv2.projectPoints(points, np.zeros(3), np.zeros(3), K,
                                    None)
    np.testing.assert_allclose(uv, expected[:, 0], rtol=1e-10)
    np.testing.assert_allclose(backproject_points(uv, points[:, 2], K),
                               points, rtol=1e-10)


def test_batched_cameras_and_torch():
    rng = np.random.default_rng(1)
    points = np.stack([_points(rng, 5), _points(rng, 5)])  # (2, 5, 3)
    Ks = intrinsics_from_focal(np.array([400.0, 800.0]), 400.0, 100.0, 90.0)
    uv = project_points(points, Ks)
    for b in range(2):
        np.testing.assert_allclose(uv[b], project_points(points[b], Ks[b]))
    uv_torch = project_points(torch.from_numpy(points).float(), Ks)
    assert uv_torch.dtype == torch.float32
    np.testing.assert_allclose(uv_torch.numpy(), uv, rtol=1e-5)
    back = backproject_points(uv_torch, torch.from_numpy(points[..., 2]),
                              torch.from_numpy(Ks))
    np.testing.assert_allclose(back.numpy(), points, rtol=1e-4)


def test_crop_camera_projects_like_the_cropped_projection():
    rng = np.random.default_rng(2)
    points = _points(rng)
    K = intrinsics_from_focal(612.0, 612.0, 320.0, 240.0)
    A = get_affine_matrix(np.array([300.0, 250.0]), np.array([180.0, 180.0]),
                          25.0, (192, 256))
    crop_K = crop_intrinsics(K, A)
    np.testing.assert_allclose(project_points(points, crop_K),
                               apply_affine_2d(project_points(points, K), A),
                               rtol=1e-10)
    np.testing.assert_allclose(crop_intrinsics(K, A[:2]), crop_K)
    np.testing.assert_allclose(
        backproject_points(project_points(points, crop_K), points[:, 2],
                           crop_K), points, rtol=1e-10)


def test_scale_intrinsics_follows_cv2_resize_pixel_centres():
    # hand case: doubling the size moves cx from 10 to 2 * 10.5 - 0.5 = 20.5
    K = intrinsics_from_focal(100.0, 100.0, 10.0, 8.0)
    np.testing.assert_allclose(scale_intrinsics(K, 2.0),
                               [[200, 0, 20.5], [0, 200, 16.5], [0, 0, 1]])
    # cv2.resize of a ramp image: output pixel u' shows input coordinate
    # u = (u' + 0.5) / s - 0.5, i.e. u' = resize_matrix @ u
    ramp = np.tile(np.arange(40, dtype=np.float32), (30, 1))
    resized = cv2.resize(ramp, (100, 75), interpolation=cv2.INTER_LINEAR)
    u_out = np.arange(10, 90, dtype=np.float64)  # away from the borders
    source_u = resized[37, 10:90]
    mapped = apply_affine_2d(
        np.stack([source_u, np.zeros_like(source_u)], -1),
        resize_matrix(2.5, 2.5))[:, 0]
    np.testing.assert_allclose(mapped, u_out, atol=1e-4)
    points = _points(np.random.default_rng(3))
    np.testing.assert_allclose(
        project_points(points, scale_intrinsics(K, 2.5, 0.5)),
        apply_affine_2d(project_points(points, K), resize_matrix(2.5, 0.5)))
