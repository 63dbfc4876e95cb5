import numpy as np
import torch

from egohands.geometry.camera import intrinsics_from_focal
from egohands.rendering import pixel_rays, project_to_pixels


def test_projection_matches_closed_form_numpy_and_torch():
    rng = np.random.default_rng(0)
    points = rng.uniform([-1, -1, 0.5], [1, 1, 3], size=(7, 3))
    K = intrinsics_from_focal(200.0, 180.0, 63.5, 40.0)
    expected_u = 200.0 * points[:, 0] / points[:, 2] + 63.5
    expected_v = 180.0 * points[:, 1] / points[:, 2] + 40.0
    uv, depth = project_to_pixels(points, K)
    np.testing.assert_allclose(uv[:, 0], expected_u, rtol=1e-12)
    np.testing.assert_allclose(uv[:, 1], expected_v, rtol=1e-12)
    np.testing.assert_allclose(depth, points[:, 2])
    uv_t, depth_t = project_to_pixels(torch.as_tensor(points), K)
    np.testing.assert_allclose(uv_t.numpy(), uv, rtol=1e-12)
    np.testing.assert_allclose(depth_t.numpy(), depth)


def test_pixel_rays_reproject_to_their_pixels():
    K = intrinsics_from_focal(150.0, 150.0, 31.5, 20.25)
    px, py = np.array([0.0, 10.0, 63.0]), np.array([0.0, 5.5, 40.0])
    rays = pixel_rays(px, py, K)
    np.testing.assert_allclose(rays[:, 2], 1.0)
    uv, _ = project_to_pixels(rays * 2.5, K)
    np.testing.assert_allclose(uv, np.stack([px, py], 1), atol=1e-9)


def test_points_at_or_behind_the_camera_stay_finite():
    points = np.array([[0.1, 0.2, 0.0], [0.1, 0.2, -1.0], [0.1, 0.2, 2.0]])
    K = intrinsics_from_focal(100.0, 100.0, 10.0, 10.0)
    uv, depth = project_to_pixels(points, K)
    assert np.isfinite(uv).all()
    np.testing.assert_allclose(depth, [0.0, -1.0, 2.0])
    np.testing.assert_allclose(uv[1], [0.1 * 100 / -1 + 10,
                                       0.2 * 100 / -1 + 10])
