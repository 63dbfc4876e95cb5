"""Centre-point box targets of ``HandCenterDetector``, and their decoding.

A hand box is one peak on a grid of stride ``stride`` px: a Gaussian bump at
its centre cell in the heatmap channel of its side (0 left, 1 right), and,
at that cell only, its size (w, h) in grid cells and the sub-cell offset of
the exact centre (in cells, in [0, 1)). Decoding keeps the local maxima of
the heatmap (3x3 max-pool: one peak per hand), reads size and offset there
and returns boxes in the same px frame the targets were made in (the
network input). Both functions work on one image.
"""
from __future__ import annotations

from typing import Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

#: heatmap channel of each side
SIDE_CHANNELS = ('left', 'right')


def gaussian_sigma(width_cells: float, height_cells: float,
                   fraction: float = 0.15, minimum: float = 0.5) -> float:
    """Std (cells) of a box's peak: ``fraction`` of its smaller side, at
    least ``minimum`` so that small hands still cover a few cells."""
    return max(minimum, fraction * min(width_cells, height_cells))


def encode_center_targets(boxes: np.ndarray, sides: Sequence[str],
                          grid_hw: Tuple[int, int], stride: int
                          ) -> Tuple[np.ndarray, np.ndarray, np.ndarray,
                                     np.ndarray]:
    """Targets of one image.

    Args:
        boxes: (N, 4) xyxy px in the network input.
        sides: N of ``'left'`` / ``'right'``.
        grid_hw: (H, W) cells of the output grid.
        stride: input px per cell.

    Returns:
        heatmap (2, H, W) in [0, 1] (1 at each centre cell), size (2, H, W)
        box (w, h) in cells, offset (2, H, W) centre minus its cell, in
        cells, and mask (H, W) 1 at the centre cells (0 elsewhere).
    """
    height, width = grid_hw
    heatmap = np.zeros((2, height, width), np.float32)
    size = np.zeros((2, height, width), np.float32)
    offset = np.zeros((2, height, width), np.float32)
    mask = np.zeros((height, width), np.float32)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    for box, side in zip(np.asarray(boxes, np.float32).reshape(-1, 4),
                         sides):
        w_cells = (box[2] - box[0]) / stride
        h_cells = (box[3] - box[1]) / stride
        if w_cells <= 0 or h_cells <= 0:
            continue
        centre = np.array([box[0] + box[2], box[1] + box[3]]) / (2 * stride)
        cx, cy = np.floor(centre).astype(int)
        if not (0 <= cx < width and 0 <= cy < height):
            continue
        sigma = gaussian_sigma(w_cells, h_cells)
        bump = np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * sigma ** 2))
        channel = SIDE_CHANNELS.index(side)
        heatmap[channel] = np.maximum(heatmap[channel], bump)
        size[:, cy, cx] = (w_cells, h_cells)
        offset[:, cy, cx] = centre - (cx, cy)
        mask[cy, cx] = 1.0
    return heatmap, size, offset, mask


def local_peaks(heatmap: torch.Tensor) -> torch.Tensor:
    """``heatmap`` (C, H, W) with every value that is not the maximum of
    its 3x3 neighbourhood set to 0 (non-maximum suppression)."""
    pooled = F.max_pool2d(heatmap[None], 3, stride=1, padding=1)[0]
    return heatmap * (pooled == heatmap).to(heatmap.dtype)


def decode_centers(heatmap: torch.Tensor, size: torch.Tensor,
                   offset: torch.Tensor, stride: int,
                   score_thr: float = 0.3, top_k: int = 10
                   ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Boxes of one image from its maps.

    Args:
        heatmap: (2, H, W) peak scores in [0, 1] (left, right).
        size: (2, H, W) box (w, h) in cells.
        offset: (2, H, W) centre offset in cells.
        stride: input px per cell.
        score_thr: keep peaks scoring at least this.
        top_k: at most this many boxes, best first.

    Returns:
        boxes (N, 4) xyxy input px, scores (N,), side channels (N,) long.
    """
    peaks = local_peaks(heatmap)
    channels, height, width = peaks.shape
    scores, index = peaks.reshape(-1).topk(min(top_k, peaks.numel()))
    keep = scores >= score_thr
    scores, index = scores[keep], index[keep]
    side = index // (height * width)
    cell = index % (height * width)
    cy, cx = cell // width, cell % width
    centre_x = (cx.to(size.dtype) + offset[0, cy, cx]) * stride
    centre_y = (cy.to(size.dtype) + offset[1, cy, cx]) * stride
    half_w = size[0, cy, cx] * stride / 2
    half_h = size[1, cy, cx] * stride / 2
    boxes = torch.stack([centre_x - half_w, centre_y - half_h,
                         centre_x + half_w, centre_y + half_h], dim=1)
    return boxes, scores, side
