"""EgoExo4D hand-pose metrics for the mmengine loops.

* :class:`EgoExo4DMetric`: the organisers' MPJPE / PA-MPJPE (mm, mean over
  hand instances; ``egohands.evaluation.egoexo4d_evaluation``) on the
  model's predictions, with the GT either from the samples or, exactly as
  the official script, from a processed GT file.
* :class:`EgoExo4DSubmissionWriter`: collects the predictions of a test run
  and writes the challenge submission (``egohands.evaluation.
  egoexo4d_submission``); ``tools/test.py --dump`` uses it when the config
  declares ``dump_writer``.

A sample is identified by its take (metainfo ``take_uid``, else
``sequence``), ``frame`` and ``orig_hand_side`` (else ``hand_side``), which
``EgoExo4DHandDataset`` sets. Predictions ``pred_joints_3d`` are mm in the
original camera frame; ``pred_joints_absolute`` False means wrist-relative,
and the GT wrist is then added (the official ``--offset``).
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from egohands.datasets.egoexo4d.layout import DOC, read_json
from egohands.evaluation.egoexo4d_evaluation import (compute_hand_metrics,
                                                     evaluate_egoexo4d)
from egohands.evaluation.egoexo4d_submission import write_submission
from egohands.geometry.flip import flip_points_3d
from egohands.registry import METRICS
from egohands.utils.errors import ConfigError


def _numpy(value: Any) -> np.ndarray:
    if hasattr(value, 'detach'):
        value = value.detach().cpu().numpy()
    return np.asarray(value, np.float64)


def _fields(sample: Any) -> Dict[str, Any]:
    """metainfo + data fields of a HandDataSample (or a plain dict)."""
    if isinstance(sample, dict):
        return sample
    return {**sample.metainfo, **sample.to_dict()}


def hand_prediction(sample: Any, metric: str) -> Dict[str, Any]:
    """Key, prediction (mm) and, when present, un-flipped GT of one sample.

    Returns:
        dict with ``key`` (take_uid, frame number, side), ``pred_mm``
        (21, 3), ``absolute`` (bool), ``gt_mm`` (21, 3) and ``valid`` (21,)
        bool (both None without GT in the sample).
    """
    fields = _fields(sample)
    take_uid = fields.get('take_uid') or fields.get('sequence')
    frame = fields.get('frame')
    side = fields.get('orig_hand_side') or fields.get('hand_side')
    if take_uid is None or frame is None or side is None:
        raise ConfigError(
            f'{metric}: a data sample lacks take_uid/sequence, frame or hand '
            'side; use EgoExo4DHandDataset and keep these metainfo keys in '
            f'PackHandInputs ({DOC})')
    if 'pred_joints_3d' not in fields:
        raise ConfigError(f'{metric}: a data sample has no pred_joints_3d; '
                          'the model must predict 3D joints')
    out = dict(key=(str(take_uid), int(frame), str(side)),
               pred_mm=_numpy(fields['pred_joints_3d']),
               absolute=bool(fields.get('pred_joints_absolute', True)),
               gt_mm=None, valid=None)
    if fields.get('gt_joints_3d') is not None and fields.get(
            'gt_joints_valid') is not None:
        out['gt_mm'] = flip_points_3d(_numpy(fields['gt_joints_3d']),
                                      fields.get('flip') or 'none')
        out['valid'] = _numpy(fields['gt_joints_valid']) > 0.5
    return out


@METRICS.register_module()
class EgoExo4DMetric(BaseMetric):
    """Official EgoExo4D MPJPE and PA-MPJPE (mm) over hand instances.

    Args:
        ann_file: optional processed GT file (``ego_pose_gt_anno_val_public.
            json``). When given, every hand with 3D in it is evaluated and
            must have been predicted, exactly as the official script; when
            None, the GT of the samples is used (hands without valid joints
            are skipped).
        collect_device, prefix: as :class:`mmengine.evaluator.BaseMetric`.

    Reports ``mpjpe``, ``pa_mpjpe`` and ``num_hands``. Wrist-relative
    predictions (``pred_joints_absolute`` False) get the GT wrist added.
    """

    default_prefix: Optional[str] = None

    def __init__(self, ann_file: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.ann_file = ann_file

    def process(self, data_batch: Any,
                data_samples: Sequence[Union[dict, Any]]) -> None:
        for sample in data_samples:
            self.results.append(hand_prediction(sample, 'EgoExo4DMetric'))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        if self.ann_file:
            return self._against_file(results)
        with_gt = [r for r in results
                   if r['valid'] is not None and r['valid'].any()]
        if not with_gt:
            print_log('EgoExo4DMetric: no sample has 3D ground truth (the '
                      'test split?); write a submission with tools/test.py '
                      '--dump instead', logger='current',
                      level=logging.WARNING)
            return dict(num_hands=0)
        gt = np.stack([r['gt_mm'] for r in with_gt])
        pred = np.stack([
            r['pred_mm'] + (0.0 if r['absolute'] else r['gt_mm'][0])
            for r in with_gt
        ])
        return compute_hand_metrics(pred, gt,
                                    np.stack([r['valid'] for r in with_gt]))

    def _against_file(self, results: List[dict]) -> Dict[str, float]:
        absolute = {r['absolute'] for r in results}
        if len(absolute) > 1:
            raise ConfigError(
                'EgoExo4DMetric: predictions mix absolute and wrist-relative '
                'joints (pred_joints_absolute differs between samples)')
        gt = read_json(self.ann_file, 'ground-truth file')
        frame_keys = {uid: {int(k): k for k in frames}
                      for uid, frames in gt.items()
                      if isinstance(frames, dict)}
        predictions: Dict[str, Dict[str, Dict]] = {}
        for r in results:
            take_uid, frame, side = r['key']
            key = frame_keys.get(take_uid, {}).get(frame, str(frame))
            predictions.setdefault(take_uid, {}).setdefault(
                key, {})[f'{side}_hand_3d'] = r['pred_mm'] / 1000.0
        return evaluate_egoexo4d(gt, predictions, offset=absolute == {False},
                                 gt_path=self.ann_file,
                                 pred_path='predictions of the model')


@METRICS.register_module()
class EgoExo4DSubmissionWriter(BaseMetric):
    """Write the EgoExo4D challenge submission of a test run.

    Args:
        test_file: the public test file with the boxes
            (``annotation/manual/ego_pose_gt_anno_test_public.json``).
        out_file: where to write the submission (``tools/test.py --dump``
            sets it).
        collect_device, prefix: as :class:`mmengine.evaluator.BaseMetric`.

    Reports ``submission_hands`` (the number of hands written). Refuses a
    prediction set that misses a boxed hand, naming take, frame and side.
    """

    default_prefix: Optional[str] = None

    def __init__(self, test_file: str, out_file: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.test_file = test_file
        self.out_file = out_file

    def process(self, data_batch: Any,
                data_samples: Sequence[Union[dict, Any]]) -> None:
        for sample in data_samples:
            hand = hand_prediction(sample, 'EgoExo4DSubmissionWriter')
            self.results.append(
                dict(key=hand['key'], pred_mm=hand['pred_mm'],
                     absolute=hand['absolute']))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        if not self.out_file:
            raise ConfigError(
                'EgoExo4DSubmissionWriter: out_file is not set; give '
                '`tools/test.py CONFIG CHECKPOINT --dump submission.json`')
        test = read_json(self.test_file, 'public test file')
        written = write_submission(results, test, self.out_file,
                                   self.test_file)
        return dict(submission_hands=written['num_hands'])
