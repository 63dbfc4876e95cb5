"""Small scene builders shared by the rendering tests (not a test module)."""
import numpy as np


def back_project(uv, depth, K):
    """Camera-frame points that project to pixel ``uv`` at ``depth``."""
    uv = np.asarray(uv, dtype=np.float64)
    depth = np.broadcast_to(np.asarray(depth, dtype=np.float64), len(uv))
    pixels = np.concatenate([uv, np.ones((len(uv), 1))], axis=1)
    return (pixels @ np.linalg.inv(K).T) * depth[:, None]


def box_mesh(center, half_size):
    """A closed axis-aligned box: (8, 3) vertices and (12, 3) faces."""
    corners = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1)
                        for z in (-1, 1)], dtype=np.float64)
    vertices = np.asarray(center) + corners * half_size
    faces = np.array([[0, 1, 3], [0, 3, 2], [4, 6, 7], [4, 7, 5],
                      [0, 4, 5], [0, 5, 1], [2, 3, 7], [2, 7, 6],
                      [0, 2, 6], [0, 6, 4], [1, 5, 7], [1, 7, 3]])
    return vertices, faces


def camera():
    """A 10 x 12 (h x w) image and its intrinsics."""
    K = np.array([[100.0, 0.0, 5.5], [0.0, 90.0, 4.5], [0.0, 0.0, 1.0]])
    return K, 10, 12
