"""Input checks and the per-hand reduction shared by the keypoint metrics.

Every keypoint metric of egohands averages the same way as the EgoExo4D
evaluation: first the mean over the visible joints of each hand, then the
mean over the hands that have at least one visible joint. A hand with many
visible joints therefore weighs as much as a hand with few.
"""
from typing import Optional, Tuple

import numpy as np


class NoValidHandError(ValueError):
    """No hand (or frame) has anything to evaluate, so a mean is undefined."""


def check_keypoints(pred: np.ndarray, gt: np.ndarray,
                    mask: Optional[np.ndarray], dims: Tuple[int, ...]
                    ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate (N, K, D) predictions / ground truth and an (N, K) mask.

    Returns float64 copies of ``pred`` and ``gt`` and a bool mask (all True
    when ``mask`` is None; non-zero means visible).
    """
    pred = np.asarray(pred, dtype=np.float64)
    gt = np.asarray(gt, dtype=np.float64)
    if pred.ndim != 3 or pred.shape != gt.shape or pred.shape[-1] not in dims:
        raise ValueError(f'pred and gt must both be (N, K, D) with D in '
                         f'{dims}, got {pred.shape} and {gt.shape}')
    if mask is None:
        return pred, gt, np.ones(pred.shape[:2], dtype=bool)
    mask = np.asarray(mask).astype(bool)
    if mask.shape != pred.shape[:2]:
        raise ValueError(f'mask must be (N, K) = {pred.shape[:2]}, got '
                         f'{mask.shape}')
    return pred, gt, mask


def per_hand_means(errors: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """(N,) mean of ``errors`` (N, K) over each hand's ``mask`` (N, K) bool;
    NaN for a hand without a joint in the mask."""
    counts = mask.sum(axis=1)
    sums = np.where(mask, errors, 0.0).sum(axis=1)
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def mean_over_hands(errors: np.ndarray, mask: np.ndarray) -> float:
    """Mean over hands of the mean of ``errors`` over each hand's mask.

    Args:
        errors: (N, K) per-joint errors (values under a False mask are
            ignored, NaN included).
        mask: (N, K) bool, the joints that count.

    Raises:
        NoValidHandError: if no hand has a joint in ``mask``.
    """
    hands = mask.any(axis=1)
    if not hands.any():
        raise NoValidHandError(
            f'none of the {mask.shape[0]} hands has a visible joint to '
            f'evaluate (the mask is all False)')
    return float(per_hand_means(errors, mask)[hands].mean())
