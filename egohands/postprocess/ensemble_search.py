"""Ensemble weights by random search on a validation split, and their file.

HP-ViT's challenge entry chose the weights of its ensemble by trying random
weight vectors on the validation split and keeping the best. Here:

* ``granularity='model'``: one weight per member (shared by all joints).
  The candidates are the M one-hot vectors (each member alone), the uniform
  vector and ``num_candidates`` draws from a flat Dirichlet distribution.
* ``granularity='joint'``: the model search first, then, joint after joint,
  the one-hot vectors and ``num_candidates`` Dirichlet draws for that
  joint's column while the other joints keep their best weights
  (``rounds`` passes).

A candidate replaces the best only when it is strictly better, so with the
one-hot vectors among the candidates the result is never worse on the
validation split than the best member (scored in the ensemble's frame; in
``'mean'`` mode that is the member itself). The draws come from
``numpy.random.default_rng(seed)``: the same seed gives the same weights.

Scores use the definitions of ``HandKeypoint3DMetric`` (mm; EgoExo4D
averaging); ``pck_auc`` is maximised, the errors minimised.
"""
from __future__ import annotations

import json
import os
import os.path as osp
from typing import Any, Dict, List, NamedTuple, Optional, Sequence

import numpy as np

from egohands.datasets.metainfo import JOINT_NAMES
from egohands.evaluation.functional import keypoint_mpjpe, keypoint_pck_auc
from egohands.utils.errors import ConfigError
from .ensemble import (ENSEMBLE_MODES, StackedMembers,
                       members_in_common_frame, normalise_weights,
                       weighted_joint_average)

#: metric name -> (alignment, True if larger is better)
SEARCH_METRICS = {
    'mpjpe': ('root', False),
    'pa_mpjpe': ('procrustes', False),
    'mpjpe_abs': ('none', False),
    'pck_auc': ('root', True),
}
GRANULARITIES = ('model', 'joint')
WEIGHTS_FORMAT = 'egohands-ensemble-weights'


class WeightSearchResult(NamedTuple):
    """Best weights (M, K) normalised per joint, their validation score,
    and the score of each member alone (one-hot weights)."""

    weights: np.ndarray
    score: float
    member_scores: List[float]
    metric: str
    num_evaluated: int


def ground_truth(stacked: StackedMembers, what: str):
    """``(gt (N, K, 3) mm, valid (N, K) bool)`` of the stacked hands.

    Raises:
        ConfigError: a hand has no ground truth (``what`` names the dumps).
    """
    records = stacked.records
    missing = [r for r in records if r.get('gt_joints_3d') is None
               or r.get('gt_joints_valid') is None]
    if missing:
        raise ConfigError(
            f'{what}: {len(missing)} of {len(records)} hands have no ground '
            f'truth (e.g. img_id={missing[0].get("img_id")}); weights can '
            'only be searched on dumps of a labelled split')
    gt = np.stack([np.asarray(r['gt_joints_3d'], np.float64)
                   for r in records])
    valid = np.stack([np.asarray(r['gt_joints_valid']) > 0 for r in records])
    return gt, valid


def joints_score(pred: np.ndarray, gt: np.ndarray, valid: np.ndarray,
                 metric: str) -> float:
    """One metric of ``SEARCH_METRICS`` for (N, K, 3) mm predictions."""
    alignment, _ = SEARCH_METRICS[metric]
    if metric == 'pck_auc':
        return keypoint_pck_auc(pred, gt, valid, alignment)
    return keypoint_mpjpe(pred, gt, valid, alignment)


def _check_search_args(metric: str, granularity: str, mode: str,
                       num_candidates: int) -> None:
    if metric not in SEARCH_METRICS:
        raise ConfigError(f'--metric {metric!r}: choose one of '
                          f'{sorted(SEARCH_METRICS)}')
    if granularity not in GRANULARITIES:
        raise ConfigError(f'--granularity {granularity!r}: choose one of '
                          f'{GRANULARITIES}')
    if mode not in ENSEMBLE_MODES:
        raise ConfigError(f'--mode {mode!r}: choose one of {ENSEMBLE_MODES}')
    if num_candidates < 0:
        raise ConfigError(f'--search {num_candidates}: the number of random '
                          'candidates must be >= 0')


