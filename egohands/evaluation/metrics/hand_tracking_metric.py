"""The multiview hand tracking challenge in the mmengine loops.

* :class:`HandTrackingPoseMetric`: MPJPE, PCK-AUC, fingertip PCK-AUC of
  ``egohands.evaluation.functional.hand_tracking`` on the model's world
  landmarks, against the samples' ground truth or, exactly as the
  organisers, a ``gt_landmarks_<dataset>.json`` file.
* :class:`HandTrackingShapeMetric`: MPVPE of the zero-pose left MANO meshes
  of predicted vs ground-truth betas.
* :class:`HandTrackingSubmissionWriter`: ``tools/test.py --dump`` writes
  the challenge archive with it (the configs' ``dump_writer``).

Samples are per hand and view (``UmeTrackDataset`` / ``HOT3DClipsDataset``)
and keyed by (``sequence``, ``frame``, original hand side); the first
sample of a key (the first view in data order) stands for it, so a
multi-view model, which predicts once per hand, and the written submission
agree. World = ``T_world_from_cam`` (mm) applied to the camera-frame
predictions (identity when a sample has none).
"""
from __future__ import annotations

import logging
import os
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from egohands.evaluation.functional.hand_tracking import (
    challenge_pose_metrics, challenge_shape_metric, group_entries,
    toolkit_landmarks)
from egohands.geometry.camera_models import camera_to_world
from egohands.registry import METRICS
from egohands.utils.errors import ConfigError
from egohands.utils.json_files import read_json_file
from .sample_fields import (describe, joints_3d_record, original_hand_side,
                            require, to_numpy)

M_TO_MM = 1000.0
Key = Tuple[str, int, str]


def hand_key(sample: Dict, metric: str) -> Key:
    """(sequence, frame, original side) of a sample."""
    side = original_hand_side(sample)
    if sample.get('sequence') is None or sample.get('frame') is None or \
            side is None:
        raise ConfigError(f'{metric}: {describe(sample)} lacks sequence, '
                          'frame or hand side; use UmeTrackDataset / '
                          'HOT3DClipsDataset (docs/multiview.md)')
    return str(sample['sequence']), int(sample['frame']), side


def world_pose_mm(sample: Dict) -> np.ndarray:
    T = sample.get('T_world_from_cam')
    return np.eye(4) if T is None else to_numpy(T).astype(np.float64)


def first_per_key(records: Sequence[Dict]) -> Dict[Key, Dict]:
    """The first record of each key, in first-appearance order."""
    kept: Dict[Key, Dict] = {}
    for record in records:
        kept.setdefault(tuple(record['key']), record)
    return kept


def ordered_by_sequence(keys: Sequence[Key]) -> Dict[str, List[Key]]:
    """Keys by sequence, each sorted by (frame, left before right): the
    ground-truth writer's order."""
    groups: Dict[str, List[Key]] = {}
    for key in keys:
        groups.setdefault(key[0], []).append(key)
    return {s: sorted(k, key=lambda k: (k[1], k[2] != 'left'))
            for s, k in groups.items()}


