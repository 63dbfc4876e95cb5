"""The rasteriser against hand-worked cases and ray-plane intersections."""
import numpy as np

from egohands.rendering import rasterize
from egohands.rendering.projection import pixel_rays

from rendering_scenes import camera, back_project


def _plane_depth(corners, K, px, py):
    """Depth where pixel rays meet the plane of a 3D triangle (closed form)."""
    normal = np.cross(corners[1] - corners[0], corners[2] - corners[0])
    rays = pixel_rays(px, py, K)
    return (normal @ corners[0]) / (rays @ normal)


def test_single_triangle_covers_exactly_the_hand_worked_pixels():
    K, height, width = camera()
    # corners (0.5, 0.5), (6.8, 0.5), (0.5, 6.8): the pixel centres inside
    # are the integer (x, y) with x >= 1, y >= 1 and x + y <= 7
    uv = np.array([[0.5, 0.5], [6.8, 0.5], [0.5, 6.8]])
    vertices = back_project(uv, [1.0, 2.0, 3.0], K)
    fragments = rasterize(vertices, np.array([[0, 1, 2]]), K, height, width)
    expected = np.zeros((height, width), dtype=bool)
    for x in range(width):
        for y in range(height):
            expected[y, x] = x >= 1 and y >= 1 and x + y <= 7
    assert expected.sum() == 21
    np.testing.assert_array_equal(fragments.covered, expected)
    assert (fragments.face_id[expected] == 0).all()
    assert np.isinf(fragments.depth[~expected]).all()
    py, px = np.nonzero(expected)
    np.testing.assert_allclose(fragments.depth[py, px],
                               _plane_depth(vertices, K, px, py), rtol=1e-6)
    # perspective-correct barycentrics reproduce the 3D point on the ray
    points = fragments.bary[py, px].astype(np.float64) @ vertices
    rays = pixel_rays(px, py, K) * fragments.depth[py, px, None]
    np.testing.assert_allclose(points, rays, atol=1e-5)


def test_shared_edge_of_a_split_square_leaves_no_gap():
    K, height, width = camera()
    # square [1.5, 8.5] x [2.0, 7.0] with its diagonal through pixel centres
    uv = np.array([[1.5, 2.0], [8.5, 2.0], [8.5, 7.0], [1.5, 7.0]])
    vertices = back_project(uv, 2.0, K)
    faces = np.array([[0, 1, 2], [0, 2, 3]])
    fragments = rasterize(vertices, faces, K, height, width)
    expected = np.zeros((height, width), dtype=bool)
    expected[2:8, 2:9] = True
    np.testing.assert_array_equal(fragments.covered, expected)


def test_depth_test_keeps_the_nearer_of_two_overlapping_triangles():
    K, height, width = camera()
    far = back_project([[0.0, 0.0], [11.0, 0.0], [0.0, 9.0]], 3.0, K)
    near = back_project([[2.0, 1.0], [11.0, 1.0], [11.0, 9.0]], 1.5, K)
    vertices = np.concatenate([far, near])
    for faces, near_id in (([[0, 1, 2], [3, 4, 5]], 1),
                           ([[3, 4, 5], [0, 1, 2]], 0)):
        fragments = rasterize(vertices, np.array(faces), K, height, width)
        # pixel (6, 3) is inside both triangles
        assert fragments.face_id[3, 6] == near_id
        np.testing.assert_allclose(fragments.depth[3, 6], 1.5, rtol=1e-6)
        assert fragments.face_id[8, 0] == 1 - near_id  # far triangle only
        np.testing.assert_allclose(fragments.depth[8, 0], 3.0, rtol=1e-6)


def test_interpenetrating_triangles_give_the_per_pixel_minimum():
    K, height, width = camera()
    big = np.array([[-3.0, -3.0], [20.0, -3.0], [-3.0, 20.0]])
    tilted_x = back_project(big, [1.0, 3.0, 1.0], K)  # depth grows with u
    tilted_y = back_project(big, [1.5, 1.5, 2.5], K)  # depth grows with v
    vertices = np.concatenate([tilted_x, tilted_y])
    fragments = rasterize(vertices, np.array([[0, 1, 2], [3, 4, 5]]), K,
                          height, width)
    py, px = np.nonzero(fragments.covered)
    depth_x = _plane_depth(tilted_x, K, px, py)
    depth_y = _plane_depth(tilted_y, K, px, py)
    np.testing.assert_allclose(fragments.depth[py, px],
                               np.minimum(depth_x, depth_y), rtol=1e-6)
    clear = np.abs(depth_x - depth_y) > 1e-6
    np.testing.assert_array_equal(fragments.face_id[py, px][clear],
                                  (depth_y < depth_x)[clear].astype(int))
    assert 0 < (depth_y < depth_x).sum() < len(px)  # both faces win somewhere


def test_pixel_budget_and_face_order_do_not_change_the_image():
    rng = np.random.default_rng(3)
    K = np.array([[40.0, 0, 15.5], [0, 40.0, 11.5], [0, 0, 1]])
    centres = rng.uniform([-0.4, -0.3, 1.0], [0.4, 0.3, 2.0], size=(40, 3))
    vertices = (centres[:, None] + rng.normal(0, 0.15, (40, 3, 3))).reshape(
        -1, 3)
    faces = np.arange(120).reshape(40, 3)
    whole = rasterize(vertices, faces, K, 24, 32)
    chunked = rasterize(vertices, faces, K, 24, 32, pixel_budget=7)
    for a, b in zip(whole, chunked):  # face ids / flags exact, depth close
        np.testing.assert_allclose(a, b, rtol=1e-6)
    order = rng.permutation(40)
    shuffled = rasterize(vertices, faces[order], K, 24, 32)
    np.testing.assert_allclose(shuffled.depth, whole.depth, rtol=1e-6)
    covered = whole.covered
    np.testing.assert_array_equal(order[shuffled.face_id[covered]],
                                  whole.face_id[covered])


def test_faces_behind_the_near_plane_are_dropped():
    K, height, width = camera()
    front = back_project([[0.0, 0.0], [11.0, 0.0], [0.0, 9.0]], 2.0, K)
    behind = front.copy()
    behind[0, 2] = -1.0
    fragments = rasterize(np.concatenate([front, behind]),
                          np.array([[0, 1, 2], [3, 4, 5]]), K, height, width)
    assert set(np.unique(fragments.face_id)) == {-1, 0}
