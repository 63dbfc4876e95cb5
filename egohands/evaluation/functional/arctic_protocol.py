"""The ARCTIC / WildHands evaluation protocol: per-frame hand errors.

WildHands (ap229997/hands ``src/utils/eval_modules.py``, on ARCTIC's
``common/metrics.py``) evaluates two hands per frame and averages
differently from EgoExo4D's "mean over hand instances":

* **per hand**, the mean L2 error over its valid joints (NaN without one);
* **per frame**, the NaN-mean over its (at most two) hands;
* **the score**, the NaN-mean over frames (each frame weighs the same).

Root-relative error uses the *first valid joint* as the root, the rule of
WildHands' EgoExo4D branch: the valid joints are selected in the model's
joint order (MANO+tips: wrist, index1-3, middle1-3, pinky1-3, ring1-3,
thumb1-3, tips) and the first of them is subtracted from prediction and
ground truth. For a hand with a valid wrist this is the usual wrist-relative
error. :data:`MANO_ROOT_SEARCH` is that order in canonical indices.

PA-MPJPE fits the similarity (rotation, scale, translation) on the valid
joints (``keypoint_errors(..., 'procrustes')``, which finds the optimum of
the 3DPW formula used by WildHands). MRRPE and the 2D error are in
``keypoint_mrrpe`` and :func:`pixel_error_in_frame`.
"""
from typing import Hashable, Optional, Sequence

import numpy as np

from egohands.geometry.joint_orders import CANONICAL_TO_MANO
from .hand_reduction import check_keypoints, per_hand_means
from .keypoint_3d import keypoint_errors

#: canonical joint indices in MANO+tips order: the root search order
MANO_ROOT_SEARCH = tuple(int(i) for i in CANONICAL_TO_MANO)
#: side of WildHands' full frame, px
FULL_FRAME_PX = 224


def first_valid_root(valid: np.ndarray,
                     search_order: Optional[Sequence[int]] = None
                     ) -> np.ndarray:
    """(N,) index of each hand's root joint, -1 for a hand without one.

    Args:
        valid: (N, K) bool, valid ground-truth joints.
        search_order: joint indices in the order they are tried (default:
            :data:`MANO_ROOT_SEARCH`, WildHands' order).
    """
    valid = np.asarray(valid, bool)
    order = np.asarray(MANO_ROOT_SEARCH if search_order is None
                       else search_order)
    in_order = valid[:, order]
    first = np.argmax(in_order, axis=1)
    return np.where(in_order.any(axis=1), order[first], -1)


def hand_errors(pred: np.ndarray, gt: np.ndarray, valid: np.ndarray,
                alignment: str = 'first_valid_root',
                search_order: Optional[Sequence[int]] = None
                ) -> np.ndarray:
    """(N,) per-hand mean joint error over its valid joints (NaN if none).

    Args:
        pred, gt: (N, K, 3) joints, same unit (mm) and camera frame.
        valid: (N, K) bool, valid ground-truth joints.
        alignment: ``'first_valid_root'`` (subtract each hand's first valid
            joint, :func:`first_valid_root`), ``'procrustes'`` or ``'none'``.
        search_order: root search order for ``'first_valid_root'``.
    """
    pred, gt, valid = check_keypoints(pred, gt, valid, dims=(3, ))
    if alignment == 'first_valid_root':
        root = first_valid_root(valid, search_order)
        hands = np.arange(len(root))
        safe = np.maximum(root, 0)
        pred = pred - pred[hands, safe][:, None]
        gt = gt - gt[hands, safe][:, None]
        errors = np.linalg.norm(pred - gt, axis=-1)
    else:
        errors, _ = keypoint_errors(pred, gt, valid, alignment)
    return per_hand_means(errors, valid)


def frame_mean(per_hand: np.ndarray, frames: Sequence[Hashable]) -> float:
    """NaN-mean over frames of the NaN-mean over each frame's hands.

    Args:
        per_hand: (N,) one value per hand (NaN = not evaluated).
        frames: N frame keys (hands of one frame share a key).

    Returns:
        the score, NaN when no hand has a value.
    """
    per_hand = np.asarray(per_hand, np.float64)
    keys = np.array([str(f) for f in frames])
    _, frame = np.unique(keys, return_inverse=True)
    has = np.isfinite(per_hand)
    sums = np.bincount(frame, np.where(has, per_hand, 0.0))
    counts = np.bincount(frame, has.astype(np.float64))
    valid = counts > 0
    if not valid.any():
        return float('nan')
    return float((sums[valid] / counts[valid]).mean())


def pixel_error_in_frame(pred: np.ndarray, gt: np.ndarray,
                         valid: np.ndarray, image_sizes: np.ndarray,
                         frame_px: int = FULL_FRAME_PX) -> float:
    """Mean 2D error over all valid joints, in px of the ``frame_px`` frame.

    WildHands' ``pix_err``: the full image is padded to a square of side
    ``max(h, w)`` and resized to ``frame_px`` (224), so a full-image error
    scales by ``frame_px / max(h, w)``; every valid joint of every hand
    weighs the same (NaN-mean of the per-joint errors).

    Args:
        pred, gt: (N, K, 2) full-image px.
        valid: (N, K) bool.
        image_sizes: (N, 2) full-image (h, w) of each hand's image.

    Returns:
        the mean, NaN when no joint is valid.
    """
    pred, gt, valid = check_keypoints(pred, gt, valid, dims=(2, ))
    scale = frame_px / np.asarray(image_sizes, np.float64).max(axis=1)
    errors = np.linalg.norm(pred - gt, axis=-1) * scale[:, None]
    if not valid.any():
        return float('nan')
    return float(errors[valid].mean())
