"""look_at_rotation against hand-worked frames, in numpy and torch."""
import math

import numpy as np
import pytest
import torch

from egohands.geometry.look_at import look_at_rotation

TOL = 1e-12


def as_numpy(matrix):
    return matrix.numpy() if isinstance(matrix, torch.Tensor) else matrix


@pytest.mark.parametrize('xp', ['numpy', 'torch'])
def test_a_ray_along_plus_x_is_worked_by_hand(xp):
    # z = +x; x = unit(e_y x e_x) = -e_z; y = z x x = e_x x -e_z = +e_y
    ray = [2.0, 0.0, 0.0]
    ray = torch.tensor(ray, dtype=torch.float64) if xp == 'torch' else \
        np.array(ray)
    R = look_at_rotation(ray)
    assert type(R) is type(ray) and R.dtype == ray.dtype
    expected = np.array([[0.0, 0.0, -1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    np.testing.assert_allclose(as_numpy(R), expected, atol=TOL)


@pytest.mark.parametrize('xp', ['numpy', 'torch'])
def test_an_oblique_ray_is_worked_by_hand(xp):
    # ray (1, 1, 1): z = (1, 1, 1)/sqrt3, x = e_y x z = (1, 0, -1)/sqrt2,
    # y = z x x = (-1, 2, -1)/sqrt6
    ray = np.array([[3.0, 3.0, 3.0]])
    if xp == 'torch':
        ray = torch.from_numpy(ray)
    R = as_numpy(look_at_rotation(ray))
    s2, s3, s6 = math.sqrt(2), math.sqrt(3), math.sqrt(6)
    expected = np.array([[1 / s2, 0.0, -1 / s2], [-1 / s6, 2 / s6, -1 / s6],
                         [1 / s3, 1 / s3, 1 / s3]])
    assert R.shape == (1, 3, 3)
    np.testing.assert_allclose(R[0], expected, atol=TOL)


@pytest.mark.parametrize('xp', ['numpy', 'torch'])
def test_random_rays_give_proper_rotations_onto_the_axis(xp):
    rays = np.random.default_rng(0).normal(size=(4, 5, 3))
    rays[..., 2] = np.abs(rays[..., 2]) + 0.1
    R = look_at_rotation(torch.from_numpy(rays) if xp == 'torch' else rays)
    R = as_numpy(R)
    assert R.shape == (4, 5, 3, 3)
    np.testing.assert_allclose(R @ np.swapaxes(R, -1, -2),
                               np.broadcast_to(np.eye(3), R.shape), atol=TOL)
    np.testing.assert_allclose(np.linalg.det(R), 1.0, atol=TOL)
    local = (R @ rays[..., None])[..., 0]
    np.testing.assert_allclose(local[..., :2], 0.0, atol=TOL)
    np.testing.assert_allclose(local[..., 2], np.linalg.norm(rays, axis=-1),
                               rtol=1e-12)
    # no roll: the turned x axis has no component along the camera's y
    np.testing.assert_allclose(R[..., 0, 1], 0.0, atol=TOL)


def test_numpy_and_torch_agree_and_float32_stays_float32():
    rays = np.random.default_rng(1).normal(size=(6, 3)).astype(np.float32)
    R_np = look_at_rotation(rays)
    R_torch = look_at_rotation(torch.from_numpy(rays))
    assert R_np.dtype == np.float32 and R_torch.dtype == torch.float32
    np.testing.assert_allclose(R_np, R_torch.numpy(), atol=1e-5)


def test_down_sets_the_roll_and_a_ray_along_down_falls_back_to_x():
    ray = np.array([0.2, -0.1, 1.0])
    flipped = look_at_rotation(ray, down=[0.0, -1.0, 0.0])
    # turning "down" over is a half turn about the optical axis
    np.testing.assert_allclose(flipped, np.diag([-1.0, -1.0, 1.0]) @
                               look_at_rotation(ray), atol=TOL)
    # looking straight down the camera's y: x stays the camera's x
    np.testing.assert_allclose(look_at_rotation([0.0, 3.0, 0.0]),
                               [[1.0, 0, 0], [0, 0, -1.0], [0, 1.0, 0]],
                               atol=TOL)
    # nearly along y: x is the camera's x without its part along the ray
    R = look_at_rotation([1e-11, 1.0, 1e-11])
    np.testing.assert_allclose(R @ R.T, np.eye(3), atol=TOL)
    np.testing.assert_allclose(np.linalg.det(R), 1.0, atol=TOL)


def test_torch_gradients_are_finite():
    ray = torch.tensor([[0.3, -0.2, 0.9]], dtype=torch.float64,
                       requires_grad=True)
    assert torch.autograd.gradcheck(look_at_rotation, (ray, ))
