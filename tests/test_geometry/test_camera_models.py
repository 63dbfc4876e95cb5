"""The toolkit's camera models: hand-worked projections and round trips."""
import math

import numpy as np
import pytest
import torch

from egohands.geometry.camera_models import (CAMERA_KINDS, CameraModel,
                                             camera_to_world, invert_rigid,
                                             project_to_window,
                                             unproject_to_rays,
                                             world_to_camera)

# the HOT3D sample's camera-slam-left FISHEYE624 coefficients
HOT3D_624 = (0.043982941657304764, -0.0448598638176918, 0.01613209955394268,
             -0.010928832925856113, 0.003512823488563299,
             -0.0005242147017270327, 0.00047754947445355356,
             -4.744782927446067e-05, 0.0, 0.0, 0.0, 0.0)
REALISTIC = {
    'pinhole': (),
    'opencv': (-0.2, 0.05, -0.01, 1e-3, -2e-3),
    'rational': (0.3, -0.05, 0.01, 1e-3, -1e-3, 0.25, -0.04, 0.01),
    'fisheye44': (0.03, -0.02, 0.005, -0.001, 1e-3, -5e-4, 0.01, 0.002),
    'fisheye62': (0.04, -0.04, 0.015, -0.01, 4e-4, -5e-5, 0.003, -5e-4),
    'fisheye624': HOT3D_624[:8] + (2e-4, -1e-4, -3e-4, 5e-5),
}


def camera(kind, coeffs=None, f=(500.0, 480.0), c=(320.0, 240.0)):
    coeffs = REALISTIC[kind] if coeffs is None else coeffs
    return CameraModel(kind, 640, 480, f, c, tuple(coeffs))


def test_pinhole_hand_worked():
    uv = project_to_window(np.array([1.0, 2.0, 4.0]), camera('pinhole'))
    np.testing.assert_allclose(uv, [320 + 500 / 4, 240 + 480 * 2 / 4])


def test_fisheye_without_distortion_maps_angle_to_radius():
    cam = camera('fisheye624', (0.0, ) * 12, f=(100.0, 100.0))
    # 45 degrees off-axis along +x: u = cx + f * pi / 4
    np.testing.assert_allclose(project_to_window(np.array([1.0, 0, 1]), cam),
                               [320 + 100 * math.pi / 4, 240], atol=1e-9)
    # a ray 120 degrees off-axis (behind the image plane) stays defined
    direction = [math.sin(math.radians(120)), 0, math.cos(math.radians(120))]
    np.testing.assert_allclose(project_to_window(np.array(direction), cam),
                               [320 + 100 * 2 * math.pi / 3, 240], atol=1e-9)


def test_fisheye624_each_term_hand_worked():
    theta = 0.5
    point = np.array([math.tan(theta), 0.0, 1.0])  # angle theta along +x
    f = (100.0, 100.0)
    k1 = np.zeros(12)
    k1[0] = 0.1
    u = project_to_window(point, camera('fisheye624', k1, f))
    np.testing.assert_allclose(u, [320 + 100 * theta * (1 + 0.1 * theta ** 2),
                                   240], atol=1e-9)
    p1 = np.zeros(12)
    p1[6] = 0.01  # x += p1 (r^2 + 2 x^2) = 3 p1 x^2 at y = 0
    np.testing.assert_allclose(
        project_to_window(point, camera('fisheye624', p1, f)),
        [320 + 100 * (theta + 0.03 * theta ** 2), 240], atol=1e-9)
    p2 = np.zeros(12)
    p2[7] = 0.01  # y += p2 (r^2 + 2 y^2) = p2 x^2 at y = 0
    np.testing.assert_allclose(
        project_to_window(point, camera('fisheye624', p2, f)),
        [320 + 100 * theta, 240 + 100 * 0.01 * theta ** 2], atol=1e-9)
    prism = np.zeros(12)
    prism[8:12] = (0.01, 0.02, 0.03, 0.04)  # x += s1 r^2 + s2 r^4, y: s3, s4
    np.testing.assert_allclose(
        project_to_window(point, camera('fisheye624', prism, f)),
        [320 + 100 * (theta + 0.01 * theta ** 2 + 0.02 * theta ** 4),
         240 + 100 * (0.03 * theta ** 2 + 0.04 * theta ** 4)], atol=1e-9)


def test_opencv_radial_hand_worked():
    cam = camera('opencv', (0.1, 0.0, 0.0, 0.0, 0.0), f=(200.0, 200.0))
    # x/z = 0.5: x_d = 0.5 (1 + 0.1 * 0.25)
    np.testing.assert_allclose(project_to_window(np.array([1.0, 0, 2]), cam),
                               [320 + 200 * 0.5 * 1.025, 240])


@pytest.mark.parametrize('kind', list(CAMERA_KINDS))
def test_unproject_inverts_project(kind):
    rng = np.random.default_rng(3)
    cam = camera(kind)
    limit = 1.1 if cam.is_fisheye else 0.6  # half-angle, rad
    angle = rng.uniform(0, limit, 200)
    azimuth = rng.uniform(0, 2 * math.pi, 200)
    rays = np.stack([np.sin(angle) * np.cos(azimuth),
                     np.sin(angle) * np.sin(azimuth), np.cos(angle)], -1)
    points = rays * rng.uniform(0.2, 3.0, (200, 1))
    uv = project_to_window(points, cam)
    np.testing.assert_allclose(unproject_to_rays(uv, cam), rays, atol=1e-8)
    # and the other way: pixels -> rays -> pixels
    pixels = rng.uniform([100, 80], [540, 400], (50, 2))
    np.testing.assert_allclose(
        project_to_window(unproject_to_rays(pixels, cam), cam), pixels,
        atol=1e-6)


def test_torch_projection_matches_numpy_and_has_gradients():
    cam = camera('fisheye624')
    points = np.array([[0.1, -0.2, 0.5], [0.3, 0.1, 0.4]])
    tensor = torch.tensor(points, requires_grad=True)
    uv = project_to_window(tensor, cam)
    np.testing.assert_allclose(uv.detach().numpy(),
                               project_to_window(points, cam), atol=1e-9)
    uv.sum().backward()
    assert torch.isfinite(tensor.grad).all() and tensor.grad.abs().sum() > 0


def test_world_camera_round_trip_and_inverse():
    angle = 0.3
    T = np.eye(4)
    T[:3, :3] = [[math.cos(angle), -math.sin(angle), 0],
                 [math.sin(angle), math.cos(angle), 0], [0, 0, 1]]
    T[:3, 3] = [10.0, -5.0, 2.0]
    point_cam = np.array([[1.0, 0.0, 0.0]])
    world = camera_to_world(point_cam, T)
    np.testing.assert_allclose(
        world, [[10 + math.cos(angle), -5 + math.sin(angle), 2]])
    np.testing.assert_allclose(world_to_camera(world, T), point_cam,
                               atol=1e-12)
    np.testing.assert_allclose(invert_rigid(T) @ T, np.eye(4), atol=1e-12)


def test_wrong_number_of_coefficients_is_refused():
    with pytest.raises(ValueError, match='12 distortion coefficients'):
        CameraModel('fisheye624', 10, 10, (1, 1), (0, 0), (0.0, ) * 8)
