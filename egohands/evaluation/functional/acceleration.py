"""Acceleration error of joint trajectories (temporal smoothness).

The common definition (HMR-video literature, ARCTIC's ``acc``): the mean over
frames ``t = 1 .. T-2`` and joints of
``|(P[t-1] - 2 P[t] + P[t+1]) - (G[t-1] - 2 G[t] + G[t+1])|``, the L2 norm
of the difference of the central second differences. In mm per frame^2 for
joints in mm; egohands does not divide by the frame period.
"""
from typing import Optional

import numpy as np

from .hand_reduction import NoValidHandError


def _second_difference(x: np.ndarray) -> np.ndarray:
    """(..., T, K, D) -> (..., T-2, K, D), centred on frames 1 .. T-2."""
    return x[..., :-2, :, :] - 2 * x[..., 1:-1, :, :] + x[..., 2:, :, :]


def _all_three(flags: np.ndarray) -> np.ndarray:
    """(..., T) bool -> (..., T-2): frames t-1, t and t+1 all set."""
    return flags[..., :-2] & flags[..., 1:-1] & flags[..., 2:]


def acceleration_error(pred: np.ndarray,
                       gt: np.ndarray,
                       valid: Optional[np.ndarray] = None,
                       segment_ids: Optional[np.ndarray] = None) -> float:
    """Mean acceleration error over the valid (frame, joint) triplets.

    Args:
        pred: (..., T, K, D) predicted trajectories (consecutive frames).
        gt: (..., T, K, D) ground truth, same unit and frame.
        valid: optional (..., T) per-frame or (..., T, K) per-joint validity;
            the error at frame t counts only if t-1, t and t+1 are valid.
        segment_ids: optional (..., T) ints: several sequences laid end to
            end on one time axis; a triplet counts only if its three frames
            share one id. With it, sequences of any lengths are evaluated in
            one call, each frame weighing the same.

    Raises:
        NoValidHandError: no valid triplet (e.g. ``T < 3``).
    """
    pred = np.asarray(pred, dtype=np.float64)
    gt = np.asarray(gt, dtype=np.float64)
    if pred.ndim < 3 or pred.shape != gt.shape:
        raise ValueError(f'pred and gt must both be (..., T, K, D), got '
                         f'{pred.shape} and {gt.shape}')
    if pred.shape[-3] < 3:
        raise NoValidHandError(f'acceleration needs at least 3 frames, got '
                               f'{pred.shape[-3]}')
    # validity as (..., K, T), so that time is the last axis
    counted = np.ones(pred.shape[:-3] + pred.shape[-2:-1] + pred.shape[-3:-2],
                      dtype=bool)
    if valid is not None:
        valid = np.asarray(valid).astype(bool)
        if valid.shape == pred.shape[:-2]:
            counted = counted & valid[..., None, :]
        elif valid.shape == pred.shape[:-1]:
            counted = counted & valid.swapaxes(-1, -2)
        else:
            raise ValueError(f'valid must be (..., T) {pred.shape[:-2]} or '
                             f'(..., T, K) {pred.shape[:-1]}, got '
                             f'{valid.shape}')
    counted = _all_three(counted)
    if segment_ids is not None:
        ids = np.asarray(segment_ids)
        counted = counted & ((ids[..., :-2] == ids[..., 1:-1]) &
                             (ids[..., 1:-1] == ids[..., 2:]))[..., None, :]
    counted = counted.swapaxes(-1, -2)  # (..., T-2, K)
    if not counted.any():
        raise NoValidHandError('no three consecutive valid frames to '
                               'compute an acceleration error on')
    error = np.linalg.norm(_second_difference(pred) - _second_difference(gt),
                           axis=-1)
    return float(np.where(counted, error, 0.0).sum() / counted.sum())
