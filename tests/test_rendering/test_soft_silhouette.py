"""Soft silhouette: hand-worked triangle, brute-force coverage as sigma -> 0,
the dense SoftRas sum, finite-difference gradients."""
import math

import numpy as np
import pytest
import torch

from egohands.rendering.soft_silhouette import (blur_margin, sigma_from_ndc,
                                                soft_silhouette)

EYE_K = torch.eye(3, dtype=torch.float64)


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


def one_triangle(copies=1):
    """Pixel-space triangle (0,0), (10,0), (0,10) at depth 1 (K = I)."""
    vertices = torch.tensor([[[0., 0., 1.], [10., 0., 1.], [0., 10., 1.]]],
                            dtype=torch.float64)
    faces = torch.tensor([[0, 1, 2]] * copies)
    return vertices, faces


def test_single_triangle_by_hand():
    vertices, faces = one_triangle()
    image = soft_silhouette(vertices, faces, EYE_K, (13, 13), sigma=4.0)[0]
    # (x, y) -> D = sigmoid(+-d^2 / 4)
    expected = {
        (2, 2): sigmoid(4 / 4),  # inside, 2 px from the legs
        (12, 0): sigmoid(-4 / 4),  # outside, 2 px from the corner (10, 0)
        (6, 6): sigmoid(-2 / 4),  # outside, sqrt2 px from the hypotenuse
        (0, 5): 0.5,  # on an edge
        (1, 1): sigmoid(1 / 4),
    }
    for (x, y), value in expected.items():
        assert image[y, x].item() == pytest.approx(value, abs=1e-12)
    # (12, 12) is 14 / sqrt2 px from the hypotenuse, inside the window
    assert image[12, 12].item() == pytest.approx(sigmoid(-98 / 4), rel=1e-9)
    # x = 19 is 9 px from the triangle, beyond its window (box + 6.07 px):
    # D = sigmoid(-81 / 4) = 1.6e-9 < cutoff is not evaluated
    wide = soft_silhouette(vertices, faces, EYE_K, (13, 20), sigma=4.0)[0]
    assert wide[0, 19].item() == 0.0 and wide[0, 16].item() > 0


def test_overlapping_triangles_aggregate_as_one_minus_product():
    vertices, faces = one_triangle(copies=2)
    image = soft_silhouette(vertices, faces, EYE_K, (13, 13), sigma=4.0)[0]
    assert image[2, 2].item() == pytest.approx(1 - (1 - sigmoid(1))**2,
                                               abs=1e-12)
    assert image[0, 12].item() == pytest.approx(1 - (1 - sigmoid(-1))**2,
                                                abs=1e-12)


def random_mesh(seed, num_vertices=12, num_faces=10, size=24):
    """Random triangles in front of a camera whose image is ``size`` px."""
    rng = np.random.default_rng(seed)
    depth = rng.uniform(0.4, 0.6, num_vertices)
    uv = rng.uniform(-2, size + 1, (num_vertices, 2))
    K = np.array([[30., 0, size / 2 - 0.5], [0, 32., size / 2 - 0.5],
                  [0, 0, 1]])
    xyz = np.concatenate([uv, np.ones((num_vertices, 1))], 1) @ \
        np.linalg.inv(K).T * depth[:, None]
    faces = np.stack([rng.choice(num_vertices, 3, replace=False)
                      for _ in range(num_faces)])
    return xyz, faces, K


def brute_force_coverage(xyz, faces, K, size):
    """Per-pixel loop: hard inside test against every triangle, and the
    distance of the pixel to the nearest triangle edge."""
    uv = xyz @ K.T
    uv = uv[:, :2] / uv[:, 2:]
    tri = uv[faces]  # (F, 3, 2)
    covered = np.zeros((size, size), bool)
    edge_distance = np.full((size, size), np.inf)
    for y in range(size):
        for x in range(size):
            p = np.array([x, y], float)
            for a, b, c in tri:
                # barycentric coordinates by solving p = a + s (b-a) + t (c-a)
                m = np.stack([b - a, c - a], 1)
                if abs(np.linalg.det(m)) < 1e-12:
                    continue
                s, t = np.linalg.solve(m, p - a)
                if s > 0 and t > 0 and s + t < 1:
                    covered[y, x] = True
                for start, end in ((a, b), (b, c), (c, a)):
                    e = end - start
                    u = np.clip(np.dot(p - start, e) / np.dot(e, e), 0, 1)
                    edge_distance[y, x] = min(
                        edge_distance[y, x],
                        np.linalg.norm(p - start - u * e))
    return covered, edge_distance


