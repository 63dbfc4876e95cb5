"""HaMeR's weak-perspective crop camera and its move to the real camera.

HaMeR predicts ``(s, tx, ty)`` for a square crop of ``IMG`` px seen by a
virtual pinhole of focal ``F`` on the crop centre; these functions turn it
into a translation, give the virtual camera in crop px, move the hand into
the real camera of the crop (``crop_K = A @ K``, any intrinsics and crop
affine) keeping its reference point's pixel and its image size, and give
the crop's own frame (the real ray through the crop centre). Why the move
is right, and when it is exact: docs/derivations.md section 1.

Units: translations in the unit of the hand model (metres for MANO); focal
lengths and intrinsics in px. numpy or torch, batched over leading
dimensions, like the rest of ``egohands.geometry``.
"""
from typing import Sequence, Union

import numpy as np

from ._array import Array, float_arrays
from .camera import backproject_points, project_points

Number = Union[int, float]

#: HaMeR's focal length of the virtual crop camera (px on a 256-px crop)
HAMER_FOCAL_LENGTH = 5000.0
#: HaMeR's crop side, px
HAMER_IMAGE_SIZE = 256.0
_EPS = 1e-9


def weak_perspective_to_translation(cam: Array,
                                    focal_length: float = HAMER_FOCAL_LENGTH,
                                    image_size: float = HAMER_IMAGE_SIZE
                                    ) -> Array:
    """(..., 3) ``(s, tx, ty)`` -> (..., 3) ``(tx, ty, 2 F / (IMG s + 1e-9))``.

    The translation of the hand in the virtual crop camera (HaMeR's
    ``pred_cam_t``), in the hand model's unit.
    """
    xp, (cam, ) = float_arrays(cam)
    depth = 2 * focal_length / (image_size * cam[..., 0] + _EPS)
    return xp.stack([cam[..., 1], cam[..., 2], depth], axis=-1)


def translation_to_weak_perspective(translation: Array,
                                    focal_length: float = HAMER_FOCAL_LENGTH,
                                    image_size: float = HAMER_IMAGE_SIZE
                                    ) -> Array:
    """Inverse of :func:`weak_perspective_to_translation` (without the
    1e-9): (..., 3) ``(tx, ty, tz)`` -> (..., 3) ``(2 F / (IMG tz), tx, ty)``.
    """
    xp, (translation, ) = float_arrays(translation)
    scale = 2 * focal_length / (image_size * translation[..., 2])
    return xp.stack([scale, translation[..., 0], translation[..., 1]],
                    axis=-1)


def virtual_crop_intrinsics(crop_size: Sequence[int],
                            focal_length: float = HAMER_FOCAL_LENGTH,
                            image_size: float = HAMER_IMAGE_SIZE) -> Array:
    """(3, 3) float64 numpy ``K_v`` of the virtual camera in crop px.

    Args:
        crop_size: ``(W, H)`` of the network input crop, px.
        focal_length: ``F``, px on an ``image_size`` crop.
        image_size: ``IMG``, the crop side ``F`` refers to.
    """
    width, height = float(crop_size[0]), float(crop_size[1])
    focal = focal_length * width / image_size
    return np.array([[focal, 0.0, (width - 1) / 2],
                     [0.0, focal, (height - 1) / 2], [0.0, 0.0, 1.0]])


def crop_px_to_normalized(points: Array, crop_size: Sequence[int]) -> Array:
    """(..., 2) crop px -> HaMeR's normalised crop coordinates: offset from
    the crop centre in crop widths (``[-0.5, 0.5]`` across the crop)."""
    xp, (points, ) = float_arrays(points)
    width, height = float(crop_size[0]), float(crop_size[1])
    return xp.stack([(points[..., 0] - (width - 1) / 2) / width,
                     (points[..., 1] - (height - 1) / 2) / width], axis=-1)


def virtual_to_camera_translation(translation: Array, virtual_K: Array,
                                  crop_K: Array) -> Array:
    """Move the hand from the virtual crop camera into the real one.

    Args:
        translation: (..., 3) ``t`` of the hand in the virtual camera (from
            :func:`weak_perspective_to_translation`), any length unit.
        virtual_K: (..., 3, 3) ``K_v`` in crop px
            (:func:`virtual_crop_intrinsics`).
        crop_K: (..., 3, 3) the real camera of the crop, ``A @ K`` (any
            intrinsics and crop affine, last row ``0 0 1``).

    Returns:
        (..., 3) ``t'`` in the real camera frame, same unit: the reference
        point projects to the same crop pixel, at the depth that keeps the
        hand's image size (docs/derivations.md section 1).
    """
    xp, (translation, virtual_K, crop_K) = float_arrays(
        translation, virtual_K, crop_K)
    reference_px = project_points(translation[..., None, :], virtual_K)
    area_ratio = xp.abs(_det2(crop_K)) / xp.abs(_det2(virtual_K))
    depth = translation[..., 2] * xp.sqrt(area_ratio)
    return backproject_points(reference_px, depth[..., None], crop_K)[..., 0,
                                                                       :]


def crop_frame_rotation(crop_K: Array, crop_size: Sequence[int]) -> Array:
    """(..., 3, 3) camera-from-crop-frame rotation ``R_c``.

    Args:
        crop_K: (..., 3, 3) the real camera of the crop, ``A @ K``.
        crop_size: ``(W, H)`` of the crop, px.

    Returns:
        ``R_c`` whose columns are the crop frame's axes in camera
        coordinates (docs/derivations.md section 1): ``z`` the unit ray of
        the crop centre ``((W - 1) / 2, (H - 1) / 2)``, ``x`` the axis of the
        rotation closest to the ray's derivatives along the crop's ``u`` /
        ``v``, ``y = z x x`` (a right-handed frame even for a mirroring
        ``crop_K``, which no rotation can follow).
        A camera-frame point ``X`` has crop-frame coordinates
        ``R_c^T X``; ``R_c`` is the identity for an upright crop centred on
        the principal point.
    """
    xp, (crop_K, ) = float_arrays(crop_K)
    inverse = xp.linalg.inv(crop_K)
    centre = [(float(crop_size[0]) - 1) / 2, (float(crop_size[1]) - 1) / 2]
    ray = (inverse[..., :, 0] * centre[0] + inverse[..., :, 1] * centre[1] +
           inverse[..., :, 2])
    ray = ray / xp.sqrt((ray * ray).sum(-1, keepdims=True))
    # derivatives of the ray along u and v, without their part along it
    tangent = inverse[..., :, :2] - ray[..., :, None] * (
        ray[..., :, None] * inverse[..., :, :2]).sum(-2, keepdims=True)
    left, _, right_t = xp.linalg.svd(tangent, full_matrices=False)
    axes = left @ right_t  # (..., 3, 2): closest orthonormal pair
    x_axis = axes[..., 0]  # y = z x x equals axes[..., 1] unless mirrored
    return xp.stack([x_axis, xp.linalg.cross(ray, x_axis), ray], -1)


def _det2(matrix: Array) -> Array:
    """Determinant of the upper-left 2x2 block of (..., 3, 3) matrices."""
    return (matrix[..., 0, 0] * matrix[..., 1, 1] -
            matrix[..., 0, 1] * matrix[..., 1, 0])
