"""Similarity Procrustes of many 3D point sets without one SVD per set.

``similarity_procrustes`` (``procrustes.py``) solves each set with a
LAPACK SVD of its 3x3 covariance; over 10^5 hands the per-matrix LAPACK
calls dominate PA-MPJPE. Here the rotation comes from Horn's (1987)
quaternion form: the best rotation is the unit quaternion of the largest
eigenvalue ``lam`` of a traceless symmetric 4x4 matrix ``N`` built from the
covariance, and ``lam`` equals the reflection-corrected sum of singular
values of the SVD method (so the scale ``lam / var`` is the same). ``lam``
is the largest root of ``det(N - x I) = x^4 + c2 x^2 + c1 x + c0``; all
roots are real, so Newton's method started above the largest root
(``sqrt(3) |C|_F`` bounds it) descends monotonically onto it (the QCP idea
of Theobald 2005). The eigenvector is the largest column of the adjugate
of ``N - lam I``. Every array operation runs over all sets at once.

Sets where this is ill-conditioned (a repeated largest eigenvalue: fewer
than three independent points, symmetric sets) or whose result fails the
optimality check ``trace(R^T C) = lam`` are solved by the SVD method, so
the result always matches ``similarity_procrustes`` to rounding.
"""
from typing import Optional

import numpy as np

from .procrustes import similarity_procrustes

#: sets whose adjugate column is below this share of |C|^3 use the SVD
_CONDITION = 1e-6
_NEWTON_STEPS = 60


def _det3(a, b, c, d, e, f, g, h, i):
    """Determinant of [[a, b, c], [d, e, f], [g, h, i]], elementwise."""
    return a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)


def _horn_matrix(cov: np.ndarray) -> np.ndarray:
    """(..., 4, 4) Horn matrix of S = cov^T (S_ab = sum w x_a y_b)."""
    s = np.swapaxes(cov, -1, -2)
    xx, xy, xz = s[..., 0, 0], s[..., 0, 1], s[..., 0, 2]
    yx, yy, yz = s[..., 1, 0], s[..., 1, 1], s[..., 1, 2]
    zx, zy, zz = s[..., 2, 0], s[..., 2, 1], s[..., 2, 2]
    rows = [[xx + yy + zz, yz - zy, zx - xz, xy - yx],
            [yz - zy, xx - yy - zz, xy + yx, zx + xz],
            [zx - xz, xy + yx, -xx + yy - zz, yz + zy],
            [xy - yx, zx + xz, yz + zy, -xx - yy + zz]]
    return np.stack([np.stack(row, axis=-1) for row in rows], axis=-2)


def _largest_root(cov: np.ndarray, horn: np.ndarray) -> np.ndarray:
    """Largest eigenvalue of ``horn`` by Newton on its characteristic
    polynomial, from the upper bound sqrt(3) |cov|_F."""
    frobenius2 = (cov**2).sum(axis=(-1, -2))
    c2 = -2.0 * frobenius2
    c1 = -8.0 * np.linalg.det(cov)
    c0 = np.linalg.det(horn)
    lam = np.sqrt(3.0 * frobenius2)
    for _ in range(_NEWTON_STEPS):
        lam2 = lam * lam
        value = (lam2 + c2) * lam2 + c1 * lam + c0
        slope = 4.0 * lam2 * lam + 2.0 * c2 * lam + c1
        step = np.divide(value, slope, out=np.zeros_like(value),
                         where=slope > 0)
        lam = lam - step
        if np.all(np.abs(step) <= 1e-15 * np.maximum(lam, 1e-300)):
            break
    return lam


