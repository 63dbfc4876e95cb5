"""Per-row pixel spans of triangles: tighter candidates than bounding boxes.

A long thin triangle lying diagonally (a forearm tube seen obliquely, a
finger side) covers a small part of its bounding box. Cutting the triangle
with the horizontal line through each pixel row of its window gives the
x-interval it covers on that row; only the pixel centres of those intervals
need the coverage test. All (face, row) pairs are handled at once with
``repeat`` / ``arange`` arithmetic, like :mod:`.face_windows`.

The spans are grown by ``slack`` px on both sides, so they hold every pixel
centre that the rasteriser's exact edge test accepts (the intersection
abscissae carry rounding errors far below a micro-pixel): the rasteriser
keeps its exact test on the span pixels and its output does not change.
"""
from typing import NamedTuple

import numpy as np

from .face_windows import FaceWindows


class RowSpans(NamedTuple):
    """Inclusive pixel spans ``[x0, x1]`` on row ``y`` of face ``face``,
    all (P,) int64, ordered by face then row; ``x1 < x0`` for a row the
    triangle only grazes outside the image."""
    face: np.ndarray
    y: np.ndarray
    x0: np.ndarray
    x1: np.ndarray

    def pixel_counts(self) -> np.ndarray:
        """(P,) number of pixels of each span (0 for empty ones)."""
        return np.maximum(self.x1 - self.x0 + 1, 0)


def _ranks(counts: np.ndarray):
    """For runs of ``counts[i]`` items: (owner (N,), rank inside the run
    (N,)) of each item."""
    owner = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    return owner, np.arange(len(owner)) - starts[owner]


def row_spans(windows: FaceWindows, corners_x: np.ndarray,
              corners_y: np.ndarray, slack: float = 1e-4) -> RowSpans:
    """Cut every windowed triangle into per-row pixel spans.

    Args:
        windows: clipped pixel boxes (numpy) of the faces to rasterise.
        corners_x, corners_y: (3, F) projected corner coordinates of all
            faces, full-image px (indexed by ``windows.face_index``).
        slack: px added on both sides of every span.

    Returns:
        :class:`RowSpans`, clipped to each window's columns.
    """
    window, rank = _ranks(windows.y1 - windows.y0 + 1)
    face = windows.face_index[window]
    y = windows.y0[window] + rank
    row = y.astype(np.float64)
    low = np.full(len(y), np.inf)
    high = np.full(len(y), -np.inf)
    xs = np.take(corners_x, face, axis=1)
    ys = np.take(corners_y, face, axis=1)
    for a, b in ((0, 1), (1, 2), (2, 0)):
        ya, yb = ys[a], ys[b]
        # a horizontal edge adds nothing: the other two end at its corners
        crosses = (np.minimum(ya, yb) <= row) & (row <= np.maximum(ya, yb)) \
            & (ya != yb)
        with np.errstate(divide='ignore', invalid='ignore'):
            t = (row - ya) / (yb - ya)
        x = xs[a] + t * (xs[b] - xs[a])
        low = np.where(crosses, np.minimum(low, x), low)
        high = np.where(crosses, np.maximum(high, x), high)
    x0 = np.maximum(np.ceil(low - slack), windows.x0[window])
    x1 = np.minimum(np.floor(high + slack), windows.x1[window])
    return RowSpans(face, y, x0.astype(np.int64), x1.astype(np.int64))


def span_pixels(spans: RowSpans):
    """Every pixel of every span: (face (N,), x (N,), y (N,)) int64."""
    span, rank = _ranks(spans.pixel_counts())
    return spans.face[span], spans.x0[span] + rank, spans.y[span]
