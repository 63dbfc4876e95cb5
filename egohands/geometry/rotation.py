"""Rotation conversions: axis-angle, matrix, quaternion and both 6D layouts.

Conventions (``docs/architecture.md`` section 2):

* rotation matrices act on column vectors, ``x' = R @ x``; shape (..., 3, 3);
* axis-angle vectors are in radians, shape (..., 3);
* quaternions are ``(w, x, y, z)`` (scalar first), shape (..., 4); the
  functions that return one give the unit representative with ``w >= 0``;
* 6D comes in two layouts that must never be mixed silently, so each has its
  own names:

  - ``rot6d_columns_*``: the 6 numbers are the first two **columns** of the
    matrix, ``[R[:, 0], R[:, 1]]`` (HaMeR);
  - ``rot6d_rows_*``: the 6 numbers are the first two **rows**,
    ``[R[0, :], R[1, :]]`` (pytorch3d, ARCTIC, WildHands).

  The same 6 numbers decode to transposed matrices under the two layouts.
  Decoding is Gram-Schmidt with ``b3 = b1 x b2`` in both.

All functions take numpy arrays or torch tensors (and return the same type),
are batched over leading dimensions, and are differentiable in torch, also at
the zero rotation.
"""
from ._array import (Array, argmax, eye_like, float_arrays, stack_matrix,
                     take_along_axis)

# Below this squared angle (rad^2) the Taylor series replace sin(t)/t etc.
_SMALL_ANGLE_SQ = 1e-6
_NORM_EPS = 1e-12


def _skew(v: Array, xp) -> Array:
    """(..., 3) vectors -> (..., 3, 3) cross-product matrices [v]_x."""
    x, y, z = v[..., 0], v[..., 1], v[..., 2]
    zero = xp.zeros_like(x)
    return stack_matrix([[zero, -z, y], [z, zero, -x], [-y, x, zero]])


def _safe_sqrt_where_small(value_sq: Array, xp):
    """Return (small mask, sqrt(value_sq) with 1 where small).

    Computing the root only where the value is not tiny keeps torch
    gradients finite at zero (the series branch is used there).
    """
    small = value_sq < _SMALL_ANGLE_SQ
    safe = xp.sqrt(xp.where(small, xp.ones_like(value_sq), value_sq))
    return small, safe


def axis_angle_to_matrix(rotvec: Array) -> Array:
    """Rodrigues' formula: (..., 3) axis-angle (rad) -> (..., 3, 3) matrices.

    ``R = I + a [r]_x + b [r]_x^2`` with ``a = sin(t)/t`` and
    ``b = (1 - cos(t))/t^2 = 2 sin^2(t/2)/t^2`` (no cancellation), replaced by
    their Taylor series for tiny angles.
    """
    xp, (rotvec, ) = float_arrays(rotvec)
    angle_sq = (rotvec * rotvec).sum(axis=-1)
    small, angle = _safe_sqrt_where_small(angle_sq, xp)
    half_sin = xp.sin(angle / 2)
    a = xp.where(small, 1 - angle_sq / 6, xp.sin(angle) / angle)
    b = xp.where(small, 0.5 - angle_sq / 24, 2 * half_sin * half_sin /
                 (angle * angle))
    skew = _skew(rotvec, xp)
    return (eye_like(skew, 3) + a[..., None, None] * skew +
            b[..., None, None] * (skew @ skew))


def axis_angle_to_quaternion(rotvec: Array) -> Array:
    """(..., 3) axis-angle (rad) -> (..., 4) unit quaternions (w, x, y, z)."""
    xp, (rotvec, ) = float_arrays(rotvec)
    angle_sq = (rotvec * rotvec).sum(axis=-1)
    small, angle = _safe_sqrt_where_small(angle_sq, xp)
    # sin(t/2) / t, with its series 1/2 - t^2/48 for tiny t
    factor = xp.where(small, 0.5 - angle_sq / 48, xp.sin(angle / 2) / angle)
    w = xp.where(small, 1 - angle_sq / 8, xp.cos(angle / 2))
    quat = xp.concatenate([w[..., None], rotvec * factor[..., None]], axis=-1)
    return _canonical_quaternion(quat, xp)


def _canonical_quaternion(quat: Array, xp) -> Array:
    """Flip the sign of quaternions with w < 0 (q and -q are one rotation)."""
    sign = xp.where(quat[..., :1] < 0, -xp.ones_like(quat[..., :1]),
                    xp.ones_like(quat[..., :1]))
    return quat * sign


def quaternion_to_axis_angle(quat: Array) -> Array:
    """(..., 4) quaternions (w, x, y, z), any norm -> (..., 3) axis-angle.

    The angle is ``2 atan2(|v|, w)`` in [0, pi], stable near 0 and pi.
    """
    xp, (quat, ) = float_arrays(quat)
    norm = xp.sqrt((quat * quat).sum(axis=-1, keepdims=True))
    quat = _canonical_quaternion(quat / norm, xp)
    w, vec = quat[..., 0], quat[..., 1:]
    sin_half_sq = (vec * vec).sum(axis=-1)
    small, sin_half = _safe_sqrt_where_small(sin_half_sq, xp)
    angle = 2 * xp.atan2(sin_half, w)
    # angle / sin(angle/2); for tiny sin(angle/2) = s: 2/w + (2/3) s^2/w^3
    w_safe = xp.where(small, w, xp.ones_like(w))
    factor = xp.where(small, 2 / w_safe + (2 / 3) * sin_half_sq / w_safe**3,
                      angle / sin_half)
    return vec * factor[..., None]


