import numpy as np
import torch

from egohands.rendering import face_windows, window_pixels
from egohands.rendering.face_windows import split_by_pixel_budget


def _loop_candidates(face_uv, width, height, margin):
    """Independent enumeration: every pixel of every face, by loops."""
    pairs = set()
    for face, tri in enumerate(face_uv):
        for x in range(width):
            for y in range(height):
                if (tri[:, 0].min() - margin <= x <= tri[:, 0].max() + margin
                        and tri[:, 1].min() - margin <= y
                        <= tri[:, 1].max() + margin):
                    pairs.add((face, x, y))
    return pairs


def test_window_pixels_equal_a_loop_enumeration():
    rng = np.random.default_rng(1)
    face_uv = rng.uniform(-4, 16, size=(30, 3, 2))
    for margin in (0.0, 1.5):
        windows = face_windows(face_uv, 12, 9, margin=margin)
        got = window_pixels(windows)
        pairs = list(zip(got.face.tolist(), got.x.tolist(), got.y.tolist()))
        assert len(pairs) == len(set(pairs))
        assert set(pairs) == _loop_candidates(face_uv, 12, 9, margin)


def test_torch_windows_match_numpy():
    rng = np.random.default_rng(2)
    face_uv = rng.uniform(-4, 20, size=(25, 3, 2))
    mask = rng.uniform(size=25) > 0.3
    np_pixels = window_pixels(face_windows(face_uv, 16, 14, 2.0, mask))
    t_pixels = window_pixels(face_windows(torch.as_tensor(face_uv), 16, 14,
                                          2.0, torch.as_tensor(mask)))
    for a, b in zip(np_pixels, t_pixels):
        np.testing.assert_array_equal(a, b.numpy())


def test_split_by_pixel_budget_covers_every_window_once():
    counts = np.array([5, 1, 30, 2, 2, 2, 9, 1])
    ranges = split_by_pixel_budget(counts, budget=8)
    covered = [i for start, stop in ranges for i in range(start, stop)]
    assert covered == list(range(len(counts)))
    for start, stop in ranges:  # under budget before the last window
        assert counts[start:stop - 1].sum() < 8
    assert split_by_pixel_budget(np.array([], dtype=int), 8) == []
