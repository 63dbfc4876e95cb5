"""Pinhole projection of camera-frame points, for numpy and torch.

The rasteriser (data generation) and a soft silhouette (mask loss) both start
from the same step: camera-frame vertices -> pixel coordinates + depth. Pixel
centres are at integer coordinates (``docs/architecture.md`` section 2), so a
pixel ``(i, j)`` covers ``[i - 0.5, i + 0.5] x [j - 0.5, j + 0.5]``.
"""
from typing import Tuple, Union

import numpy as np
import torch

Array = Union[np.ndarray, torch.Tensor]


def project_to_pixels(points: Array, K: Array,
                      eps: float = 1e-12) -> Tuple[Array, Array]:
    """Project camera-frame points with intrinsics ``K``.

    Args:
        points: (..., N, 3) camera-frame points (OpenCV axes), any length unit.
        K: (3, 3) or (..., 3, 3) intrinsics, ``u ~ K X``.
        eps: guard for the division by depth (points at z <= eps keep a
            finite, meaningless pixel position; callers cull them by depth).

    Returns:
        (uv (..., N, 2) px, depth (..., N) in the unit of ``points``).
    """
    if isinstance(points, torch.Tensor):
        K = torch.as_tensor(K, dtype=points.dtype, device=points.device)
        homogeneous = points @ K.transpose(-1, -2)
        depth = homogeneous[..., 2]
        safe = torch.where(depth.abs() > eps, depth,
                           torch.full_like(depth, eps))
        return homogeneous[..., :2] / safe[..., None], depth
    points = np.asarray(points)
    K = np.asarray(K, dtype=points.dtype if points.dtype.kind == 'f'
                   else np.float64)
    homogeneous = points @ np.swapaxes(K, -1, -2)
    depth = homogeneous[..., 2]
    safe = np.where(np.abs(depth) > eps, depth, eps)
    return homogeneous[..., :2] / safe[..., None], depth


def pixel_rays(px: np.ndarray, py: np.ndarray, K: np.ndarray) -> np.ndarray:
    """Camera-frame ray directions through pixel positions (z = 1).

    Args:
        px, py: (N,) pixel coordinates (full-image px).
        K: (3, 3) intrinsics.

    Returns:
        (N, 3) rays ``K^-1 [u, v, 1]``, not normalised (their z is 1).
    """
    pixels = np.stack([px, py, np.ones_like(px)], axis=-1).astype(np.float64)
    return pixels @ np.linalg.inv(np.asarray(K, dtype=np.float64)).T


def intrinsics_matrix(fx: float, fy: float, cx: float, cy: float,
                      dtype=np.float64) -> np.ndarray:
    """The 3x3 pinhole matrix from focal lengths and principal point (px)."""
    return np.array([[fx, 0.0, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]],
                    dtype=dtype)
