"""Ensembles of several models' 3D hand predictions: per-joint weighted means.

Each member (one model's predictions on the same hands) gives joints
``(N, K, 3)`` mm in the original camera frame; the ensemble of hand n,
joint k is ``sum_m w[m, k] * joints[m, n, k]`` with the weights normalised
per joint. Mode ``'mean'`` averages the members as they are (wrist-relative
unless every member is absolute); mode ``'procrustes'`` first maps each
member onto member 0 by a similarity fit, so the result is in member 0's
frame and takes its absolute flag. 2D keypoints (full-image px) are
averaged with the same weights when every member has them. Why and when to
use which: docs/derivations.md section 3.

Members are lists of prediction-dump records
(``egohands.evaluation.prediction_dump``) or ``HandDataSample``;
hands are matched across members by ``(img_id, ann_id)``.
"""
from __future__ import annotations

from typing import (Any, Dict, List, Mapping, NamedTuple, Optional, Sequence,
                    Tuple)

import numpy as np

from egohands.engine.hooks.prediction_dump_hook import hand_record
from egohands.geometry.procrustes import similarity_procrustes
from egohands.registry import POSTPROCESSORS
from egohands.utils.errors import ConfigError, EgohandsError, check_choice

ENSEMBLE_MODES = ('mean', 'procrustes')
#: ground truth of the same hand may differ this much between dumps (mm)
GT_TOLERANCE_MM = 1e-3


class DumpMismatchError(EgohandsError, ValueError):
    """The members of an ensemble do not hold the same hands."""


class StackedMembers(NamedTuple):
    """The members' predictions of the same N hands, in one order.

    ``joints`` (M, N, K, 3) float64 mm, each member in its own frame;
    ``absolute`` (M, N) bool (``pred_joints_absolute``);
    ``keypoints_2d`` (M, N, K, 2) float64 full-image px, or None unless
    every member has them for every hand; ``records`` the N dump records of
    member 0 (ids, hand side, ground truth).
    """

    joints: np.ndarray
    absolute: np.ndarray
    keypoints_2d: Optional[np.ndarray]
    records: List[Dict[str, Any]]


def as_dump_record(item: Any) -> Dict[str, Any]:
    """A dump record from a record (returned as is) or a ``HandDataSample``."""
    if isinstance(item, Mapping):
        return dict(item)
    return hand_record(item)


def _hand_key(record: Mapping[str, Any]) -> Tuple[int, int]:
    return int(record['img_id']), int(record['ann_id'])


def _keyed(records: Sequence[Mapping], name: str) -> Dict[Tuple, Mapping]:
    keyed: Dict[Tuple, Mapping] = {}
    for record in records:
        key = _hand_key(record)
        if key in keyed:
            raise DumpMismatchError(
                f'{name}: two hands have (img_id, ann_id) = {key}; a dump '
                'must hold each hand once (was it written with round_up=True '
                'or by two runs appended together?)')
        keyed[key] = record
    return keyed


def _same_ground_truth(first: Mapping, other: Mapping) -> bool:
    for key in ('gt_joints_3d', 'gt_joints_valid'):
        a, b = first.get(key), other.get(key)
        if (a is None) != (b is None):
            return False
        if a is not None and not np.allclose(a, b, atol=GT_TOLERANCE_MM,
                                             rtol=0.0):
            return False
    return True


