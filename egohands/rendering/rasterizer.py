"""Hard z-buffer triangle rasterisation under a pinhole camera (numpy).

Every triangle is tested on the pixel centres of its per-row spans inside
its bounding box (all faces at once, see :mod:`.face_windows` and
:mod:`.row_spans`: a thin slanted triangle covers a small part of its box);
a pixel centre is covered when its three screen-space barycentrics are >= 0
(closed triangles: a centre on an edge belongs to both neighbours and the
depth test chooses). Depth is interpolated perspective-correctly (``1/z``
is affine in screen space) and the nearest covering triangle wins each pixel
(a scatter-min over all candidates at once); equal depths go to the lower
face index, so the result is deterministic.
"""
from typing import NamedTuple, Tuple

import numpy as np

from .face_windows import face_windows, split_by_pixel_budget
from .projection import project_to_pixels
from .row_spans import RowSpans, row_spans, span_pixels


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


def edge_functions(corners_x: np.ndarray, corners_y: np.ndarray,
                   px: np.ndarray, py: np.ndarray) -> Tuple[np.ndarray, ...]:
    """Unnormalised barycentrics of points in their triangles.

    ``w_a = (b - p) x (c - p)`` and cyclically; divided by the triangle's
    doubled signed area ``(b - a) x (c - a)`` they are the screen-space
    barycentric weights of ``p``. Arrays are 1-D (one triangle per point)
    so that every operation runs on contiguous memory.

    Args:
        corners_x, corners_y: (3, N) x and y of the corners a, b, c, px.
        px, py: (N,) point positions, px.

    Returns:
        (w_a, w_b, w_c), each (N,).
    """
    (ax, bx, cx), (ay, by, cy) = corners_x, corners_y
    w_a = (bx - px) * (cy - py) - (by - py) * (cx - px)
    w_b = (cx - px) * (ay - py) - (cy - py) * (ax - px)
    w_c = (ax - px) * (by - py) - (ay - py) * (bx - px)
    return w_a, w_b, w_c


class _FaceTable(NamedTuple):
    """Per-face columns used by the inner loop: corner x / y (3, F),
    doubled signed area (F,), inverse corner depths (3, F)."""
    x: np.ndarray
    y: np.ndarray
    area: np.ndarray
    inverse_z: np.ndarray


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
    corners_x = np.ascontiguousarray(face_uv[:, :, 0].T)
    corners_y = np.ascontiguousarray(face_uv[:, :, 1].T)
    area = edge_functions(corners_x, corners_y, corners_x[0],
                          corners_y[0])[0]
    usable = (face_z > near).all(axis=1) & (np.abs(area) > 1e-12)
    windows = face_windows(face_uv, width, height, face_mask=usable)
    with np.errstate(divide='ignore'):
        table = _FaceTable(corners_x, corners_y, area,
                           np.ascontiguousarray(1.0 / face_z.T))

    num_pixels = height * width
    z_buffer = np.full(num_pixels, np.inf)
    face_buffer = np.full(num_pixels, -1, dtype=np.int32)
    bary_buffer = np.zeros((3, num_pixels))  # corner-major, see below
    spans = row_spans(windows, corners_x, corners_y)
    for start, stop in split_by_pixel_budget(spans.pixel_counts(),
                                             pixel_budget):
        chunk = RowSpans(*(a[start:stop] for a in spans))
        _rasterize_chunk(chunk, table, width, z_buffer, face_buffer,
                         bary_buffer)
    return Fragments(face_buffer.reshape(height, width),
                     z_buffer.reshape(height, width).astype(np.float32),
                     np.ascontiguousarray(bary_buffer.T, dtype=np.float32
                                          ).reshape(height, width, 3))


def _rasterize_chunk(spans: RowSpans, table: _FaceTable, width: int,
                     z_buffer: np.ndarray, face_buffer: np.ndarray,
                     bary_buffer: np.ndarray) -> None:
    """Test one group of row spans and merge the winners into the
    buffers (``bary_buffer`` is (3, H * W): per-corner rows keep every
    gather and scatter one-dimensional, numpy's fast path)."""
    face, x, y = span_pixels(spans)
    px = x.astype(np.float64)
    py = y.astype(np.float64)
    weights = edge_functions(np.take(table.x, face, axis=1),
                             np.take(table.y, face, axis=1), px, py)
    area = table.area[face]
    # covered: the three edge functions share the sign of the area (or 0)
    inside = ((weights[0] * area >= 0) & (weights[1] * area >= 0) &
              (weights[2] * area >= 0))
    face, area = face[inside], area[inside]
    pixel = (y * width + x)[inside]
    over_z = [w[inside] / area * table.inverse_z[k, face]
              for k, w in enumerate(weights)]
    inverse_depth = over_z[0] + over_z[1] + over_z[2]
    depth = 1.0 / inverse_depth
    # nearest per pixel with scatter-min (unbuffered ufunc.at); a pixel
    # already won by an earlier chunk (lower face ids) keeps ties
    previous = z_buffer[pixel]
    np.minimum.at(z_buffer, pixel, depth)
    winner = np.flatnonzero((depth == z_buffer[pixel]) & (depth < previous))
    lowest_face = np.full(len(z_buffer), np.iinfo(np.int64).max)
    np.minimum.at(lowest_face, pixel[winner], face[winner])
    winner = winner[face[winner] == lowest_face[pixel[winner]]]
    target = pixel[winner]
    face_buffer[target] = face[winner]
    scale = 1.0 / inverse_depth[winner]
    for k in range(3):
        bary_buffer[k, target] = over_z[k][winner] * scale
