"""Perspective crops: look-at rotation, crop camera, warp = homography."""
import cv2
import numpy as np
import pytest

from egohands.geometry.perspective_crop import (
    crop_source_pixels, enclosing_fov, look_at_rotation,
    perspective_crop_camera, perspective_crop_intrinsics,
    pinhole_crop_homography, pinhole_projector, warp_to_crop)

K = np.array([[120.0, 0, 70.0], [0, 118.0, 60.0], [0, 0, 1]])


def test_look_at_rotation_puts_the_target_on_the_axis_without_roll():
    target = np.array([0.3, -0.2, 0.5])
    R = look_at_rotation(target)
    np.testing.assert_allclose(R @ R.T, np.eye(3), atol=1e-12)
    assert np.linalg.det(R) == pytest.approx(1.0)
    local = R @ target
    np.testing.assert_allclose(local[:2], 0.0, atol=1e-12)
    assert local[2] == pytest.approx(np.linalg.norm(target))
    # no roll: the crop x axis has no component along the camera's y
    assert abs(R[0, 1]) < 1e-12
    np.testing.assert_allclose(look_at_rotation([0, 0, 2.0]), np.eye(3),
                               atol=1e-12)


def test_crop_intrinsics_follow_the_toolkit():
    fov = np.deg2rad(60.0)
    crop_K = perspective_crop_intrinsics(64, fov)
    assert crop_K[0, 0] == pytest.approx(32 / np.tan(np.deg2rad(30.0)))
    assert crop_K[0, 2] == crop_K[1, 2] == pytest.approx(31.5)


def test_enclosing_fov_holds_every_point_with_the_margin():
    rng = np.random.default_rng(0)
    points = rng.normal([40.0, -30.0, 300.0], 30.0, size=(21, 3))
    R, crop_K = perspective_crop_camera(points, 64, margin=1.0)
    local = points @ R.T
    uv = local[:, :2] / local[:, 2:] * crop_K[0, 0] + crop_K[:2, 2]
    # the tightest field of view touches the border with one point
    assert uv.min() >= -0.5 - 1e-6 and uv.max() <= 63.5 + 1e-6
    assert min(uv.min() + 0.5, 63.5 - uv.max()) < 1e-6
    with pytest.raises(ValueError, match='behind'):
        enclosing_fov(np.array([[0.0, 0, -1.0]]), np.eye(3))


def test_remap_equals_the_pinhole_homography():
    rng = np.random.default_rng(1)
    image = cv2.GaussianBlur(rng.integers(0, 255, (120, 140, 3), np.uint8),
                             (5, 5), 2)
    R = look_at_rotation(np.array([0.2, 0.1, 0.6]))
    crop_K = perspective_crop_intrinsics(48, np.deg2rad(40.0))
    source = crop_source_pixels(pinhole_projector(K), R, crop_K, 48)
    H = pinhole_crop_homography(K, R, crop_K)
    u, v = np.meshgrid(np.arange(48.0), np.arange(48.0))
    mapped = np.stack([u, v, np.ones_like(u)], -1) @ H.T
    np.testing.assert_allclose(source, mapped[..., :2] / mapped[..., 2:],
                               atol=1e-9)
    crop = warp_to_crop(image, pinhole_projector(K), R, crop_K, 48)
    reference = cv2.warpPerspective(
        image, H, (48, 48), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
    inside = (source[..., 0] > 1) & (source[..., 0] < 138) & \
        (source[..., 1] > 1) & (source[..., 1] < 118)
    assert inside.mean() > 0.5
    diff = np.abs(crop.astype(int) - reference.astype(int))[inside]
    assert diff.max() <= 2


def test_a_projected_point_lands_where_the_crop_camera_sees_it():
    """A bright dot in the source image appears at the crop camera's
    projection of its 3D point."""
    image = np.zeros((120, 140, 3), np.uint8)
    point = np.array([25.0, -10.0, 200.0])
    u, v = (K @ point)[:2] / point[2]
    cv2.circle(image, (int(round(u)), int(round(v))), 2, (255, 255, 255), -1)
    R = look_at_rotation(point + [5.0, 3.0, 0.0])
    crop_K = perspective_crop_intrinsics(64, np.deg2rad(30.0))
    crop = warp_to_crop(image, pinhole_projector(K), R, crop_K, 64)
    local = R @ point
    expected = local[:2] / local[2] * crop_K[0, 0] + crop_K[:2, 2]
    ys, xs = np.nonzero(crop[..., 0] > 128)
    found = np.array([xs.mean(), ys.mean()])
    assert np.linalg.norm(found - expected) < 1.5


def test_rays_behind_the_source_camera_are_black():
    image = np.full((40, 40, 3), 200, np.uint8)
    R = look_at_rotation(np.array([0.0, 0.0, -1.0]) + [1e-3, 0, 0])
    crop = warp_to_crop(image, pinhole_projector(K), R,
                        perspective_crop_intrinsics(16, 0.5), 16)
    assert crop.max() == 0


def test_a_fisheye_view_is_cropped_through_its_lens_model():
    """A toolkit fisheye camera as the source: each crop pixel samples the
    fisheye pixel of its ray (the lens model's own projection)."""
    from egohands.datasets.hand_tracking.dataset import camera_dict
    from egohands.datasets.transforms.multiview import source_projector
    from egohands.geometry.camera_models import (CameraModel,
                                                 project_to_window)
    camera = CameraModel('fisheye62', 160, 120, (80.0, 80.0), (79.5, 59.5),
                         (0.1, -0.02, 0.003, 0.0, 0.001, -0.001, 0.0, 0.0),
                         np.eye(4))
    project = source_projector(dict(camera_model=camera_dict(camera)))
    R = look_at_rotation(np.array([0.4, 0.2, 0.5]))
    crop_K = perspective_crop_intrinsics(24, np.deg2rad(40.0))
    source = crop_source_pixels(project, R, crop_K, 24)
    ray = np.linalg.inv(crop_K) @ [5.0, 17.0, 1.0]
    expected = project_to_window((R.T @ ray)[None], camera)[0]
    np.testing.assert_allclose(source[17, 5], expected, atol=1e-9)
    # a fisheye view is not the pinhole of its focal / principal point
    pinhole = crop_source_pixels(pinhole_projector(
        np.array([[80.0, 0, 79.5], [0, 80.0, 59.5], [0, 0, 1]])), R,
        crop_K, 24)
    assert np.abs(pinhole - source).max() > 1.0
    behind = project(np.array([[0.0, 0.0, -1.0]]))
    np.testing.assert_array_equal(behind, [[-1.0, -1.0]])
