"""draw_mesh_overlay: which pixels it changes, how, and mirrored meshes."""
import numpy as np

from egohands.visualization.mesh_overlay import draw_mesh_overlay

HEIGHT, WIDTH = 48, 64
# principal point off the pixel grid: no pixel centre lies on an outline
K = np.array([[40.0, 0.0, 31.3], [0.0, 40.0, 23.6], [0.0, 0.0, 1.0]])


def _image(seed=0):
    """Dark random picture: every blend with a light mesh changes it."""
    return np.random.default_rng(seed).integers(0, 90, (HEIGHT, WIDTH, 3),
                                                dtype=np.uint8)


def _square(depth=2.0, half=0.5):
    """Square facing the camera, two triangles, at ``depth`` (units)."""
    vertices = np.array([[-half, -half, depth], [half, -half, depth],
                         [half, half, depth], [-half, half, depth]])
    return vertices, np.array([[0, 1, 2], [0, 2, 3]])


def _square_outline(depth=2.0, half=0.5):
    """Closed-form projection: u0, u1, v0, v1 of the square's edges, px."""
    fx, fy, cx, cy = K[0, 0], K[1, 1], K[0, 2], K[1, 2]
    return (cx - fx * half / depth, cx + fx * half / depth,
            cy - fy * half / depth, cy + fy * half / depth)


def test_square_changes_exactly_the_pixels_inside_its_projection():
    image = _image()
    vertices, faces = _square()
    out = draw_mesh_overlay(image, vertices, faces, K, alpha=0.7)
    changed = (out != image).any(axis=2)
    u0, u1, v0, v1 = _square_outline()
    u, v = np.meshgrid(np.arange(WIDTH), np.arange(HEIGHT))
    inside = (u >= u0) & (u <= u1) & (v >= v0) & (v <= v1)
    near_edge = ((np.abs(u - u0) <= 1) | (np.abs(u - u1) <= 1) |
                 (np.abs(v - v0) <= 1) | (np.abs(v - v1) <= 1))
    assert inside.sum() == 20 * 20
    np.testing.assert_array_equal(changed[~near_edge], inside[~near_edge])
    # outside the outline (edge band included) the bytes are the image's
    outside = ~inside & ~near_edge
    np.testing.assert_array_equal(out[outside], image[outside])
    np.testing.assert_array_equal(out[~changed], image[~changed])


def test_blend_of_a_flat_square_matches_the_lambertian_formula():
    image = _image(1)
    vertices, faces = _square()
    color, alpha = (200, 150, 100), 0.6
    out = draw_mesh_overlay(image, vertices, faces, K, alpha=alpha,
                            color=color, light_dir=(0.0, -0.5, -1.0),
                            ambient=0.4, diffuse=0.6)
    # normal towards the camera (0, 0, -1), unit light (0, -0.5, -1)/|.|
    shade = 0.4 + 0.6 * (1.0 / np.sqrt(1.25))
    mesh = np.array(color, np.float64) * shade
    v, u = 23, 31  # a pixel well inside
    expected = np.round((1 - alpha) * image[v, u] + alpha * mesh)
    np.testing.assert_allclose(out[v, u], expected, atol=1)


def test_opaque_and_invisible_extremes():
    image = _image(2)
    vertices, faces = _square()
    np.testing.assert_array_equal(
        draw_mesh_overlay(image, vertices, faces, K, alpha=0.0), image)
    behind = vertices * np.array([1.0, 1.0, -1.0])
    np.testing.assert_array_equal(
        draw_mesh_overlay(image, behind, faces, K), image)


def _pyramid():
    """Open four-sided pyramid, apex towards the camera and to the right."""
    vertices = np.array([[-0.6, -0.5, 3.0], [0.6, -0.5, 3.0],
                         [0.6, 0.5, 3.0], [-0.6, 0.5, 3.0],
                         [0.25, 0.1, 2.2]])
    faces = np.array([[0, 1, 4], [1, 2, 4], [2, 3, 4], [3, 0, 4]])
    return vertices, faces


def test_mirrored_mesh_is_shaded_like_the_original():
    image = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    centred = K.copy()
    centred[0, 2] = (WIDTH - 1) / 2.0  # mirror axis = image centre column
    vertices, faces = _pyramid()
    mirrored = vertices * np.array([-1.0, 1.0, 1.0])
    reversed_winding = faces[:, ::-1]
    plain = draw_mesh_overlay(image, vertices, faces, centred, alpha=1.0)
    flipped = draw_mesh_overlay(image, mirrored, reversed_winding, centred,
                                alpha=1.0)
    covered_plain = plain.any(axis=2)
    covered_flipped = flipped.any(axis=2)
    assert covered_plain.sum() > 100
    # the same silhouette, mirrored, and lit alike (the light has no x)
    assert (covered_flipped != covered_plain[:, ::-1]).sum() <= 4
    mean_plain = plain[covered_plain].mean()
    mean_flipped = flipped[covered_flipped].mean()
    assert abs(mean_flipped - mean_plain) < 0.03 * mean_plain
    both = covered_flipped & covered_plain[:, ::-1]
    assert np.abs(flipped[both].astype(int) -
                  plain[:, ::-1][both].astype(int)).mean() < 2.0
    # lit well above the ambient-only floor a one-sided light would give
    ambient_only = 0.4 * np.mean((219, 189, 166))
    assert mean_flipped > 1.5 * ambient_only
