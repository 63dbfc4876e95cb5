"""Distorted camera models of the hand_tracking_toolkit (UmeTrack, HOT3D).

A :class:`CameraModel` maps camera-frame points (OpenCV axes: +x right, +y
down, +z forward) to window pixels in three steps:

1. project: ``pinhole`` models divide by depth, ``p = (x/z, y/z)``; the
   ``fisheye*`` models use the arctan projection, ``p = (x, y) / r *
   atan2(r, z)`` with ``r = |(x, y)|``, so ``|p|`` is the angle (rad)
   between the ray and +z and rays behind the camera stay defined;
2. distort ``p`` with the model's polynomial (coefficient orders below,
   the orders of the toolkit's ``projection_params``);
3. ``u = fx * q_x + cx``, ``v = fy * q_y + cy`` (pixel centres at integer
   coordinates).

==============  ==========  ============================================
kind            projection  coefficients
==============  ==========  ============================================
``pinhole``     pinhole     none (``PinholePlane``)
``opencv``      pinhole     k1 k2 k3 p1 p2 (``OpenCV``)
``rational``    pinhole     k1 k2 k3 p1 p2 k4 k5 k6 (``Rational``)
``fisheye44``   arctan      k1 k2 k3 k4 p1 p2 p3 p4 (``OculusVisionFishEye``)
``fisheye62``   arctan      k1 k2 k3 k4 p1 p2 k5 k6 (``...FishEye62``)
``fisheye624``  arctan      k1..k6 p1 p2 s1..s4 (``...FishEye624``,
                            ``CameraModelType.FISHEYE624``)
==============  ==========  ============================================

Unprojection inverts the polynomial with Newton steps (the toolkit itself
only unprojects pinhole cameras). Projection takes numpy arrays or torch
tensors (differentiable); unprojection is numpy. The unit of the points is
the caller's; ``T_world_from_cam`` is (4, 4) in that same unit.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Tuple

import numpy as np

from ._array import Array, float_arrays

#: kind -> (projection, number of distortion coefficients)
CAMERA_KINDS = {
    'pinhole': ('pinhole', 0),
    'opencv': ('pinhole', 5),
    'rational': ('pinhole', 8),
    'fisheye44': ('arctan', 8),
    'fisheye62': ('arctan', 8),
    'fisheye624': ('arctan', 12),
}
#: the toolkit's ``projection_model_type`` names -> kind
TOOLKIT_MODEL_NAMES = {
    'PinholePlane': 'pinhole',
    'OpenCV': 'opencv',
    'Rational': 'rational',
    'OculusVisionFishEye': 'fisheye44',
    'OculusVisionFishEye62': 'fisheye62',
    'OculusVisionFishEye624': 'fisheye624',
    'CameraModelType.FISHEYE624': 'fisheye624',
}
_NEWTON_STEPS = 30
_EPS = 1e-12


@dataclass(frozen=True)
class CameraModel:
    """One camera: intrinsics, distortion and pose.

    Attributes:
        kind: a key of :data:`CAMERA_KINDS`.
        width, height: image size, px.
        focal: (fx, fy), px. principal: (cx, cy), px.
        coeffs: distortion coefficients in the order of the table above.
        T_world_from_cam: (4, 4) camera-to-world rigid transform.
        label: the toolkit's label (``camera-slam-left``, ``camera-rgb``).
    """

    kind: str
    width: int
    height: int
    focal: Tuple[float, float]
    principal: Tuple[float, float]
    coeffs: Tuple[float, ...] = ()
    T_world_from_cam: np.ndarray = field(
        default_factory=lambda: np.eye(4), compare=False)
    label: str = ''

    def __post_init__(self) -> None:
        if self.kind not in CAMERA_KINDS:
            raise ValueError(f'camera kind must be one of '
                             f'{list(CAMERA_KINDS)}, got {self.kind!r}')
        wanted = CAMERA_KINDS[self.kind][1]
        if len(self.coeffs) != wanted:
            raise ValueError(f'a {self.kind} camera has {wanted} distortion '
                             f'coefficients, got {len(self.coeffs)}')

    @property
    def is_fisheye(self) -> bool:
        return CAMERA_KINDS[self.kind][0] == 'arctan'

    @property
    def K(self) -> np.ndarray:
        """(3, 3) float64 matrix of focal lengths and principal point."""
        (fx, fy), (cx, cy) = self.focal, self.principal
        return np.array([[fx, 0, cx], [0, fy, cy], [0, 0, 1]], np.float64)

    def with_pose(self, T_world_from_cam: np.ndarray) -> 'CameraModel':
        return replace(self, T_world_from_cam=np.asarray(
            T_world_from_cam, np.float64))

    def project(self, points_cam: Array) -> Array:
        """(..., 3) camera-frame points -> (..., 2) window px."""
        return project_to_window(points_cam, self)

    def unproject(self, uv: np.ndarray) -> np.ndarray:
        """(..., 2) px -> (..., 3) unit rays, camera frame."""
        return unproject_to_rays(uv, self)


# -- projection ----------------------------------------------------------
def _normalised_coordinates(points: Array, arctan: bool, xp) -> Array:
    x, y, z = points[..., 0], points[..., 1], points[..., 2]
    if not arctan:
        return xp.stack([x / z, y / z], -1)
    radius = xp.sqrt(x * x + y * y + _EPS * _EPS)
    scale = xp.atan2(radius, z) / radius
    return xp.stack([x * scale, y * scale], -1)


def _radial_polynomial(r2: Array, ks) -> Array:
    """1 + k1 r^2 + k2 r^4 + ... (Horner)."""
    total = 0.0
    for k in reversed(ks):
        total = (total + k) * r2
    return 1.0 + total


def distort(p: Array, kind: str, coeffs) -> Array:
    """(..., 2) projected coordinates -> distorted ones (same shape)."""
    xp = np if isinstance(p, np.ndarray) else __import__('torch')
    c = list(coeffs)
    if kind == 'pinhole':
        return p
    x, y = p[..., 0], p[..., 1]
    r2 = x * x + y * y
    if kind in ('opencv', 'rational'):
        k1, k2, k3, p1, p2 = c[:5]
        radial = _radial_polynomial(r2, [k1, k2, k3])
        if kind == 'rational':
            radial = radial / _radial_polynomial(r2, c[5:8])
        xd = x * radial + 2 * p1 * x * y + p2 * (r2 + 2 * x * x)
        yd = y * radial + 2 * p2 * x * y + p1 * (r2 + 2 * y * y)
        return xp.stack([xd, yd], -1)
    if kind == 'fisheye44':
        radial = _radial_polynomial(r2, c[:4])
        xr, yr = x * radial, y * radial
        s2 = xr * xr + yr * yr
        p1, p2, p3, p4 = c[4:8]
        factor = 1 + p3 * s2 + p4 * s2 * s2
        xd = xr + (2 * p1 * xr * yr + p2 * (s2 + 2 * xr * xr)) * factor
        yd = yr + (2 * p2 * xr * yr + p1 * (s2 + 2 * yr * yr)) * factor
        return xp.stack([xd, yd], -1)
    # fisheye62 / fisheye624: radial on r^2 clipped to pi^2, tangential with
    # p1 on x and p2 on y, thin prism (624) on the radially distorted r^2
    if kind == 'fisheye62':
        ks, (p1, p2), prism = c[:4] + c[6:8], c[4:6], None
    else:
        ks, (p1, p2), prism = c[:6], c[6:8], c[8:12]
    r2c = xp.clip(r2, 0.0, math.pi ** 2) if xp is np else r2.clamp(
        0.0, math.pi ** 2)
    radial = _radial_polynomial(r2c, ks)
    xr, yr = x * radial, y * radial
    s2 = xr * xr + yr * yr
    xd = xr + 2 * p2 * xr * yr + p1 * (s2 + 2 * xr * xr)
    yd = yr + 2 * p1 * xr * yr + p2 * (s2 + 2 * yr * yr)
    if prism is not None:
        s1, s2c, s3, s4 = prism
        xd = xd + s1 * s2 + s2c * s2 * s2
        yd = yd + s3 * s2 + s4 * s2 * s2
    return xp.stack([xd, yd], -1)


def project_to_window(points_cam: Array, camera: CameraModel) -> Array:
    """(..., 3) camera-frame points -> (..., 2) window px of ``camera``.

    Pinhole kinds need ``z > 0``; fisheye kinds accept any direction.
    """
    xp, (points, ) = float_arrays(points_cam)
    p = _normalised_coordinates(points, camera.is_fisheye, xp)
    q = distort(p, camera.kind, camera.coeffs)
    (fx, fy), (cx, cy) = camera.focal, camera.principal
    return xp.stack([q[..., 0] * fx + cx, q[..., 1] * fy + cy], -1)


# -- unprojection --------------------------------------------------------
def undistort(q: np.ndarray, kind: str, coeffs) -> np.ndarray:
    """Invert :func:`distort` by Newton steps (numerical 2x2 Jacobian),
    starting at ``q``; (..., 2) float64."""
    q = np.asarray(q, np.float64)
    if kind == 'pinhole':
        return q.copy()
    p = q.copy()
    step = 1e-7
    for _ in range(_NEWTON_STEPS):
        residual = distort(p, kind, coeffs) - q
        if np.abs(residual).max(initial=0.0) < 1e-13:
            break
        dx = (distort(p + [step, 0], kind, coeffs) -
              distort(p - [step, 0], kind, coeffs)) / (2 * step)
        dy = (distort(p + [0, step], kind, coeffs) -
              distort(p - [0, step], kind, coeffs)) / (2 * step)
        jacobian = np.stack([dx, dy], -1)  # (..., 2 out, 2 in)
        p = p - np.linalg.solve(jacobian, residual[..., None])[..., 0]
    return p


def unproject_to_rays(uv: np.ndarray, camera: CameraModel) -> np.ndarray:
    """(..., 2) window px -> (..., 3) unit-length camera-frame rays.

    ``project_to_window(t * ray) == uv`` for every ``t > 0``.
    """
    uv = np.asarray(uv, np.float64)
    (fx, fy), (cx, cy) = camera.focal, camera.principal
    q = np.stack([(uv[..., 0] - cx) / fx, (uv[..., 1] - cy) / fy], -1)
    p = undistort(q, camera.kind, camera.coeffs)
    if camera.is_fisheye:
        angle = np.linalg.norm(p, axis=-1)
        sin_over = np.where(angle > _EPS, np.sin(angle) / np.maximum(
            angle, _EPS), 1.0)
        return np.concatenate([p * sin_over[..., None],
                               np.cos(angle)[..., None]], -1)
    rays = np.concatenate([p, np.ones_like(p[..., :1])], -1)
    return rays / np.linalg.norm(rays, axis=-1, keepdims=True)


# -- frames --------------------------------------------------------------
def world_to_camera(points_world: Array, T_world_from_cam: Array) -> Array:
    """(..., 3) world points -> camera frame: ``R^T (x - t)``."""
    _, (points, T) = float_arrays(points_world, T_world_from_cam)
    return (points - T[..., None, :3, 3]) @ T[..., :3, :3]


def camera_to_world(points_cam: Array, T_world_from_cam: Array) -> Array:
    """(..., 3) camera-frame points -> world: ``R x + t``."""
    _, (points, T) = float_arrays(points_cam, T_world_from_cam)
    return points @ T[..., :3, :3].swapaxes(-1, -2) + T[..., None, :3, 3]


def invert_rigid(T: np.ndarray) -> np.ndarray:
    """(..., 4, 4) rigid transform -> its inverse."""
    T = np.asarray(T, np.float64)
    out = np.zeros_like(T)
    rotation_t = T[..., :3, :3].swapaxes(-1, -2)
    out[..., :3, :3] = rotation_t
    out[..., :3, 3] = -(rotation_t @ T[..., :3, 3:])[..., 0]
    out[..., 3, 3] = 1.0
    return out
