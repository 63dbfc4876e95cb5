"""The ECCV'24 multiview hand tracking challenge's metrics (UmeTrack, HOT3D).

As hand_tracking_toolkit's ``metrics.py`` / ``evaluation.py`` define them
(``shared/reference/datasets.md`` section 7.4):

* landmarks are the toolkit's 20 (UmeTrack order: 5 tips, wrist, thumb
  intermediate / distal, then proximal / intermediate / distal of index,
  middle, ring, pinky) in **absolute world coordinates**, no alignment;
  19 are scored, the wrist (5) is not;
* per sequence, the entries (one per hand and frame) are matched by
  position after a stable sort by frame: the i-th prediction is compared
  with the i-th ground truth;
* per sequence ``MPJPE`` = mean landmark distance (mm) over all entries
  and landmarks; ``PCK_AUC`` = normalised area (0-100) under the PCK curve
  at 101 thresholds from 0 to 50 mm over the same errors;
  ``FINGERTIP_PCK_AUC`` the same on the 5 tips only;
* the sequences' values are averaged with weights = their numbers of
  entries;
* shape track: ``MPVPE`` = mean vertex distance (mm) of the zero-pose left
  MANO meshes of predicted and ground-truth betas, per sequence, then the
  unweighted mean over sequences.
"""
from __future__ import annotations

from typing import Dict, Iterable, List, Mapping, Tuple

import numpy as np

from egohands.geometry.joint_orders import (UMETRACK_TO_CANONICAL,
                                           from_canonical)
from .pck import pck_curve

#: the 19 of the toolkit's 20 landmarks the challenge scores (no wrist, 5)
EVALUATED_LANDMARKS = (0, 1, 2, 3, 4) + tuple(range(6, 20))
#: positions of the fingertips among :data:`EVALUATED_LANDMARKS`
FINGERTIP_COLUMNS = (0, 1, 2, 3, 4)
NUM_TOOLKIT_LANDMARKS = 20
#: 0 to 50 mm in 101 steps
CHALLENGE_THRESHOLDS_MM = np.linspace(0.0, 50.0, 101)


def toolkit_landmarks(joints_21: np.ndarray) -> np.ndarray:
    """(..., 21, 3) egohands canonical joints -> (..., 20, 3) toolkit
    landmarks (UmeTrack order; the canonical thumb CMC has none)."""
    return from_canonical(joints_21, UMETRACK_TO_CANONICAL,
                          NUM_TOOLKIT_LANDMARKS)


def landmark_errors(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """(N, 20, 3) toolkit landmarks, mm -> (N, 19) distances of the scored
    landmarks."""
    pred, gt = np.asarray(pred, np.float64), np.asarray(gt, np.float64)
    if pred.shape != gt.shape or pred.shape[-2:] != (NUM_TOOLKIT_LANDMARKS,
                                                     3):
        raise ValueError(f'pred and gt must both be (N, 20, 3), got '
                         f'{pred.shape} and {gt.shape}')
    scored = list(EVALUATED_LANDMARKS)
    return np.linalg.norm(pred[:, scored] - gt[:, scored], axis=-1)


def pck_auc(errors: np.ndarray,
            thresholds: np.ndarray = CHALLENGE_THRESHOLDS_MM) -> float:
    """Normalised area (0-100) under the PCK curve of ``errors`` (mm)."""
    curve = pck_curve(np.ravel(errors), thresholds)
    area = np.trapezoid(curve, thresholds)
    return float(area / (thresholds[-1] - thresholds[0]))


def sequence_pose_metrics(pred: np.ndarray,
                          gt: np.ndarray) -> Dict[str, float]:
    """The three pose metrics of one sequence's (N, 20, 3) mm entries."""
    errors = landmark_errors(pred, gt)
    return dict(MPJPE=float(errors.mean()), PCK_AUC=pck_auc(errors),
                FINGERTIP_PCK_AUC=pck_auc(errors[:, list(FINGERTIP_COLUMNS)]))


def challenge_pose_metrics(pred_by_sequence: Mapping[str, np.ndarray],
                           gt_by_sequence: Mapping[str, np.ndarray]
                           ) -> Dict[str, float]:
    """Entry-weighted mean of :func:`sequence_pose_metrics` over the
    ground truth's sequences; both map sequence -> (N, 20, 3) mm in entry
    order. Also returns ``num_entries``.

    Raises:
        KeyError: a ground-truth sequence has no prediction.
        ValueError: a sequence has another number of entries.
    """
    values: List[Dict[str, float]] = []
    weights: List[int] = []
    for sequence, gt in gt_by_sequence.items():
        if sequence not in pred_by_sequence:
            raise KeyError(f'sequence {sequence!r} has no prediction')
        pred = np.asarray(pred_by_sequence[sequence])
        if len(pred) != len(gt):
            raise ValueError(f'sequence {sequence!r}: {len(pred)} predicted '
                             f'entries for {len(gt)} ground-truth entries')
        values.append(sequence_pose_metrics(pred, gt))
        weights.append(len(gt))
    if not values:
        raise ValueError('no ground-truth sequence to evaluate')
    out = {name: float(np.average([v[name] for v in values],
                                  weights=weights))
           for name in values[0]}
    out['num_entries'] = int(sum(weights))
    return out


def mpvpe(pred_vertices: np.ndarray, gt_vertices: np.ndarray) -> float:
    """Mean vertex distance over (N, V, 3) meshes, their unit."""
    pred = np.asarray(pred_vertices, np.float64)
    gt = np.asarray(gt_vertices, np.float64)
    if pred.shape != gt.shape:
        raise ValueError(f'vertex arrays differ: {pred.shape} vs {gt.shape}')
    return float(np.linalg.norm(pred - gt, axis=-1).mean())


def challenge_shape_metric(pred_by_sequence: Mapping[str, np.ndarray],
                           gt_by_sequence: Mapping[str, np.ndarray]
                           ) -> Dict[str, float]:
    """``MPVPE``: unweighted mean over the ground truth's sequences of
    :func:`mpvpe` of (N, V, 3) zero-pose meshes, mm."""
    if not gt_by_sequence:
        raise ValueError('no ground-truth sequence to evaluate')
    values = [mpvpe(pred_by_sequence[s], gt)
              for s, gt in gt_by_sequence.items()]
    return dict(MPVPE=float(np.mean(values)))


def group_entries(entries: Iterable[Mapping]) -> Dict[str, List[Mapping]]:
    """Entries (dicts with ``sequence_name`` and optionally ``frame_id``)
    by sequence, in first-appearance order, each list stably sorted by
    frame: the order in which the toolkit matches them."""
    groups: Dict[str, List[Mapping]] = {}
    for entry in entries:
        groups.setdefault(str(entry['sequence_name']), []).append(entry)
    for items in groups.values():
        items.sort(key=lambda e: e.get('frame_id', 0))
    return groups


def entry_key(entry: Mapping) -> Tuple[str, int, int]:
    """(sequence, frame, hand_side 0/1) of one submission / GT entry."""
    return (str(entry['sequence_name']), int(entry.get('frame_id', 0)),
            int(entry.get('hand_side', -1)))