def quaternion_to_matrix(quat: Array) -> Array:
    """(..., 4) quaternions (w, x, y, z), any non-zero norm -> (..., 3, 3)."""
    _, (quat, ) = float_arrays(quat)
    w, x, y, z = (quat[..., i] for i in range(4))
    s = 2 / (quat * quat).sum(axis=-1)
    rows = [
        [1 - s * (y * y + z * z), s * (x * y - z * w), s * (x * z + y * w)],
        [s * (x * y + z * w), 1 - s * (x * x + z * z), s * (y * z - x * w)],
        [s * (x * z - y * w), s * (y * z + x * w), 1 - s * (x * x + y * y)],
    ]
    return stack_matrix(rows)


def matrix_to_quaternion(matrix: Array) -> Array:
    """(..., 3, 3) rotation matrices -> (..., 4) unit quaternions, w >= 0.

    Shepperd's method: of the four algebraically equal formulas, use the one
    whose divisor (4 w^2, 4 x^2, 4 y^2 or 4 z^2, the largest) is at least 1,
    so that no branch divides by a small number, near pi included.
    """
    xp, (matrix, ) = float_arrays(matrix)
    m = [[matrix[..., i, j] for j in range(3)] for i in range(3)]
    trace = m[0][0] + m[1][1] + m[2][2]
    four_sq = xp.stack([
        1 + trace, 1 + m[0][0] - m[1][1] - m[2][2],
        1 - m[0][0] + m[1][1] - m[2][2], 1 - m[0][0] - m[1][1] + m[2][2]
    ], axis=-1)  # 4 w^2, 4 x^2, 4 y^2, 4 z^2
    d21, d02, d10 = (m[2][1] - m[1][2], m[0][2] - m[2][0],
                     m[1][0] - m[0][1])
    s10, s20, s21 = (m[1][0] + m[0][1], m[2][0] + m[0][2],
                     m[2][1] + m[1][2])
    # row i holds 4 q_i * (w, x, y, z)
    candidates = xp.stack([
        xp.stack([four_sq[..., 0], d21, d02, d10], axis=-1),
        xp.stack([d21, four_sq[..., 1], s10, s20], axis=-1),
        xp.stack([d02, s10, four_sq[..., 2], s21], axis=-1),
        xp.stack([d10, s20, s21, four_sq[..., 3]], axis=-1),
    ], axis=-2)
    # clip keeps the (unused) other rows' roots away from 0 for gradients
    divisor = 2 * xp.sqrt(xp.clip(four_sq, min=0.1))
    candidates = candidates / divisor[..., :, None]
    best = argmax(four_sq, axis=-1)[..., None]  # (..., 1, 1)
    quat = take_along_axis(candidates, best, axis=-2)[..., 0, :]
    quat = quat / xp.sqrt((quat * quat).sum(axis=-1, keepdims=True))
    return _canonical_quaternion(quat, xp)


def matrix_to_axis_angle(matrix: Array) -> Array:
    """(..., 3, 3) rotation matrices -> (..., 3) axis-angle, angle in [0, pi].

    Goes through the quaternion, which is stable near 0 and near pi (where
    ``r`` and ``-r`` are the same rotation; either may be returned).
    """
    return quaternion_to_axis_angle(matrix_to_quaternion(matrix))


def _gram_schmidt(a1: Array, a2: Array, xp):
    """Orthonormal (b1, b2, b3) from two (..., 3) vectors, b3 = b1 x b2."""
    b1 = a1 / xp.clip(
        xp.sqrt((a1 * a1).sum(axis=-1, keepdims=True)), min=_NORM_EPS)
    a2 = a2 - (b1 * a2).sum(axis=-1, keepdims=True) * b1
    b2 = a2 / xp.clip(
        xp.sqrt((a2 * a2).sum(axis=-1, keepdims=True)), min=_NORM_EPS)
    return b1, b2, xp.linalg.cross(b1, b2, axis=-1)


def rot6d_columns_to_matrix(rot6d: Array) -> Array:
    """HaMeR layout: (..., 6) = [col0(3), col1(3)] -> (..., 3, 3) matrices.

    Not normalised input is fine (Gram-Schmidt); the result's columns are
    ``b1, b2, b1 x b2``.
    """
    xp, (rot6d, ) = float_arrays(rot6d)
    columns = _gram_schmidt(rot6d[..., :3], rot6d[..., 3:], xp)
    return xp.stack(columns, axis=-1)


def matrix_to_rot6d_columns(matrix: Array) -> Array:
    """(..., 3, 3) -> (..., 6) HaMeR layout ``[R[:, 0], R[:, 1]]``."""
    xp, (matrix, ) = float_arrays(matrix)
    return xp.concatenate([matrix[..., :, 0], matrix[..., :, 1]], axis=-1)


def rot6d_rows_to_matrix(rot6d: Array) -> Array:
    """pytorch3d layout: (..., 6) = [row0(3), row1(3)] -> (..., 3, 3).

    The result's rows are ``b1, b2, b1 x b2`` (Gram-Schmidt).
    """
    xp, (rot6d, ) = float_arrays(rot6d)
    rows = _gram_schmidt(rot6d[..., :3], rot6d[..., 3:], xp)
    return xp.stack(rows, axis=-2)


def matrix_to_rot6d_rows(matrix: Array) -> Array:
    """(..., 3, 3) -> (..., 6) pytorch3d layout ``[R[0, :], R[1, :]]``."""
    xp, (matrix, ) = float_arrays(matrix)
    return xp.concatenate([matrix[..., 0, :], matrix[..., 1, :]], axis=-1)