def match_members(members: Sequence[Sequence[Mapping]],
                  names: Sequence[str]) -> List[List[Mapping]]:
    """Put every member's records in member 0's order of hands.

    Hands are matched by ``(img_id, ann_id)``; the hand side and the ground
    truth of a matched hand must agree, or the dumps come from different
    data.

    Raises:
        DumpMismatchError: naming the member and up to three hands that do
            not match.
    """
    if len(members) < 1:
        raise ConfigError('an ensemble needs at least one member')
    first = _keyed(members[0], names[0])
    matched = [list(first.values())]
    for member, name in zip(members[1:], names[1:]):
        keyed = _keyed(member, name)
        missing = [key for key in first if key not in keyed]
        extra = [key for key in keyed if key not in first]
        if missing or extra:
            raise DumpMismatchError(
                f'{name} and {names[0]} do not hold the same hands: '
                f'{len(missing)} (img_id, ann_id) of {names[0]} missing '
                f'(e.g. {missing[:3]}), {len(extra)} extra (e.g. '
                f'{extra[:3]}); ensemble dumps of the same split and dataset')
        ordered = [keyed[key] for key in first]
        for key, reference, record in zip(first, matched[0], ordered):
            differs = ('hand side' if reference.get('hand_side') !=
                       record.get('hand_side') else None)
            if not _same_ground_truth(reference, record):
                differs = 'ground truth'
            if differs:
                raise DumpMismatchError(
                    f'{name}: hand (img_id, ann_id) = {key} has another '
                    f'{differs} than in {names[0]}; the dumps come from '
                    'different annotations')
        matched.append(ordered)
    return matched


def stack_members(members: Sequence[Sequence[Any]],
                  names: Optional[Sequence[str]] = None) -> StackedMembers:
    """Match the members' hands (:func:`match_members`) and stack them.

    Args:
        members: M lists of dump records or ``HandDataSample``.
        names: M names for error messages (default ``member 0``, ...).
    """
    names = list(names or [f'member {i}' for i in range(len(members))])
    records = [[as_dump_record(item) for item in member] for member in members]
    matched = match_members(records, names)
    if not matched[0]:
        raise DumpMismatchError(f'{names[0]} holds no hand to ensemble')

    def stacked(key: str) -> np.ndarray:
        return np.stack([np.stack([np.asarray(r[key], np.float64)
                                   for r in member]) for member in matched])

    absolute = np.array([[bool(r['pred_joints_absolute']) for r in member]
                         for member in matched], dtype=bool)
    has_2d = all(r.get('pred_keypoints_2d') is not None
                 for member in matched for r in member)
    return StackedMembers(stacked('pred_joints_3d'), absolute,
                          stacked('pred_keypoints_2d') if has_2d else None,
                          matched[0])


def normalise_weights(weights: Optional[Any], num_members: int,
                      num_joints: int) -> np.ndarray:
    """Weights per member and joint, summing to 1 over members per joint.

    Args:
        weights: None (uniform), (M,) one weight per member, or (M, K).

    Returns:
        (M, K) float64.

    Raises:
        ConfigError: wrong shape, a negative or non-finite weight, or a
            joint whose weights are all zero.
    """
    if weights is None:
        weights = np.ones(num_members)
    weights = np.asarray(weights, dtype=np.float64)
    if weights.shape == (num_members, ):
        weights = np.repeat(weights[:, None], num_joints, axis=1)
    if weights.shape != (num_members, num_joints):
        raise ConfigError(
            f'ensemble weights must be one per member ({num_members}) or '
            f'({num_members}, {num_joints}) per member and joint, got shape '
            f'{weights.shape}')
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise ConfigError('ensemble weights must be finite and >= 0, got '
                          f'{weights.tolist()}')
    totals = weights.sum(axis=0)
    if np.any(totals <= 0):
        raise ConfigError(
            'ensemble weights are all zero for joint(s) '
            f'{np.flatnonzero(totals <= 0).tolist()}; give each joint at '
            'least one positive weight')
    return weights / totals


def align_to_first_member(joints: np.ndarray) -> np.ndarray:
    """Map each member m >= 1 onto member 0, hand by hand (similarity fit).

    Args:
        joints: (M, N, K, 3) predictions, each member in its own frame.

    Returns:
        (M, N, K, 3) float64, all in member 0's frame (member 0 unchanged).
    """
    joints = np.asarray(joints, dtype=np.float64)
    if joints.shape[0] < 2 or joints.shape[1] == 0:
        return joints.copy()
    target = np.broadcast_to(joints[:1], joints[1:].shape)
    aligned = similarity_procrustes(joints[1:], target).aligned
    return np.concatenate([joints[:1], aligned], axis=0)


