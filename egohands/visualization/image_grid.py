"""Tiling of images into one picture (browse_dataset, demo figures)."""
from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np


def make_image_grid(images: Sequence[np.ndarray], ncols: Optional[int] = None,
                    pad: int = 2, pad_value: int = 32) -> np.ndarray:
    """Tile (h_i, w_i, 3) uint8 images row by row into one image.

    Every cell is as large as the largest image; smaller images sit in the
    top-left corner of their cell. ``ncols`` defaults to a square-ish grid.

    Returns:
        (rows * (H + pad) + pad, ncols * (W + pad) + pad, 3) uint8.
    """
    if len(images) == 0:
        raise ValueError('make_image_grid needs at least one image')
    images = [np.atleast_3d(np.asarray(img, np.uint8)) for img in images]
    images = [np.repeat(img, 3, axis=2) if img.shape[2] == 1 else img
              for img in images]
    ncols = ncols or math.ceil(math.sqrt(len(images)))
    nrows = math.ceil(len(images) / ncols)
    cell_h = max(img.shape[0] for img in images)
    cell_w = max(img.shape[1] for img in images)
    grid = np.full((nrows * (cell_h + pad) + pad,
                    ncols * (cell_w + pad) + pad, 3), pad_value, np.uint8)
    for index, img in enumerate(images):
        row, col = divmod(index, ncols)
        top = pad + row * (cell_h + pad)
        left = pad + col * (cell_w + pad)
        grid[top:top + img.shape[0], left:left + img.shape[1]] = img
    return grid