def search_weights(stacked: StackedMembers, mode: str = 'mean',
                   metric: str = 'pa_mpjpe', num_candidates: int = 200,
                   granularity: str = 'model', seed: int = 0,
                   rounds: int = 1) -> WeightSearchResult:
    """Random search of ensemble weights (module docstring).

    Args:
        stacked: the members' predictions on a labelled (validation) split.
        mode: ``'mean'`` or ``'procrustes'``.
        metric: a key of ``SEARCH_METRICS``.
        num_candidates: Dirichlet draws per stage (per joint for 'joint').
        granularity: ``'model'`` or ``'joint'``.
        seed: seed of the draws.
        rounds: passes over the joints (``'joint'`` only).
    """
    _check_search_args(metric, granularity, mode, num_candidates)
    gt, valid = ground_truth(stacked, 'weight search')
    joints, absolute = members_in_common_frame(stacked.joints,
                                               stacked.absolute, mode)
    if metric == 'mpjpe_abs' and not absolute.all():
        raise ConfigError('--metric mpjpe_abs needs absolute ensemble '
                          'predictions: every member absolute (mean mode) '
                          'or an absolute first member (procrustes mode)')
    num_members, _, num_joints = joints.shape[:3]
    larger_is_better = SEARCH_METRICS[metric][1]
    rng = np.random.default_rng(seed)
    evaluated = 0

    def score(weights: np.ndarray) -> float:
        nonlocal evaluated
        evaluated += 1
        return joints_score(weighted_joint_average(joints, weights), gt,
                            valid, metric)

    def better(new: float, old: float) -> bool:
        return new > old if larger_is_better else new < old

    one_hot = np.eye(num_members)
    member_scores = [
        score(np.repeat(row[:, None], num_joints, axis=1)) for row in one_hot
    ]
    best_member = int(np.argmax(member_scores) if larger_is_better else
                      np.argmin(member_scores))
    best = np.repeat(one_hot[best_member][:, None], num_joints, axis=1)
    best_score = member_scores[best_member]
    draws = [np.full(num_members, 1.0 / num_members)] + list(
        rng.dirichlet(np.ones(num_members), size=num_candidates))
    for vector in draws:
        candidate = np.repeat(vector[:, None], num_joints, axis=1)
        candidate_score = score(candidate)
        if better(candidate_score, best_score):
            best, best_score = candidate, candidate_score
    if granularity == 'joint' and num_members > 1:
        for _ in range(rounds):
            for joint in range(num_joints):
                columns = list(one_hot) + list(
                    rng.dirichlet(np.ones(num_members), size=num_candidates))
                for column in columns:
                    candidate = best.copy()
                    candidate[:, joint] = column
                    candidate_score = score(candidate)
                    if better(candidate_score, best_score):
                        best, best_score = candidate, candidate_score
    return WeightSearchResult(normalise_weights(best, num_members, num_joints),
                              float(best_score), member_scores, metric,
                              evaluated)


def dump_metrics(records: Sequence[Dict[str, Any]]) -> Dict[str, float]:
    """``HandKeypoint3DMetric``'s numbers for dump records, the very ones
    ``tools/test.py`` reports; empty when a hand has no ground truth."""
    from egohands.evaluation.metrics import HandKeypoint3DMetric
    results = []
    for record in records:
        if record.get('gt_joints_3d') is None:
            return {}
        keypoints_2d = None
        if all(record.get(key) is not None for key in (
                'pred_keypoints_2d', 'gt_keypoints_2d',
                'gt_keypoints_2d_valid')):
            keypoints_2d = dict(
                pred_keypoints_2d=np.asarray(record['pred_keypoints_2d'],
                                             np.float64),
                gt_keypoints_2d=np.asarray(record['gt_keypoints_2d'],
                                           np.float64),
                gt_keypoints_2d_valid=np.asarray(
                    record['gt_keypoints_2d_valid']) > 0)
        results.append(dict(
            pred_joints_3d=np.asarray(record['pred_joints_3d'], np.float64),
            pred_joints_absolute=bool(record['pred_joints_absolute']),
            gt_joints_3d=np.asarray(record['gt_joints_3d'], np.float64),
            gt_joints_valid=np.asarray(record['gt_joints_valid']) > 0,
            hand_side=record.get('hand_side'), img_id=record.get('img_id'),
            keypoints_2d=keypoints_2d))
    return HandKeypoint3DMetric().compute_metrics(results)


def save_weights(path: str, weights: np.ndarray, mode: str,
                 info: Optional[Dict[str, Any]] = None) -> None:
    """Write (M, K) weights and how they were found as JSON."""
    content = dict(format=WEIGHTS_FORMAT, version=1, mode=mode,
                   joint_names=list(JOINT_NAMES),
                   weights=np.asarray(weights, np.float64).tolist(),
                   **(info or {}))
    if osp.dirname(path):
        os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(content, f, indent=1)


def load_weights(path: str, num_members: int) -> Dict[str, Any]:
    """Read a file of :func:`save_weights`; ``weights`` comes back (M, K).

    Raises:
        ConfigError: missing or malformed file, or weights for another
            number of members.
    """
    try:
        with open(path) as f:
            content = json.load(f)
    except (OSError, ValueError) as err:
        raise ConfigError(f'--weights-file {path}: cannot read it as JSON '
                          f'({err})') from err
    if not isinstance(content, dict) or content.get(
            'format') != WEIGHTS_FORMAT or 'weights' not in content:
        raise ConfigError(f'--weights-file {path}: not an egohands ensemble '
                          'weights file (written by tools/ensemble.py '
                          '--save-weights)')
    weights = np.asarray(content['weights'], dtype=np.float64)
    if weights.ndim != 2 or weights.shape[0] != num_members:
        raise ConfigError(
            f'--weights-file {path}: holds weights of shape {weights.shape} '
            f'but {num_members} dumps are given; pass the dumps of the same '
            'models in the same order as when the weights were searched')
    content['weights'] = normalise_weights(weights, num_members,
                                           weights.shape[1])
    return content


def format_metric_table(rows: Dict[str, Dict[str, float]],
                        order: Sequence[str] = ('mpjpe', 'pa_mpjpe',
                                                'pck_auc', 'mpjpe_abs')
                        ) -> str:
    """A text table: one row per member / ensemble, one column per metric."""
    names = [k for k in order if any(k in m for m in rows.values())]
    names += sorted({k for m in rows.values() for k in m} - set(names))
    width = max([len('model')] + [len(name) for name in rows])
    columns = [max(10, len(name)) for name in names]
    lines = ['  '.join([f'{"model":<{width}}'] + [
        f'{name:>{col}}' for name, col in zip(names, columns)])]
    lines.append('  '.join(['-' * width] + ['-' * col for col in columns]))
    for row_name, metrics in rows.items():
        cells = [f'{metrics[name]:.4f}' if name in metrics else '-'
                 for name in names]
        lines.append('  '.join([f'{row_name:<{width}}'] + [
            f'{cell:>{col}}' for cell, col in zip(cells, columns)]))
    return '\n'.join(lines)
