"""Perspective crops: a virtual pinhole camera turned to look at the hand.

A perspective crop (UmeTrack, hand_tracking_toolkit) keeps the real
camera's centre and rotates the camera so that its optical axis passes
through the hand; the crop image is what that virtual pinhole camera sees.
Unlike an affine crop, the hand is seen head-on wherever it is in a wide or
fisheye image, and the crop camera is an exact camera (intrinsics
``crop_K`` and a rotation ``R_crop_from_cam``) that 3D geometry can use.

Conventions: OpenCV axes, pixel centres at integer coordinates, the crop's
principal point at ``((S - 1) / 2, (S - 1) / 2)`` and focal
``f = S / 2 / tan(fov / 2)`` for an ``S``-px crop of field of view ``fov``
(radians), as the toolkit's ``decode_hand_crop_params``. A point ``X`` of
the real camera has crop-camera coordinates ``R_crop_from_cam @ X`` (the
two cameras share their centre); ``R_crop_from_cam`` comes from
:func:`~egohands.geometry.look_at.look_at_rotation` (no roll). numpy only:
this runs in the data pipeline.
"""
from typing import Callable, Tuple

import cv2
import numpy as np

from .look_at import look_at_rotation

#: (N, 3) eye-frame points -> (N, 2) pixels of a source image; points that
#: do not project (behind the camera) must come out as -1
Projector = Callable[[np.ndarray], np.ndarray]


def perspective_crop_intrinsics(crop_size: int, fov: float) -> np.ndarray:
    """(3, 3) ``K`` of an ``crop_size``-px square crop of field of view
    ``fov`` (radians): ``f = S / 2 / tan(fov / 2)``, ``c = (S - 1) / 2``."""
    focal = crop_size / 2 / np.tan(fov / 2)
    centre = (crop_size - 1) / 2
    return np.array([[focal, 0, centre], [0, focal, centre], [0, 0, 1]],
                    np.float64)


def enclosing_fov(points: np.ndarray, rotation: np.ndarray,
                  margin: float = 1.0) -> float:
    """Field of view (radians) of the crop camera ``rotation`` that holds
    ``points`` (N, 3), camera frame, with ``margin`` times the tightest
    half-width (``2 atan(margin * max |x/z|, |y/z|)`` in the crop frame,
    like UmeTrack's focal multiplier). Points must be in front of it."""
    local = np.asarray(points, np.float64) @ rotation.T
    if (local[:, 2] <= 0).any():
        raise ValueError('enclosing_fov: a point is behind the crop camera')
    half = np.abs(local[:, :2] / local[:, 2:]).max()
    return float(2 * np.arctan(margin * half))


def pinhole_projector(K: np.ndarray) -> Projector:
    """The :data:`Projector` of a pinhole camera ``K`` (3, 3)."""
    K = np.asarray(K, np.float64)

    def project(points: np.ndarray) -> np.ndarray:
        z = points[:, 2:3]
        ahead = z[:, 0] > 1e-9
        uv = np.full((len(points), 2), -1.0)
        uv[ahead] = (points[ahead] / z[ahead]) @ K[:2].T
        return uv
    return project


def crop_source_pixels(project: Projector, rotation: np.ndarray,
                       crop_K: np.ndarray, crop_size: int) -> np.ndarray:
    """(S, S, 2) source-image pixel seen by each crop pixel.

    Each crop pixel's ray (crop frame) is rotated into the real camera and
    projected with ``project``: the toolkit's ``warp_image`` for cameras
    that share their centre, so any lens model works as the source.
    """
    u, v = np.meshgrid(np.arange(crop_size, dtype=np.float64),
                       np.arange(crop_size, dtype=np.float64))
    pixels = np.stack([u, v, np.ones_like(u)], -1).reshape(-1, 3)
    rays_crop = pixels @ np.linalg.inv(crop_K).T
    rays_cam = rays_crop @ np.asarray(rotation, np.float64)  # R^T per row
    return project(rays_cam).reshape(crop_size, crop_size, 2)


def warp_to_crop(image: np.ndarray, project: Projector,
                 rotation: np.ndarray, crop_K: np.ndarray, crop_size: int,
                 interpolation: int = cv2.INTER_LINEAR) -> np.ndarray:
    """The ``crop_size``-px perspective crop of ``image`` (bilinear); crop
    pixels whose ray leaves the source image are black."""
    source = crop_source_pixels(project, rotation, crop_K,
                                crop_size).astype(np.float32)
    return cv2.remap(image, source[..., 0], source[..., 1], interpolation,
                     borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def pinhole_crop_homography(K: np.ndarray, rotation: np.ndarray,
                            crop_K: np.ndarray) -> np.ndarray:
    """(3, 3) homography crop px -> source px of a pinhole source ``K``:
    ``K R^T crop_K^-1`` (the closed form of :func:`crop_source_pixels`)."""
    return np.asarray(K, np.float64) @ np.asarray(rotation, np.float64).T \
        @ np.linalg.inv(crop_K)


def perspective_crop_camera(points: np.ndarray, crop_size: int,
                            margin: float = 1.2) -> Tuple[np.ndarray,
                                                          np.ndarray]:
    """``(R_crop_from_cam, crop_K)`` of the crop that looks at the centre of
    the bounding box of ``points`` (N, 3), camera frame, and holds them
    all with ``margin``."""
    points = np.asarray(points, np.float64)
    centre = (points.min(0) + points.max(0)) / 2
    rotation = look_at_rotation(centre)
    fov = enclosing_fov(points, rotation, margin)
    return rotation, perspective_crop_intrinsics(crop_size, fov)
