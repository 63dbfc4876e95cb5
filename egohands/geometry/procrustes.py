"""Similarity Procrustes: the rotation, uniform scale and translation that
best map one point set onto another, batched and optionally weighted.

This is the alignment behind PA-MPJPE (EgoExo4D's ``p_mpjpe``, HaMeR's
``compute_similarity_transform``, FreiHAND's ``align_w_scale``) and behind
the HaMeR-to-POTTER alignment of ensembles. The fit minimises
``sum_i w_i |s R x_i + t - y_i|^2`` over ``s >= 0``, a proper rotation
``R`` (``det R = +1``, reflections are never returned) and ``t``, in closed
form (Umeyama 1991): with weighted means ``mu_x, mu_y``, covariance
``C = sum_i w_i (y_i - mu_y)(x_i - mu_x)^T = U diag(d) V^T`` and
``S = diag(1, ..., 1, sign det(U V^T))``: ``R = U S V^T``,
``s = trace(diag(d) S) / sum_i w_i |x_i - mu_x|^2``, ``t = mu_y - s R mu_x``.

Takes numpy arrays or torch tensors (differentiable through torch's SVD,
whose gradient is undefined when two singular values are equal, e.g. for
perfectly symmetric point sets).
"""
from typing import NamedTuple, Optional

from ._array import Array, float_arrays

_EPS = 1e-12


class SimilarityTransform(NamedTuple):
    """``y = scale * rotation @ x + translation`` for column vectors x, y."""

    scale: Array  # (...,)
    rotation: Array  # (..., D, D), det +1
    translation: Array  # (..., D)


class ProcrustesResult(NamedTuple):
    """The aligned source points and the transform that produced them."""

    aligned: Array  # (..., N, D), source mapped onto the target
    transform: SimilarityTransform


def apply_similarity(points: Array, transform: SimilarityTransform) -> Array:
    """Map (..., N, D) points with a (batched) similarity transform."""
    _, (points, scale, rotation, translation) = float_arrays(
        points, *transform)
    return (scale[..., None, None] * points @ rotation.swapaxes(-1, -2) +
            translation[..., None, :])


def similarity_procrustes(source: Array,
                          target: Array,
                          weights: Optional[Array] = None
                          ) -> ProcrustesResult:
    """Fit ``s R x + t`` from ``source`` to ``target`` (see module docstring).

    Args:
        source: (..., N, D) points to move (e.g. predicted joints, mm).
        target: (..., N, D) points to reach (e.g. ground truth, same unit).
        weights: optional (..., N) non-negative weights or a bool mask;
            points of weight 0 do not influence the fit (they are still
            mapped in ``aligned``). Default: all ones.

    Returns:
        ``ProcrustesResult(aligned (..., N, D), SimilarityTransform)``. A set
        with no weight, or with all weight on one point, gets ``s = 0`` and
        ``t`` = the weighted target mean; callers that report errors skip
        sets with no weight.
    """
    xp, (source, target, weights) = float_arrays(source, target, weights)
    if source.shape != target.shape:
        raise ValueError(f'source {tuple(source.shape)} and target '
                         f'{tuple(target.shape)} must have the same shape')
    if weights is None:
        weights = xp.ones_like(source[..., 0])
    weights = weights + xp.zeros_like(source[..., 0])  # broadcast
    total = xp.clip(weights.sum(axis=-1, keepdims=True), min=_EPS)
    weights = (weights / total)[..., None]  # (..., N, 1), sums to 1
    mean_source = (weights * source).sum(axis=-2)
    mean_target = (weights * target).sum(axis=-2)
    centred_source = source - mean_source[..., None, :]
    centred_target = target - mean_target[..., None, :]
    covariance = (weights * centred_target).swapaxes(-1, -2) @ centred_source
    variance = (weights[..., 0] * (centred_source**2).sum(axis=-1)).sum(
        axis=-1)
    u, singular, vt = xp.linalg.svd(covariance)
    det = xp.linalg.det(u @ vt)
    last = xp.where(det < 0, -xp.ones_like(det), xp.ones_like(det))
    correction = xp.concatenate(
        [xp.ones_like(singular[..., :-1]), last[..., None]], axis=-1)
    rotation = (u * correction[..., None, :]) @ vt
    scale = (singular * correction).sum(axis=-1) / xp.clip(variance, min=_EPS)
    translation = mean_target - scale[..., None] * (
        rotation @ mean_source[..., None])[..., 0]
    transform = SimilarityTransform(scale, rotation, translation)
    return ProcrustesResult(apply_similarity(source, transform), transform)
