"""Pinhole cameras: intrinsics, projection, back-projection, crop cameras.

Conventions (``docs/architecture.md`` section 2): OpenCV camera axes (+x
right, +y down, +z forward); ``K`` is (..., 3, 3) with ``u ~ K X``; pixel
centres at integer coordinates. A crop or resize of the image is an affine
map ``A`` of its pixels (``egohands.geometry.affine``), and the camera of the
new image is ``A @ K``: projecting with it equals projecting with ``K`` and
then mapping the pixels with ``A``. Such a ``K`` may hold a rotation, so
every function here accepts any 3x3 ``K`` whose last row is ``0 0 1``.

The unit of the 3D points is the caller's (mm in egohands); pixels are in
the frame of the image that ``K`` describes. All functions take numpy arrays
or torch tensors and return that type.
"""
import math
from typing import Union

from ._array import Array, float_arrays, stack_matrix
from .affine import affine_to_3x3, resize_matrix

Number = Union[int, float]


def intrinsics_from_focal(fx: Union[Array, Number], fy: Union[Array, Number],
                          cx: Union[Array, Number],
                          cy: Union[Array, Number]) -> Array:
    """(..., 3, 3) ``K`` from focal lengths and principal point, px.

    The four arguments broadcast together (scalars give one (3, 3) matrix).
    """
    xp, (fx, fy, cx, cy) = float_arrays(fx, fy, cx, cy)
    zero = xp.zeros_like(fx * fy * cx * cy)
    return stack_matrix([[fx, zero, cx], [zero, fy, cy],
                         [zero, zero, zero + 1]])


def focal_from_fov(fov_x_deg: Union[Array, Number], width: int) -> Array:
    """Focal length (px) of a ``width``-px image spanning ``fov_x_deg``.

    The image spans ``width`` pixels from edge to edge (pixel centres at
    integers), so ``f = (w / 2) / tan(fov_x / 2)``.
    """
    xp, (fov, ) = float_arrays(fov_x_deg)
    return (width / 2) / xp.tan(fov * (math.pi / 360))


def intrinsics_from_fov(fov_x_deg: Union[Array, Number], width: int,
                        height: int) -> Array:
    """``K`` of a ``width`` x ``height`` image with a horizontal FOV (deg).

    Square pixels (:func:`focal_from_fov`); the principal point is the image
    centre ``((w - 1) / 2, (h - 1) / 2)``.
    """
    focal = focal_from_fov(fov_x_deg, width)
    return intrinsics_from_focal(focal, focal, (width - 1) / 2,
                                 (height - 1) / 2)


def project_points(points_3d: Array, K: Array) -> Array:
    """Pinhole projection: (..., N, 3) camera-frame points -> (..., N, 2) px.

    ``K`` is (..., 3, 3), broadcast over the leading dimensions. Points must
    have ``z > 0`` (no clamping, so gradients are exact).
    """
    _, (points, K) = float_arrays(points_3d, K)
    homogeneous = points @ K.swapaxes(-1, -2)
    return homogeneous[..., :2] / homogeneous[..., 2:3]


def backproject_points(uv: Array, depth: Array, K: Array) -> Array:
    """Lift (..., N, 2) px with (..., N) depth ``z`` to (..., N, 3) points.

    The inverse of :func:`project_points`: the returned points project to
    ``uv`` and have camera-frame ``z == depth`` (same unit as ``depth``).
    """
    xp, (uv, depth, K) = float_arrays(uv, depth, K)
    ones = xp.ones_like(uv[..., :1])
    pixels = xp.concatenate([uv, ones], axis=-1)
    rays = pixels @ xp.linalg.inv(K).swapaxes(-1, -2)
    return rays * (depth[..., None] / rays[..., 2:3])


def scale_intrinsics(K: Array,
                     scale_x: Union[Array, Number],
                     scale_y: Union[Array, Number, None] = None) -> Array:
    """``K`` of the image resized by ``scale_x`` (and ``scale_y``).

    Pixel-centre convention of ``cv2.resize``: ``u' = s (u + 0.5) - 0.5``,
    so ``cx`` moves by ``(s - 1) / 2`` besides being scaled.
    """
    return crop_intrinsics(K, resize_matrix(scale_x, scale_y))


def crop_intrinsics(K: Array, affine: Array) -> Array:
    """``A @ K``: the camera of a crop made with the pixel affine ``A``.

    Args:
        K: (..., 3, 3) intrinsics of the full image.
        affine: (..., 2|3, 3) map full-image px -> crop px (e.g. from
            ``get_affine_matrix``; flips and rotations included).

    Returns:
        (..., 3, 3) ``crop_K`` with ``crop_px ~ crop_K @ X``.
    """
    _, (K, affine) = float_arrays(K, affine)
    return affine_to_3x3(affine) @ K
