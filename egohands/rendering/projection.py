"""Pinhole projection for the rasterisers, on top of ``egohands.geometry``.

The hard rasteriser (data generation) and a soft silhouette (mask loss)
both start from the same step: camera-frame vertices -> pixel coordinates
and depth. Pixel centres are at integer coordinates (``docs/architecture.md``
section 2), so a pixel ``(i, j)`` covers ``[i - 0.5, i + 0.5] x
[j - 0.5, j + 0.5]``. Unlike ``geometry.camera.project_points``, points at
or behind the camera are allowed here (the rasteriser culls them by depth).
"""
from typing import Tuple, Union

import numpy as np
import torch

from egohands.geometry.camera import backproject_points, project_points

Array = Union[np.ndarray, torch.Tensor]


def project_to_pixels(points: Array, K: Array,
                      eps: float = 1e-12) -> Tuple[Array, Array]:
    """Project camera-frame points with intrinsics ``K``.

    Args:
        points: (..., N, 3) camera-frame points (OpenCV axes), any length unit.
        K: (3, 3) or (..., 3, 3) intrinsics, ``u ~ K X``.
        eps: points with ``|z| <= eps`` are projected as if ``z = eps``
            (a finite, meaningless pixel; callers cull them by depth).

    Returns:
        (uv (..., N, 2) px, depth (..., N) in the unit of ``points``).
    """
    depth = points[..., 2]
    if isinstance(points, torch.Tensor):
        safe_z = torch.where(depth.abs() > eps, depth,
                             torch.full_like(depth, eps))
        safe = torch.cat([points[..., :2], safe_z[..., None]], dim=-1)
    else:
        points = np.asarray(points)
        depth = points[..., 2]
        safe_z = np.where(np.abs(depth) > eps, depth, eps)
        safe = np.concatenate([points[..., :2], safe_z[..., None]], axis=-1)
    return project_points(safe, K), depth


def pixel_rays(px: np.ndarray, py: np.ndarray, K: np.ndarray) -> np.ndarray:
    """Camera-frame ray directions through pixel positions (z = 1).

    Args:
        px, py: (N,) pixel coordinates (full-image px).
        K: (3, 3) intrinsics.

    Returns:
        (N, 3) float64 rays ``K^-1 [u, v, 1]``, not normalised (z is 1).
    """
    uv = np.stack([px, py], axis=-1).astype(np.float64)
    return backproject_points(uv, np.ones(len(uv)), np.asarray(K, np.float64))
