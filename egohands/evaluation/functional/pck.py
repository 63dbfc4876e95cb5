"""Area under the 3D PCK curve, as the hand_tracking_toolkit reports it.

The toolkit (ECCV'24 multiview egocentric hand tracking challenge) uses 101
thresholds from 0 to 50 mm; PCK(t) is the percentage of joints with an error
of at most ``t``; the AUC is the trapezoid area divided by the threshold
range, on a 0-100 scale. Joints are pooled over all hands (the toolkit's
per-sequence results weighted by entries amount to the same pooling).
"""
from typing import Optional

import numpy as np

from .hand_reduction import NoValidHandError
from .keypoint_3d import keypoint_errors

#: hand_tracking_toolkit thresholds: 0 to 50 mm in 101 steps
DEFAULT_PCK_THRESHOLDS_MM = np.linspace(0.0, 50.0, 101)


def pck_curve(errors: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Percentage (0-100) of ``errors`` that are ``<= t`` for each threshold.

    Args:
        errors: (M,) errors of the joints that count.
        thresholds: (T,) increasing thresholds, same unit.
    """
    ordered = np.sort(np.asarray(errors, dtype=np.float64))
    below = np.searchsorted(ordered, thresholds, side='right')
    return 100.0 * below / ordered.size


def keypoint_pck_auc(pred: np.ndarray,
                     gt: np.ndarray,
                     mask: Optional[np.ndarray] = None,
                     alignment: str = 'none',
                     thresholds: Optional[np.ndarray] = None) -> float:
    """AUC (0-100) of the PCK curve over ``thresholds`` (default 0-50 mm).

    Args:
        pred, gt: (N, K, 3) joints, mm (the thresholds are in mm).
        mask: (N, K) bool, visible ground-truth joints (default: all).
        alignment: as ``keypoint_mpjpe``: ``'none'`` (the toolkit's absolute
            PCK), ``'root'`` or ``'procrustes'``.
        thresholds: (T,) increasing thresholds, T >= 2.

    Raises:
        NoValidHandError: no joint counts.
    """
    thresholds = (DEFAULT_PCK_THRESHOLDS_MM if thresholds is None else
                  np.asarray(thresholds, dtype=np.float64))
    if thresholds.ndim != 1 or thresholds.size < 2 or np.any(
            np.diff(thresholds) <= 0):
        raise ValueError('thresholds must be 1-D, increasing, at least two')
    errors, mask = keypoint_errors(pred, gt, mask, alignment)
    if not mask.any():
        raise NoValidHandError('no visible joint to compute the PCK on')
    curve = pck_curve(errors[mask], thresholds)
    area = np.trapezoid(curve, thresholds)
    return float(area / (thresholds[-1] - thresholds[0]))