@METRICS.register_module()
class HandTrackingPoseMetric(BaseMetric):
    """The challenge's pose metrics (mm; AUCs 0-100) on world landmarks.

    Args:
        gt_file: optional ``gt_landmarks_<dataset>.json`` of the
            organisers (UmeTrack landmarks, world, metres); its entries are
            matched by position per sequence, as the official evaluation.
            Without it the samples' ``gt_joints_3d`` are the ground truth.
        data_root: joined with a relative ``gt_file``.

    Reports ``mpjpe``, ``pck_auc``, ``fingertip_pck_auc``, ``num_entries``
    (prefix ``challenge``). Wrist-relative predictions get the ground-truth
    wrist added (EgoExo4D's ``--offset``), with a warning.
    """

    default_prefix = 'challenge'

    def __init__(self, gt_file: Optional[str] = None, data_root: str = '',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.gt_file = gt_file and os.path.join(data_root, gt_file)

    def process(self, data_batch: Any, data_samples: Sequence[Dict]) -> None:
        name = type(self).__name__
        for sample in data_samples:
            key = hand_key(sample, name)
            T = world_pose_mm(sample)
            pred = to_numpy(require(sample, 'pred_joints_3d', name,
                                    'the model must predict 3D joints'))
            pred = pred.astype(np.float64)
            gt = None
            if sample.get('gt_joints_3d') is not None:
                gt = joints_3d_record(sample, name)['gt_joints_3d']
            absolute = bool(sample.get('pred_joints_absolute', False))
            if not absolute:
                if gt is None:
                    raise ConfigError(
                        f'{name}: {describe(sample)}: wrist-relative '
                        'predictions need ground truth to be placed; use '
                        'a model that predicts absolute joints')
                pred = pred - pred[:1] + gt[:1]
            self.results.append(dict(
                key=key, absolute=absolute,
                pred=camera_to_world(pred, T),
                gt=None if gt is None else camera_to_world(gt, T)))

    def compute_metrics(self, results: List[Dict]) -> Dict[str, float]:
        name = type(self).__name__
        if not all(r['absolute'] for r in results):
            print_log(f'{name}: wrist-relative predictions were placed at '
                      'the ground-truth wrist', logger='current',
                      level=logging.WARNING)
        kept = first_per_key(results)
        order = ordered_by_sequence(list(kept))
        pred = {s: toolkit_landmarks(np.stack([kept[k]['pred']
                                               for k in keys]))
                for s, keys in order.items()}
        if self.gt_file:
            gt = self._gt_from_file(pred)
        else:
            if any(r['gt'] is None for r in kept.values()):
                raise ConfigError(f'{name}: some samples have no ground '
                                  'truth; give gt_file or use a split with '
                                  'hands.json')
            gt = {s: toolkit_landmarks(np.stack([kept[k]['gt']
                                                 for k in keys]))
                  for s, keys in order.items()}
        values = challenge_pose_metrics(pred, gt)
        return dict(mpjpe=values['MPJPE'], pck_auc=values['PCK_AUC'],
                    fingertip_pck_auc=values['FINGERTIP_PCK_AUC'],
                    num_entries=values['num_entries'])

    def _gt_from_file(self, pred: Dict[str, np.ndarray]
                      ) -> Dict[str, np.ndarray]:
        entries = read_json_file(self.gt_file, 'ground-truth landmarks file')
        gt = {}
        for sequence, items in group_entries(entries).items():
            landmarks = np.asarray([e['landmarks'] for e in items],
                                   np.float64) * M_TO_MM
            if sequence not in pred or len(pred[sequence]) != len(items):
                raise ConfigError(
                    f'{self.gt_file}: sequence {sequence} has {len(items)} '
                    f'entries but the predictions have '
                    f'{len(pred.get(sequence, []))}; test on the same split '
                    'and frames (HOT3D: every_n_frames=10)')
            gt[sequence] = landmarks
        return gt


def mano_prediction(sample: Dict, metric: str) -> Dict[str, np.ndarray]:
    """``pred_mano`` as numpy arrays (see :class:`HandTrackingSubmissionWriter`)."""
    mano = require(sample, 'pred_mano', metric,
                   'the model must predict MANO parameters (the multi-view '
                   'MANO heads)')
    return {k: to_numpy(v).astype(np.float64) for k, v in mano.items()
            if v is not None and not isinstance(v, str)}


class _NeedsHandModel:
    """Lazily built :class:`~egohands.hand_models.toolkit_mano.ToolkitMANO`."""

    def __init__(self, hand_model: Optional[str]) -> None:
        self.hand_model = hand_model
        self._mano = None

    def mano(self, who: str):
        if not self.hand_model:
            raise ConfigError(f'{who} needs hand_model, the folder of '
                              'MANO_LEFT.pkl / MANO_RIGHT.pkl')
        if self._mano is None:
            from egohands.hand_models.toolkit_mano import ToolkitMANO
            self._mano = ToolkitMANO(self.hand_model)
        return self._mano


def zero_pose_vertices_mm(mano, betas: np.ndarray) -> np.ndarray:
    """(N, 10) betas -> (N, 778, 3) mm left-hand meshes, zero PCA pose and
    zero wrist transform (the shape track's meshes)."""
    import torch
    betas = torch.as_tensor(np.asarray(betas), dtype=torch.float32)
    with torch.no_grad():
        _, vertices = mano(betas.new_zeros(len(betas), 15),
                           betas.new_zeros(len(betas), 6), betas,
                           torch.zeros(len(betas), dtype=torch.bool))
    return vertices.double().numpy() * M_TO_MM


@METRICS.register_module()
class HandTrackingShapeMetric(BaseMetric):
    """The challenge's shape metric ``mpvpe`` (mm).

    Per sequence, the predicted betas (``pred_mano['betas']``, mean over
    the sequence's samples, as a submission holds one shape) against the
    ground truth's ``gt_mano_betas``; mean over sequences.

    Args:
        hand_model: MANO folder (``MANO_LEFT.pkl`` / ``MANO_RIGHT.pkl``).
    """

    default_prefix = 'challenge'

    def __init__(self, hand_model: str, collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.hand_model = _NeedsHandModel(hand_model)

    def process(self, data_batch: Any, data_samples: Sequence[Dict]) -> None:
        name = type(self).__name__
        for sample in data_samples:
            betas = mano_prediction(sample, name).get('betas')
            gt = sample.get('gt_mano_betas')
            if betas is None or gt is None:
                raise ConfigError(f'{name}: {describe(sample)} lacks '
                                  "pred_mano['betas'] or gt_mano_betas")
            self.results.append(dict(sequence=str(sample['sequence']),
                                     pred=betas, gt=to_numpy(gt)))

    def compute_metrics(self, results: List[Dict]) -> Dict[str, float]:
        sequences = list(dict.fromkeys(r['sequence'] for r in results))
        pred = np.stack([np.mean([r['pred'] for r in results
                                  if r['sequence'] == s], 0)
                         for s in sequences])
        gt = np.stack([next(r['gt'] for r in results if r['sequence'] == s)
                       for s in sequences])
        mano = self.hand_model.mano(type(self).__name__)
        pred_v = zero_pose_vertices_mm(mano, pred)
        gt_v = zero_pose_vertices_mm(mano, gt)
        values = challenge_shape_metric(
            {s: pred_v[i:i + 1] for i, s in enumerate(sequences)},
            {s: gt_v[i:i + 1] for i, s in enumerate(sequences)})
        return dict(mpvpe=values['MPVPE'])
