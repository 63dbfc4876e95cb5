"""Per-face pixel windows: the candidate pixels of every triangle, in bulk.

A rasteriser evaluates a triangle only near its screen-space bounding box
(grown by a margin for a soft silhouette). This module computes those boxes
and enumerates all (face, pixel) candidate pairs at once with ``repeat`` /
``arange`` arithmetic, so no Python loop runs per triangle; the hard
rasteriser narrows each box to per-row spans (:mod:`.row_spans`).

Pixel centres are at integer coordinates: pixel ``x`` is a candidate of a
face when ``min_u - margin <= x <= max_u + margin``.
"""
from typing import NamedTuple, Union

import numpy as np
import torch

Array = Union[np.ndarray, torch.Tensor]


class FaceWindows(NamedTuple):
    """Inclusive integer pixel boxes of faces, clipped to the image.

    ``face_index`` (M,) indexes the faces that have at least one candidate
    pixel; ``x0, y0, x1, y1`` (M,) are their inclusive pixel bounds.
    """
    face_index: Array
    x0: Array
    y0: Array
    x1: Array
    y1: Array

    def pixel_counts(self) -> Array:
        """(M,) number of candidate pixels of each window."""
        return (self.x1 - self.x0 + 1) * (self.y1 - self.y0 + 1)


def face_windows(face_uv: Array, width: int, height: int,
                 margin: float = 0.0, face_mask: Array = None) -> FaceWindows:
    """Clipped pixel bounding boxes of projected triangles.

    Args:
        face_uv: (F, 3, 2) projected triangle corners, full-image px.
        width, height: image size, px.
        margin: grow every box by this many px (0 for hard rasterisation;
            a soft rasteriser passes its blur radius).
        face_mask: optional (F,) bool, faces to consider (e.g. in front of
            the near plane).

    Returns:
        :class:`FaceWindows` of the faces whose box meets the image.
    """
    is_torch = isinstance(face_uv, torch.Tensor)
    lib = torch if is_torch else np
    low = face_uv.amin(dim=1) if is_torch else face_uv.min(axis=1)
    high = face_uv.amax(dim=1) if is_torch else face_uv.max(axis=1)
    x0 = lib.ceil(low[:, 0] - margin)
    y0 = lib.ceil(low[:, 1] - margin)
    x1 = lib.floor(high[:, 0] + margin)
    y1 = lib.floor(high[:, 1] + margin)
    keep = (x1 >= 0) & (y1 >= 0) & (x0 <= width - 1) & (y0 <= height - 1)
    # finite check also drops faces projected from behind the camera as nan
    keep = keep & lib.isfinite(x0) & lib.isfinite(x1)
    keep = keep & lib.isfinite(y0) & lib.isfinite(y1)
    if face_mask is not None:
        keep = keep & face_mask
    if is_torch:
        index = torch.nonzero(keep).flatten()

        def clip(v, hi):
            return v[index].clamp(0, hi).long()
    else:
        index = np.flatnonzero(keep)

        def clip(v, hi):
            return np.clip(v[index], 0, hi).astype(np.int64)
    return FaceWindows(index, clip(x0, width - 1), clip(y0, height - 1),
                       clip(x1, width - 1), clip(y1, height - 1))


class WindowPixels(NamedTuple):
    """All (face, pixel) candidate pairs of a set of windows, flattened.

    ``window`` (N,) is the position in the :class:`FaceWindows` arrays,
    ``face`` (N,) the face index, ``x``, ``y`` (N,) the pixel coordinates.
    """
    window: Array
    face: Array
    x: Array
    y: Array


def window_pixels(windows: FaceWindows) -> WindowPixels:
    """Enumerate every pixel of every window without a per-face loop.

    The k-th candidate of a window of width ``w`` starting at ``(x0, y0)`` is
    ``(x0 + k % w, y0 + k // w)``; ``k`` comes from one global ``arange``
    minus the start offset of the window it falls into.
    """
    counts = windows.pixel_counts()
    widths = windows.x1 - windows.x0 + 1
    if isinstance(counts, torch.Tensor):
        window = torch.repeat_interleave(
            torch.arange(len(counts), device=counts.device), counts)
        starts = torch.cumsum(counts, 0) - counts
        local = torch.arange(int(counts.sum()), device=counts.device) \
            - starts[window]
    else:
        window = np.repeat(np.arange(len(counts)), counts)
        starts = np.cumsum(counts) - counts
        local = np.arange(int(counts.sum())) - starts[window]
    width = widths[window]
    return WindowPixels(window, windows.face_index[window],
                        windows.x0[window] + local % width,
                        windows.y0[window] + local // width)


def split_by_pixel_budget(counts: np.ndarray, budget: int) -> list:
    """Split windows into consecutive groups of about ``budget`` pixels.

    A group starts where the running pixel count crosses a multiple of the
    budget, so a group holds less than ``budget`` pixels plus its last
    window. Used to bound the memory of the bulk evaluation (a triangle
    close to the camera can cover the whole image).

    Returns:
        list of (start, stop) index ranges into the window arrays.
    """
    counts = np.asarray(counts, dtype=np.int64)
    if len(counts) == 0:
        return []
    group = (np.cumsum(counts) - counts) // max(int(budget), 1)
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    stops = np.r_[starts[1:], len(counts)]
    return list(zip(starts.tolist(), stops.tolist()))
