"""2D keypoint error in pixels."""
from typing import Optional

import numpy as np

from .hand_reduction import check_keypoints, mean_over_hands


def keypoint_2d_error(pred: np.ndarray,
                      gt: np.ndarray,
                      mask: Optional[np.ndarray] = None) -> float:
    """Mean L2 pixel error: per hand over its visible joints, then over hands.

    Args:
        pred: (N, K, 2) predicted keypoints, px (egohands: full image).
        gt: (N, K, 2) ground truth in the same pixel frame.
        mask: (N, K) bool, visible ground-truth keypoints (default: all).

    Raises:
        NoValidHandError: no hand has a visible keypoint.
    """
    pred, gt, mask = check_keypoints(pred, gt, mask, dims=(2, ))
    return mean_over_hands(np.linalg.norm(pred - gt, axis=-1), mask)
