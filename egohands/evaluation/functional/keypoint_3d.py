"""3D keypoint errors: MPJPE with its alignments, and MRRPE.

``keypoint_mpjpe`` follows the EgoExo4D definition (``handpose/evaluation/
evaluate.py``): per hand, the mean L2 distance over its visible joints, then
the mean over the hands with at least one visible joint. Alignments:

* ``'none'``: absolute positions;
* ``'root'``: joint 0 (the wrist) is subtracted from prediction and ground
  truth first, whatever its visibility flag (EgoExo4D writes the wrist of
  every annotated hand, and its ``--offset`` uses it the same way); the
  error is then over the visible joints as above, so the wrist must be
  finite in both arrays;
* ``'procrustes'``: per hand, the similarity (rotation, uniform scale,
  translation; no reflection) that best maps the prediction onto the ground
  truth on the visible joints (EgoExo4D's ``p_mpjpe``), then the error over
  those joints. A hand with one or two visible joints is fitted exactly
  (error 0) where EgoExo4D's formula would give NaN for a single joint.

Inputs are numpy, any unit (egohands passes mm); joints outside the mask may
hold anything, NaN included.
"""
from typing import Optional, Tuple

import numpy as np

from egohands.geometry.quaternion_procrustes import similarity_align_3d
from .hand_reduction import NoValidHandError, check_keypoints, mean_over_hands

ALIGNMENTS = ('none', 'root', 'procrustes')
#: hands fitted at once: bounds the temporaries (about 30 KiB per hand)
CHUNK_HANDS = 4096


def keypoint_errors(pred: np.ndarray,
                    gt: np.ndarray,
                    mask: Optional[np.ndarray] = None,
                    alignment: str = 'none'
                    ) -> Tuple[np.ndarray, np.ndarray]:
    """Per-joint L2 errors after an alignment, and the joints that count.

    Args:
        pred: (N, K, 3) predicted joints.
        gt: (N, K, 3) ground-truth joints, same unit and frame.
        mask: (N, K) bool, visible ground-truth joints (default: all).
        alignment: ``'none'``, ``'root'`` or ``'procrustes'``.

    Returns:
        (errors (N, K) float64, mask (N, K) bool): the mask as given.
    """
    if alignment not in ALIGNMENTS:
        raise ValueError(f'alignment must be one of {ALIGNMENTS}, got '
                         f'{alignment!r}')
    pred, gt, mask = check_keypoints(pred, gt, mask, dims=(3, ))
    if alignment == 'root':
        pred = pred - pred[:, :1]
        gt = gt - gt[:, :1]
    elif alignment == 'procrustes':
        errors = np.empty(mask.shape)
        for start in range(0, len(pred), CHUNK_HANDS):
            part = slice(start, start + CHUNK_HANDS)
            errors[part] = _procrustes_errors(pred[part], gt[part],
                                              mask[part])
        return errors, mask
    return np.linalg.norm(pred - gt, axis=-1), mask


def _procrustes_errors(pred: np.ndarray, gt: np.ndarray,
                       mask: np.ndarray) -> np.ndarray:
    """(n, K) errors after each hand's similarity fit on its mask."""
    # invisible joints get zero weight; zero them so NaN cannot leak
    pred = np.where(mask[..., None], pred, 0.0)
    gt = np.where(mask[..., None], gt, 0.0)
    aligned = similarity_align_3d(pred, gt, mask)
    return np.linalg.norm(aligned - gt, axis=-1)


def keypoint_mpjpe(pred: np.ndarray,
                   gt: np.ndarray,
                   mask: Optional[np.ndarray] = None,
                   alignment: str = 'none') -> float:
    """Mean per-joint position error (module docstring), a float.

    Args:
        pred: (N, K, 3) predicted joints (e.g. mm, camera frame).
        gt: (N, K, 3) ground truth, same unit and frame.
        mask: (N, K) bool, visible ground-truth joints (default: all).
        alignment: ``'none'``, ``'root'`` or ``'procrustes'``.

    Raises:
        NoValidHandError (a ValueError): no hand has a visible joint.
    """
    errors, mask = keypoint_errors(pred, gt, mask, alignment)
    return mean_over_hands(errors, mask)


def keypoint_mrrpe(pred_left_root: np.ndarray,
                   pred_right_root: np.ndarray,
                   gt_left_root: np.ndarray,
                   gt_right_root: np.ndarray,
                   left_valid: Optional[np.ndarray] = None,
                   right_valid: Optional[np.ndarray] = None) -> float:
    """Mean relative-root position error (ARCTIC, InterHand2.6M).

    ``|(L_pred - R_pred) - (L_gt - R_gt)|`` per image, averaged over the
    images where both roots are valid.

    Args:
        pred_left_root, pred_right_root, gt_left_root, gt_right_root:
            (N, 3) absolute root (wrist) positions, one row per image.
        left_valid, right_valid: (N,) bool (default: all valid).

    Raises:
        NoValidHandError: no image has two valid roots.
    """
    arrays = [np.asarray(a, dtype=np.float64) for a in
              (pred_left_root, pred_right_root, gt_left_root, gt_right_root)]
    if any(a.ndim != 2 or a.shape != arrays[0].shape for a in arrays):
        raise ValueError('the four root arrays must all be (N, 3), got '
                         f'{[a.shape for a in arrays]}')
    valid = np.ones(arrays[0].shape[0], dtype=bool)
    for side_valid in (left_valid, right_valid):
        if side_valid is not None:
            valid &= np.asarray(side_valid).astype(bool)
    if not valid.any():
        raise NoValidHandError('no image has both a valid left and a valid '
                               'right root for MRRPE')
    pred_left, pred_right, gt_left, gt_right = (a[valid] for a in arrays)
    relative_error = (pred_left - pred_right) - (gt_left - gt_right)
    return float(np.linalg.norm(relative_error, axis=-1).mean())
