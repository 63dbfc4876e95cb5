"""Per-joint visibility from a rendered instance map and depth buffer.

A joint lies inside its hand's mesh, so it is never the rendered surface
itself. It counts as *visible* when the pixel it projects to shows the same
hand and that surface is at most ``tolerance`` in front of the joint (the
joint is just under the skin there). Another hand or an occluder at the
pixel, or a nearer part of the same hand (a finger folded over the palm),
hides it. The flags follow COCO: 2 visible, 1 in the image but occluded,
0 outside the image (or behind the camera).

A joint on the outline (a fingertip seen from above lies on the silhouette)
may round to a background pixel next to its own skin; ``search_radius_px``
lets the test look at the pixels that close to the joint's pixel.
"""
from typing import Union

import numpy as np

from .projection import project_to_pixels

VISIBLE, OCCLUDED, OUTSIDE = 2, 1, 0


def inside_image(uv: np.ndarray, height: int, width: int) -> np.ndarray:
    """(...) bool for (..., 2) pixel positions: on the image, whose pixels
    span ``[-0.5, width - 0.5) x [-0.5, height - 0.5)`` (centres at
    integers)."""
    return ((uv[..., 0] >= -0.5) & (uv[..., 0] < width - 0.5)
            & (uv[..., 1] >= -0.5) & (uv[..., 1] < height - 0.5))


def joint_visibility(joints: np.ndarray, K: np.ndarray, instance: int,
                     instance_id: np.ndarray, depth: np.ndarray,
                     tolerance: Union[float, np.ndarray],
                     search_radius_px: int = 0) -> np.ndarray:
    """COCO visibility flags of one hand's joints.

    Args:
        joints: (J, 3) camera-frame joints, same unit as ``depth``.
        K: (3, 3) intrinsics of the rendered image.
        instance: instance id of this hand in ``instance_id``.
        instance_id: (H, W) int, visible mesh per pixel (-1 background).
        depth: (H, W) depth of the visible surface, unit of ``joints``.
        tolerance: scalar or (J,) how far in front of a joint its own
            surface may be (about a finger radius; more for the wrist).
        search_radius_px: also accept the pixels within this Chebyshev
            distance of the joint's pixel (0: that pixel only).

    Returns:
        (J,) int64 flags: 2 visible, 1 occluded, 0 outside the image.
    """
    height, width = instance_id.shape
    joints = np.asarray(joints, dtype=np.float64)
    uv, z = project_to_pixels(joints, K)
    on_image = inside_image(uv, height, width) & (z > 0)
    flags = np.where(on_image, OCCLUDED, OUTSIDE).astype(np.int64)
    col = np.floor(uv[:, 0] + 0.5).astype(np.int64)
    row = np.floor(uv[:, 1] + 0.5).astype(np.int64)
    steps = np.arange(-search_radius_px, search_radius_px + 1)
    d_row, d_col = [a.ravel() for a in np.meshgrid(steps, steps,
                                                    indexing='ij')]
    rows = np.clip(row[:, None] + d_row, 0, height - 1)  # (J, S)
    cols = np.clip(col[:, None] + d_col, 0, width - 1)
    same_hand = instance_id[rows, cols] == instance
    surface_in_front = z[:, None] - depth[rows, cols]
    close = surface_in_front <= np.broadcast_to(tolerance, z.shape)[:, None]
    flags[on_image & (same_hand & close).any(axis=1)] = VISIBLE
    return flags