def members_in_common_frame(joints: np.ndarray, absolute: np.ndarray,
                            mode: str) -> Tuple[np.ndarray, np.ndarray]:
    """The members in the frame they are averaged in (docs/derivations.md
    section 3).

    Args:
        joints: (M, N, K, 3) mm; absolute: (M, N) bool.

    Returns:
        (joints (M, N, K, 3) float64, absolute (N,) bool of the result).
    """
    if mode not in ENSEMBLE_MODES:
        raise ConfigError(f'ensemble mode must be one of {ENSEMBLE_MODES}, '
                          f'got {mode!r}')
    joints = np.asarray(joints, dtype=np.float64)
    absolute = np.asarray(absolute, dtype=bool)
    if mode == 'procrustes':
        return align_to_first_member(joints), absolute[0].copy()
    all_absolute = absolute.all(axis=0)
    relative = joints - joints[:, :, :1]
    return (np.where(all_absolute[None, :, None, None], joints, relative),
            all_absolute)


def weighted_joint_average(values: np.ndarray,
                           weights: np.ndarray) -> np.ndarray:
    """``sum_m weights[m, k] * values[m, n, k]``: (M, N, K, C) -> (N, K, C).

    ``weights`` (M, K) are used as given (normalise them first).
    """
    return np.einsum('mk,mnkc->nkc', weights, values)


def ensemble_records(stacked: StackedMembers, joints: np.ndarray,
                     absolute: np.ndarray,
                     keypoints_2d: Optional[np.ndarray]) -> List[Dict]:
    """Dump records of the ensemble: member 0's ids and ground truth with
    the combined ``pred_*`` fields (float32, std dropped)."""
    records = []
    for index, reference in enumerate(stacked.records):
        record = dict(reference)
        record['pred_joints_3d'] = joints[index].astype(np.float32)
        record['pred_joints_absolute'] = bool(absolute[index])
        record['pred_keypoints_2d'] = (
            None if keypoints_2d is None else
            keypoints_2d[index].astype(np.float32))
        record['pred_joints_3d_std'] = None
        records.append(record)
    return records


@POSTPROCESSORS.register_module()
class WeightedJointEnsemble:
    """Combine M models' predictions of the same hands
    (docs/derivations.md section 3).

    Unlike the single-model post-processors it takes one list per member::

        ensemble = POSTPROCESSORS.build(dict(type='WeightedJointEnsemble',
                                             weights=[0.7, 0.3]))
        records = ensemble([records_of_model_a, records_of_model_b])

    Args:
        weights: None (uniform), (M,) per member or (M, K) per member and
            joint; normalised per joint.
        mode: ``'mean'`` or ``'procrustes'``.
    """

    def __init__(self, weights: Optional[Any] = None,
                 mode: str = 'mean') -> None:
        check_choice('WeightedJointEnsemble', 'mode', mode, ENSEMBLE_MODES)
        self.weights = None if weights is None else np.asarray(
            weights, dtype=np.float64)
        self.mode = mode

    def combine(self, stacked: StackedMembers) -> List[Dict]:
        """The ensemble's dump records for already stacked members."""
        num_members, _, num_joints = stacked.joints.shape[:3]
        weights = normalise_weights(self.weights, num_members, num_joints)
        joints, absolute = members_in_common_frame(stacked.joints,
                                                   stacked.absolute,
                                                   self.mode)
        keypoints_2d = None
        if stacked.keypoints_2d is not None:
            keypoints_2d = weighted_joint_average(stacked.keypoints_2d,
                                                  weights)
        return ensemble_records(stacked,
                                weighted_joint_average(joints, weights),
                                absolute, keypoints_2d)

    def __call__(self, members: Sequence[Sequence[Any]],
                 names: Optional[Sequence[str]] = None) -> List[Dict]:
        """Match, stack and combine the members; dump records back."""
        return self.combine(stack_members(members, names))