@pytest.mark.parametrize('seed', [0, 1])
def test_tiny_sigma_gives_the_brute_force_coverage(seed):
    size = 24
    xyz, faces, K = random_mesh(seed, size=size)
    covered, edge_distance = brute_force_coverage(xyz, faces, K, size)
    image = soft_silhouette(torch.as_tensor(xyz)[None],
                            torch.as_tensor(faces), torch.as_tensor(K),
                            (size, size), sigma=1e-4)[0].numpy()
    clear = edge_distance > 0.05  # a pixel centre not on an edge
    assert clear.mean() > 0.9 and 0.1 < covered.mean() < 0.9
    np.testing.assert_allclose(image[clear], covered[clear].astype(float),
                               atol=1e-6)


def dense_softras(xyz, faces, K, size, sigma):
    """SoftRas over every (pixel, face) pair, no windows, float64 numpy."""
    uv = xyz @ K.T
    uv = uv[:, :2] / uv[:, 2:]
    tri = uv[faces][:, None, None]  # (F, 1, 1, 3, 2)
    ys, xs = np.mgrid[0:size, 0:size].astype(float)
    p = np.stack([xs, ys], -1)[None]  # (1, h, w, 2)
    dist_sq = np.full((len(faces), size, size), np.inf)
    signs = []
    for i, j in ((0, 1), (1, 2), (2, 0)):
        start, end = tri[..., i, :], tri[..., j, :]
        e, r = end - start, p - start
        t = np.clip((r * e).sum(-1) / (e * e).sum(-1), 0, 1)[..., None]
        dist_sq = np.minimum(dist_sq, ((r - t * e)**2).sum(-1))
        signs.append(e[..., 0] * r[..., 1] - e[..., 1] * r[..., 0])
    inside = ((np.sign(signs[0]) == np.sign(signs[1])) &
              (np.sign(signs[1]) == np.sign(signs[2])))
    prob = 1 / (1 + np.exp(-np.where(inside, dist_sq, -dist_sq) / sigma))
    return 1 - np.prod(1 - prob, axis=0)


def test_windowed_render_equals_the_dense_softras_sum():
    size = 24
    meshes = [random_mesh(seed, size=size) for seed in (2, 3)]
    xyz = torch.as_tensor(np.stack([m[0] for m in meshes]))
    faces = meshes[0][1]  # shared faces, per-image vertices and K
    K = torch.as_tensor(np.stack([m[2] for m in meshes]))
    images = soft_silhouette(xyz, torch.as_tensor(faces), K, (size, size),
                             sigma=1.5, cutoff=1e-8)
    for b, (vertices, _, camera) in enumerate(meshes):
        np.testing.assert_allclose(
            images[b].numpy(),
            dense_softras(vertices, faces, camera, size, 1.5), atol=1e-7)


def test_faces_behind_the_camera_are_dropped():
    vertices, faces = one_triangle()
    behind = vertices.clone()
    behind[..., 2] = -1
    image = soft_silhouette(torch.cat([vertices, behind]), faces, EYE_K,
                            (13, 13), sigma=4.0)
    assert image[1].abs().max() == 0 and image[0].max() > 0.5


def test_gradients_match_finite_differences():
    xyz, faces, K = random_mesh(4, num_vertices=6, num_faces=4, size=10)
    vertices = torch.as_tensor(xyz)[None].repeat(2, 1, 1)
    vertices[1, :, :2] += 0.01  # a different second image
    vertices.requires_grad_()
    weights = torch.rand(2, 10, 10, dtype=torch.float64,
                         generator=torch.Generator().manual_seed(0))

    def render(v):
        # cutoff 1e-13: a window edge moving under the finite-difference
        # step changes the image by less than 1e-13
        return soft_silhouette(v, torch.as_tensor(faces), torch.as_tensor(K),
                               (10, 10), sigma=2.0, cutoff=1e-13) * weights

    assert torch.autograd.gradcheck(render, (vertices, ), eps=1e-6,
                                    atol=1e-6, rtol=1e-4)


def test_sigma_units():
    assert sigma_from_ndc(1e-4, (64, 96)) == pytest.approx(0.1024)
    # D = sigmoid(-margin^2 / sigma) equals the cutoff at the margin
    margin = blur_margin(0.5, 1e-4)
    assert sigmoid(-margin**2 / 0.5) == pytest.approx(1e-4)
