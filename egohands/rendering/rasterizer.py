"""Hard z-buffer triangle rasterisation under a pinhole camera (numpy).

Every triangle is tested on the pixel centres of its bounding box (all
faces at once, see :mod:`egohands.rendering.face_windows`); a pixel centre
is covered when its three screen-space barycentrics are >= 0 (closed
triangles: a centre on an edge belongs to both neighbours and the depth test
chooses). Depth is interpolated perspective-correctly (``1/z`` is affine in
screen space) and the nearest covering triangle wins each pixel; equal
depths go to the lower face index, so the result is deterministic.
"""
from typing import NamedTuple

import numpy as np

from .face_windows import (FaceWindows, face_windows, split_by_pixel_budget,
                           window_pixels)
from .projection import project_to_pixels


class Fragments(NamedTuple):
    """What the rasteriser knows about each pixel of an ``H x W`` image.

    ``face_id`` (H, W) int32: index of the visible face, -1 for background.
    ``depth`` (H, W) float32: camera-frame z of the visible surface, in the
    unit of the vertices, ``inf`` for background.
    ``bary`` (H, W, 3) float32: perspective-correct barycentric weights of
    the visible face's corners (zeros for background).
    """
    face_id: np.ndarray
    depth: np.ndarray
    bary: np.ndarray

    @property
    def covered(self) -> np.ndarray:
        """(H, W) bool, pixels covered by some face."""
        return self.face_id >= 0


def screen_barycentrics(face_uv: np.ndarray, px: np.ndarray,
                        py: np.ndarray) -> np.ndarray:
    """Screen-space barycentrics of pixel positions in their triangles.

    Args:
        face_uv: (N, 3, 2) triangle corners, px (one triangle per point).
        px, py: (N,) pixel positions, px.

    Returns:
        (N, 3) weights summing to 1 (inf/nan for degenerate triangles).
    """
    ax, ay = face_uv[:, 0, 0], face_uv[:, 0, 1]
    bx, by = face_uv[:, 1, 0], face_uv[:, 1, 1]
    cx, cy = face_uv[:, 2, 0], face_uv[:, 2, 1]
    area = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)
    w_a = (bx - px) * (cy - py) - (by - py) * (cx - px)
    w_b = (cx - px) * (ay - py) - (cy - py) * (ax - px)
    w_c = (ax - px) * (by - py) - (ay - py) * (bx - px)
    return np.stack([w_a, w_b, w_c], axis=1) / area[:, None]


def rasterize(vertices: np.ndarray, faces: np.ndarray, K: np.ndarray,
              height: int, width: int, near: float = 1e-3,
              pixel_budget: int = 1 << 20) -> Fragments:
    """Rasterise a triangle mesh with a per-pixel depth test.

    Args:
        vertices: (V, 3) camera-frame vertices (OpenCV axes, any unit).
        faces: (F, 3) int vertex indices.
        K: (3, 3) intrinsics, pixel centres at integer coordinates.
        height, width: image size, px.
        near: faces with a corner at ``z <= near`` (unit of ``vertices``)
            are dropped rather than clipped.
        pixel_budget: candidate (face, pixel) pairs evaluated at once; bounds
            memory, does not change the result.

    Returns:
        :class:`Fragments` of the image.
    """
    vertices = np.asarray(vertices, dtype=np.float64)
    faces = np.asarray(faces, dtype=np.int64)
    uv, z = project_to_pixels(vertices, K)
    face_uv, face_z = uv[faces], z[faces]
    edge_1 = face_uv[:, 1] - face_uv[:, 0]
    edge_2 = face_uv[:, 2] - face_uv[:, 0]
    area = edge_1[:, 0] * edge_2[:, 1] - edge_1[:, 1] * edge_2[:, 0]
    usable = (face_z > near).all(axis=1) & (np.abs(area) > 1e-12)
    windows = face_windows(face_uv, width, height, face_mask=usable)

    num_pixels = height * width
    z_buffer = np.full(num_pixels, np.inf)
    face_buffer = np.full(num_pixels, -1, dtype=np.int32)
    bary_buffer = np.zeros((num_pixels, 3))
    for start, stop in split_by_pixel_budget(windows.pixel_counts(),
                                             pixel_budget):
        chunk = FaceWindows(*(a[start:stop] for a in windows))
        _rasterize_chunk(chunk, face_uv, face_z, width, z_buffer,
                         face_buffer, bary_buffer)
    return Fragments(face_buffer.reshape(height, width),
                     z_buffer.reshape(height, width).astype(np.float32),
                     bary_buffer.reshape(height, width, 3).astype(np.float32))


def _rasterize_chunk(windows: FaceWindows, face_uv: np.ndarray,
                     face_z: np.ndarray, width: int, z_buffer: np.ndarray,
                     face_buffer: np.ndarray,
                     bary_buffer: np.ndarray) -> None:
    """Test one group of windows and merge the winners into the buffers."""
    candidates = window_pixels(windows)
    face = candidates.face
    weights = screen_barycentrics(face_uv[face], candidates.x, candidates.y)
    inside = (weights >= 0).all(axis=1)
    face, weights = face[inside], weights[inside]
    pixel = (candidates.y * width + candidates.x)[inside]
    over_z = weights / face_z[face]
    inverse_depth = over_z.sum(axis=1)
    depth = 1.0 / inverse_depth
    # nearest per pixel: sort by (pixel, depth); candidates are in face
    # order, so a stable sort gives ties to the lower face index
    order = np.lexsort((depth, pixel))
    sorted_pixel = pixel[order]
    first = np.r_[True, sorted_pixel[1:] != sorted_pixel[:-1]]
    winner = order[first]
    winner = winner[depth[winner] < z_buffer[pixel[winner]]]
    target = pixel[winner]
    z_buffer[target] = depth[winner]
    face_buffer[target] = face[winner]
    bary_buffer[target] = over_z[winner] / inverse_depth[winner, None]
