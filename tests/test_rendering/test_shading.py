"""Lambertian shading against its closed form on planes."""
import numpy as np

from egohands.rendering import rasterize, shade_lambertian, vertex_normals

from rendering_scenes import camera, back_project, box_mesh


def _square(K, depth):
    uv = np.array([[-1.0, -1.0], [12.0, -1.0], [12.0, 10.0], [-1.0, 10.0]])
    return back_project(uv, depth, K), np.array([[0, 1, 2], [0, 2, 3]])


def test_plane_facing_the_light_has_ambient_plus_diffuse():
    K, height, width = camera()
    vertices, faces = _square(K, 2.0)
    colors = np.tile([0.5, 0.2, 0.8], (4, 1))
    fragments = rasterize(vertices, faces, K, height, width)
    for light, expected_shade in (((0, 0, -1), 0.3 + 0.6),
                                  ((0, np.sin(0.7), -np.cos(0.7)),
                                   0.3 + 0.6 * np.cos(0.7)),
                                  ((0, 0, 1), 0.3)):  # light behind plane
        image = shade_lambertian(fragments, vertices, faces, colors, K,
                                 np.array(light, dtype=float), ambient=0.3,
                                 diffuse=0.6)
        np.testing.assert_allclose(
            image, np.broadcast_to(np.array([0.5, 0.2, 0.8]) * expected_shade,
                                   image.shape), atol=1e-6)
    # two-sided: the reversed winding shades the same
    flipped = shade_lambertian(fragments, vertices, faces[:, ::-1], colors, K,
                               np.array([0.0, 0.0, -1.0]), 0.3, 0.6)
    np.testing.assert_allclose(flipped[0, 0], np.array([0.5, 0.2, 0.8]) * 0.9,
                               atol=1e-6)


def test_vertex_colours_interpolate_linearly_on_a_fronto_parallel_plane():
    K, height, width = camera()
    vertices, faces = _square(K, 1.0)
    u = np.array([-1.0, 12.0, 12.0, -1.0])
    colors = np.stack([(u + 1) / 13, np.zeros(4), np.ones(4)], axis=1)
    fragments = rasterize(vertices, faces, K, height, width)
    image = shade_lambertian(fragments, vertices, faces, colors, K,
                             np.array([0.0, 0.0, -1.0]), ambient=1.0,
                             diffuse=0.0, background=np.full((10, 12, 3), 7.))
    expected_red = (np.arange(width) + 1) / 13
    np.testing.assert_allclose(image[..., 0],
                               np.broadcast_to(expected_red, (height, width)),
                               atol=1e-6)


def test_vertex_normals_equal_a_loop_over_adjacent_faces():
    vertices, faces = box_mesh([0.0, 0.0, 0.0], 1.0)
    vertices = vertices * [1.0, 2.0, 0.5]
    expected = np.zeros_like(vertices)
    for a, b, c in faces:  # area-weighted sum, one face at a time
        normal = np.cross(vertices[b] - vertices[a], vertices[c] - vertices[a])
        for corner in (a, b, c):
            expected[corner] += normal
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    np.testing.assert_allclose(vertex_normals(vertices, faces), expected,
                               atol=1e-12)
    # a flat fan: every normal is the plane normal
    fan = np.array([[0, 0, 1.0], [1, 0, 1], [1, 1, 1], [0, 1, 1]])
    normals = vertex_normals(fan, np.array([[0, 1, 2], [0, 2, 3]]))
    np.testing.assert_allclose(normals, np.tile([0, 0, 1.0], (4, 1)))


def test_background_shows_where_nothing_is_drawn():
    K, height, width = camera()
    vertices = back_project([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]], 1.0, K)
    faces = np.array([[0, 1, 2]])
    fragments = rasterize(vertices, faces, K, height, width)
    background = np.random.default_rng(0).uniform(size=(height, width, 3))
    image = shade_lambertian(fragments, vertices, faces, np.ones((3, 3)), K,
                             np.array([0.0, 0.0, -1.0]), background=background)
    np.testing.assert_allclose(image[~fragments.covered],
                               background[~fragments.covered], atol=1e-7)
    assert not np.allclose(image[fragments.covered],
                           background[fragments.covered])
