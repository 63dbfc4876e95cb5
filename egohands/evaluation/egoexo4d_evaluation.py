"""The official EgoExo4D hand-pose evaluation, on GT and prediction files.

Definitions of the organisers' ``handpose/evaluation/evaluate.py``
(``shared/reference/datasets.md`` section 2.5), re-implemented on
:func:`egohands.evaluation.functional.keypoint_mpjpe`:

* every hand of the GT file with a non-empty ``{side}_hand_3d`` is
  evaluated; its prediction ``pred[take_uid][frame]["{side}_hand_3d"]``
  (21 x 3, metres, Aria camera frame) must exist;
* with ``offset`` the prediction is wrist-relative and the GT wrist is added
  to it (the wrist is always present in the GT, even when flagged invalid);
* per hand, over its ``{side}_hand_valid_3d`` joints: MPJPE = mean joint
  distance; PA-MPJPE = the same after the similarity Procrustes (rotation
  without reflection, uniform scale, translation) of prediction onto GT;
* both are reported in mm, as the mean over hand instances, right and left
  pooled.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Tuple

import numpy as np

from egohands.datasets.egoexo4d.layout import DOC, read_json
from egohands.datasets.egoexo4d.processed import iter_hand_records
from egohands.datasets.metainfo import NUM_JOINTS, WRIST
from egohands.utils.errors import AnnotationError


class MissingPredictionError(AnnotationError):
    """A hand that must be predicted has no (or a malformed) prediction."""


@dataclass
class EvaluatedHands:
    """Matched hands, ready for the metric functions.

    Attributes:
        pred_mm: (N, 21, 3) predictions, mm, Aria camera frame (absolute,
            after the offset if any).
        gt_mm: (N, 21, 3) ground truth, mm; invalid joints hold 0 except the
            wrist.
        valid: (N, 21) bool, the GT valid flags.
        keys: N (take_uid, frame, side).
    """
    pred_mm: np.ndarray
    gt_mm: np.ndarray
    valid: np.ndarray
    keys: List[Tuple[str, str, str]]


def compute_hand_metrics(pred_mm: np.ndarray, gt_mm: np.ndarray,
                         valid: np.ndarray) -> Dict[str, float]:
    """Official MPJPE and PA-MPJPE (mm) over hand instances.

    Args:
        pred_mm, gt_mm: (N, 21, 3) mm, same frame (absolute).
        valid: (N, 21) bool; joints outside it are ignored (may hold NaN).

    Returns:
        ``{'mpjpe', 'pa_mpjpe', 'num_hands'}``.
    """
    from egohands.evaluation.functional import keypoint_mpjpe
    valid = np.asarray(valid, bool)
    pred = np.where(valid[..., None], pred_mm, 0.0)
    gt = np.where(valid[..., None], gt_mm, 0.0)
    has_joints = valid.any(-1)
    pred, gt, valid = pred[has_joints], gt[has_joints], valid[has_joints]
    if not len(valid):
        return dict(mpjpe=float('nan'), pa_mpjpe=float('nan'), num_hands=0)
    return dict(
        mpjpe=float(keypoint_mpjpe(pred, gt, valid, alignment='none')),
        pa_mpjpe=float(
            keypoint_mpjpe(pred, gt, valid, alignment='procrustes')),
        num_hands=int(len(valid)))


def _prediction(predictions: Dict, take_uid: str, frame: str, side: str,
                pred_path: str, gt_path: str) -> np.ndarray:
    """The (21, 3) metres prediction of one hand, or a clear error."""
    value = None
    frames = predictions.get(take_uid) if isinstance(predictions,
                                                     dict) else None
    if isinstance(frames, dict) and isinstance(frames.get(frame), dict):
        value = frames[frame].get(f'{side}_hand_3d')
    try:
        array = np.asarray(value, np.float64)
    except (TypeError, ValueError):
        array = np.zeros(0)
    if value is None or array.shape != (NUM_JOINTS, 3):
        found = 'nothing' if value is None else f'shape {array.shape}'
        raise MissingPredictionError(
            f'{pred_path}: no prediction for take {take_uid}, frame {frame}, '
            f'{side} hand (expected "{side}_hand_3d": 21x3 metres, found '
            f'{found}); every hand with 3D ground truth in {gt_path} needs '
            f'one ({DOC})')
    return array


def match_hands(gt: Dict, predictions: Dict, offset: bool = False,
                gt_path: str = 'ground truth',
                pred_path: str = 'predictions') -> EvaluatedHands:
    """Pair every evaluated GT hand with its prediction (mm).

    Args:
        gt: a processed GT file's content (``ego_pose_gt_anno_*.json``).
        predictions: ``{take_uid: {frame: {"{side}_hand_3d": 21x3 m}}}``.
        offset: predictions are wrist-relative: add the GT wrist.
        gt_path, pred_path: names for error messages.
    """
    preds, gts, valids, keys = [], [], [], []
    for hand in iter_hand_records(gt, gt_path):
        if hand.joints_3d_m is None:
            continue
        pred = _prediction(predictions, hand.take_uid, hand.frame, hand.side,
                           pred_path, gt_path) * 1000.0
        gt_mm = np.where(hand.valid_3d[:, None], hand.joints_3d_m,
                         0.0) * 1000.0
        gt_mm[WRIST] = hand.joints_3d_m[WRIST] * 1000.0
        if offset:
            pred = pred + gt_mm[WRIST]
        if not np.isfinite(pred[hand.valid_3d]).all():
            raise MissingPredictionError(
                f'{pred_path}: take {hand.take_uid}, frame {hand.frame}, '
                f'{hand.side} hand: the prediction holds NaN or inf at a '
                'joint that is evaluated')
        preds.append(pred)
        gts.append(gt_mm)
        valids.append(hand.valid_3d)
        keys.append((hand.take_uid, hand.frame, hand.side))
    shape = (-1, NUM_JOINTS)
    return EvaluatedHands(
        np.array(preds).reshape(shape + (3, )),
        np.array(gts).reshape(shape + (3, )),
        np.array(valids, bool).reshape(shape), keys)


def evaluate_egoexo4d(gt: Dict, predictions: Dict, offset: bool = False,
                      gt_path: str = 'ground truth',
                      pred_path: str = 'predictions') -> Dict[str, float]:
    """The official metrics of a prediction set against a GT file's content.

    Returns:
        ``{'mpjpe': mm, 'pa_mpjpe': mm, 'num_hands': int}``.

    Raises:
        MissingPredictionError: a GT hand has no 21 x 3 prediction (names
            take, frame and side).
        AnnotationError: the GT file holds no 3D (e.g. the public test file).
    """
    hands = match_hands(gt, predictions, offset, gt_path, pred_path)
    if not hands.keys:
        raise AnnotationError(
            f'{gt_path}: no hand with 3D ground truth to evaluate (the public'
            ' test file holds only boxes: evaluate on val, or submit to the '
            f'challenge server; {DOC})')
    return compute_hand_metrics(hands.pred_mm, hands.gt_mm, hands.valid)


def evaluate_files(gt_file: str, pred_file: str,
                   offset: bool = False) -> Dict[str, float]:
    """:func:`evaluate_egoexo4d` on two JSON files (NaN tokens allowed)."""
    gt = read_json(gt_file, 'ground-truth file')
    predictions = read_json(
        pred_file, 'prediction file', 'write it with tools/test.py CONFIG '
        f'CHECKPOINT --dump FILE ({DOC})')
    if not isinstance(predictions, dict):
        raise AnnotationError(f'{pred_file}: must be a JSON object '
                              f'{{take_uid: {{frame: {{...}}}}}} ({DOC})')
    return evaluate_egoexo4d(gt, predictions, offset, gt_file, pred_file)
