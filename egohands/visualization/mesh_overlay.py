"""A hand mesh drawn as a shaded, semi-transparent overlay on an image.

What HaMeR's demo shows: the recovered MANO mesh, Lambertian-shaded in one
colour, blended over the picture so that the hand underneath stays visible.
Rasterising and shading are :mod:`egohands.rendering`'s (its lighting is
two-sided, so mirrored meshes, whose triangle winding is reversed, are lit
like the others). Pixels the mesh does not cover are left untouched.
"""
from __future__ import annotations

from typing import Sequence, Tuple

import numpy as np

from egohands.rendering import Mesh, render_meshes

#: a light blue-grey (BGR, 0-255), readable over skin and backgrounds
MESH_COLOR_BGR: Tuple[int, int, int] = (219, 189, 166)


def draw_mesh_overlay(image: np.ndarray, vertices: np.ndarray,
                      faces: np.ndarray, K: np.ndarray, alpha: float = 0.7,
                      color: Sequence[int] = MESH_COLOR_BGR,
                      light_dir: Sequence[float] = (0.0, -0.5, -1.0),
                      ambient: float = 0.4,
                      diffuse: float = 0.6) -> np.ndarray:
    """Blend the shaded mesh over ``image`` where it covers a pixel.

    Args:
        image: (h, w, 3) uint8 BGR picture (e.g. a network input crop).
        vertices: (V, 3) vertices in the camera frame of ``image`` (OpenCV
            axes, any unit; faces with a corner at ``z <= 1e-3`` of that
            unit are not drawn).
        faces: (F, 3) int vertex indices; either winding.
        K: (3, 3) intrinsics of ``image``, pixel centres at integers.
        alpha: opacity of the mesh in [0, 1].
        color: BGR albedo of the mesh, 0-255.
        light_dir: (3,) direction towards a distant light, camera frame.
        ambient, diffuse: Lambertian weights (see ``rendering.shading``).

    Returns:
        (h, w, 3) uint8 BGR: ``(1 - alpha) * image + alpha * shaded mesh`` on
        covered pixels, ``image`` byte for byte elsewhere.
    """
    picture = np.asarray(image, dtype=np.uint8)
    height, width = picture.shape[:2]
    vertices = np.asarray(vertices, dtype=np.float64)
    albedo = np.broadcast_to(np.asarray(color, np.float64) / 255.0,
                             (len(vertices), 3))
    rendered = render_meshes([Mesh(vertices, np.asarray(faces), albedo)],
                             np.asarray(K, np.float64), height, width,
                             light_dir=light_dir, ambient=ambient,
                             diffuse=diffuse)
    covered = rendered.mask(0)
    blended = ((1.0 - alpha) * picture[covered] +
               alpha * 255.0 * rendered.image[covered])
    out = picture.copy()
    out[covered] = np.clip(np.round(blended), 0, 255).astype(np.uint8)
    return out