def _top_eigenvector(horn: np.ndarray, lam: np.ndarray):
    """Unit eigenvector of ``horn`` for ``lam`` (largest adjugate column of
    ``horn - lam I``) and that column's norm (0 when degenerate)."""
    a = horn - lam[..., None, None] * np.eye(4)
    columns = []
    for col in range(4):
        cofactors = []
        for row in range(4):
            keep_r = [r for r in range(4) if r != row]
            keep_c = [c for c in range(4) if c != col]
            minor = [a[..., r, c] for r in keep_r for c in keep_c]
            cofactors.append((-1)**(row + col) * _det3(*minor))
        columns.append(np.stack(cofactors, axis=-1))
    columns = np.stack(columns, axis=-2)  # (..., 4 columns, 4)
    norms = np.linalg.norm(columns, axis=-1)
    best = norms.argmax(axis=-1)
    vector = np.take_along_axis(columns, best[..., None, None], axis=-2)[
        ..., 0, :]
    norm = np.take_along_axis(norms, best[..., None], axis=-1)[..., 0]
    return vector / np.maximum(norm, 1e-300)[..., None], norm


def _quaternion_to_matrix(q: np.ndarray) -> np.ndarray:
    w, x, y, z = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    rows = [[w * w + x * x - y * y - z * z, 2 * (x * y - w * z),
             2 * (x * z + w * y)],
            [2 * (x * y + w * z), w * w - x * x + y * y - z * z,
             2 * (y * z - w * x)],
            [2 * (x * z - w * y), 2 * (y * z + w * x),
             w * w - x * x - y * y + z * z]]
    return np.stack([np.stack(row, axis=-1) for row in rows], axis=-2)


def similarity_align_3d(source: np.ndarray, target: np.ndarray,
                        weights: Optional[np.ndarray] = None) -> np.ndarray:
    """``source`` (N, K, 3) mapped by its best similarity onto ``target``.

    Same fit and result as ``similarity_procrustes(...).aligned`` (module
    docstring), numpy float64 only. ``weights`` (N, K) >= 0 or bool.
    Coordinates are handled as (N, K) planes: small batched matrix
    products are slow in numpy, elementwise planes are not.
    """
    source = np.asarray(source, np.float64)
    target = np.asarray(target, np.float64)
    w = np.ones(source.shape[:-1]) if weights is None else np.asarray(
        weights, np.float64)
    w = w / np.maximum(w.sum(axis=-1, keepdims=True), 1e-12)
    src = [source[..., d] for d in range(3)]
    tgt = [target[..., d] for d in range(3)]
    mean_s = [(w * plane).sum(-1) for plane in src]
    mean_t = [(w * plane).sum(-1) for plane in tgt]
    src = [plane - m[:, None] for plane, m in zip(src, mean_s)]
    weighted_t = [w * (plane - m[:, None]) for plane, m in zip(tgt, mean_t)]
    cov = np.stack([np.stack([(weighted_t[a] * src[b]).sum(-1)
                              for b in range(3)], -1) for a in range(3)], -2)
    variance = sum((w * plane * plane).sum(-1) for plane in src)
    horn = _horn_matrix(cov)
    lam = _largest_root(cov, horn)
    quaternion, adjugate_norm = _top_eigenvector(horn, lam)
    rotation = _quaternion_to_matrix(quaternion)
    scale = lam / np.maximum(variance, 1e-12)
    sr = scale[:, None, None] * rotation
    aligned = np.stack([
        sr[:, a, 0, None] * src[0] + sr[:, a, 1, None] * src[1] +
        sr[:, a, 2, None] * src[2] + mean_t[a][:, None] for a in range(3)],
        axis=-1)
    # degenerate or inaccurate sets: the SVD method
    size = np.sqrt((cov**2).sum(axis=(-1, -2)))
    achieved = (rotation * cov).sum(axis=(-1, -2))
    bad = (adjugate_norm <= _CONDITION * size**3) | (
        np.abs(achieved - lam) > 1e-9 * np.maximum(size, 1e-300)) | ~(
            np.isfinite(aligned).all(axis=(-1, -2)))
    if bad.any():
        aligned[bad] = similarity_procrustes(
            source[bad], target[bad],
            None if weights is None else np.asarray(weights)[bad]).aligned
    return aligned
