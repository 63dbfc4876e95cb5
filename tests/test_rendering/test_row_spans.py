"""Row spans hold exactly the pixel centres that a triangle covers."""
import numpy as np

from egohands.rendering import edge_functions, face_windows, window_pixels
from egohands.rendering.row_spans import row_spans, span_pixels


def _spans_of(face_uv, width, height):
    windows = face_windows(face_uv, width, height)
    corners_x = np.ascontiguousarray(face_uv[:, :, 0].T)
    corners_y = np.ascontiguousarray(face_uv[:, :, 1].T)
    return row_spans(windows, corners_x, corners_y), windows


def test_hand_worked_triangle_gives_one_span_per_row():
    # corners (0.5, 0.5), (6.8, 0.5), (0.5, 6.8): row y holds x = 1 .. 7 - y
    face_uv = np.array([[[0.5, 0.5], [6.8, 0.5], [0.5, 6.8]]])
    spans, _ = _spans_of(face_uv, 12, 9)
    np.testing.assert_array_equal(spans.y, np.arange(1, 7))
    np.testing.assert_array_equal(spans.x0, np.ones(6))
    np.testing.assert_array_equal(spans.x1, 7 - np.arange(1, 7))
    assert (spans.face == 0).all()


def test_span_pixels_equal_the_edge_test_on_bounding_boxes():
    """Independent formulation: every pixel of every bounding box, kept
    when its three edge functions share the sign of the area."""
    rng = np.random.default_rng(4)
    thin = rng.uniform(-10, 40, size=(40, 1, 2)) + rng.normal(
        0, [[8.0, 0.3]], size=(40, 3, 2))          # thin and slanted
    big = rng.uniform(-60, 90, size=(20, 3, 2))     # partly off the image
    small = rng.uniform(0, 30, size=(40, 1, 2)) + rng.uniform(
        -1.5, 1.5, size=(40, 3, 2))                 # a few pixels each
    face_uv = np.concatenate([thin, big, small])
    width, height = 32, 24
    spans, windows = _spans_of(face_uv, width, height)
    face, x, y = span_pixels(spans)
    got = set(zip(face.tolist(), x.tolist(), y.tolist()))
    assert len(got) == len(face)                    # no pixel twice
    box = window_pixels(windows)
    (ax, bx, cx), (ay, by, cy) = [face_uv[box.face, :, k].T for k in (0, 1)]
    area = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)
    w = edge_functions(np.stack([ax, bx, cx]), np.stack([ay, by, cy]),
                       box.x.astype(float), box.y.astype(float))
    inside = (w[0] * area >= 0) & (w[1] * area >= 0) & (w[2] * area >= 0)
    expected = set(zip(box.face[inside].tolist(), box.x[inside].tolist(),
                       box.y[inside].tolist()))
    assert len(expected) > 500
    assert got == expected
    # ordered by face, then row, as the rasteriser's tie rule needs
    order = np.lexsort((spans.y, spans.face))
    np.testing.assert_array_equal(order, np.arange(len(spans.face)))
