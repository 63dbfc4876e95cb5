"""EgoExo4D hand-pose metrics for the mmengine loops.

* :class:`EgoExo4DMetric`: the organisers' MPJPE / PA-MPJPE (mm, mean over
  hand instances; ``egohands.evaluation.egoexo4d_evaluation``) on the
  model's predictions, with the GT either from the samples or, exactly as
  the official script, from a processed GT file.
* :class:`EgoExo4DSubmissionWriter`: collects the predictions of a test run
  and writes the challenge submission (``egohands.evaluation.
  egoexo4d_submission``); ``tools/test.py --dump`` uses it when the config
  declares ``dump_writer``.

A sample is identified by its take (``take_uid``, else ``sequence``),
``frame`` and original hand side, which ``EgoExo4DHandDataset`` sets and
``PackHandInputs`` keeps. Predictions ``pred_joints_3d`` are mm in the
original camera frame; ``pred_joints_absolute`` False (or absent) means
wrist-relative, and the GT wrist is then added (the official ``--offset``).
Ground truth is read with ``sample_fields`` (un-flipped).
"""
from __future__ import annotations

import logging
import os
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from egohands.datasets.egoexo4d.layout import DOC, read_json
from egohands.evaluation.egoexo4d_evaluation import (compute_hand_metrics,
                                                     evaluate_egoexo4d)
from egohands.evaluation.egoexo4d_submission import write_submission
from egohands.registry import METRICS
from egohands.utils.errors import ConfigError
from .sample_fields import (describe, joints_3d_record, original_hand_side,
                            require, to_numpy)


def hand_prediction(sample: Any, metric: str) -> Dict[str, Any]:
    """Key, prediction (mm) and, when present, un-flipped GT of one sample.

    Args:
        sample: a data-sample dict (what mmengine gives ``process``) or a
            ``HandDataSample``.
        metric: the metric's name, for messages.

    Returns:
        dict with ``key`` (take_uid, frame number, original side),
        ``pred_mm`` (21, 3), ``absolute`` (bool), ``gt_mm`` (21, 3) and
        ``valid`` (21,) bool (both None without GT in the sample).
    """
    if not isinstance(sample, dict):
        sample = {**sample.metainfo, **sample.to_dict()}
    take_uid = sample.get('take_uid') or sample.get('sequence')
    side = original_hand_side(sample)
    if take_uid is None or sample.get('frame') is None or side is None:
        raise ConfigError(
            f'{metric}: {describe(sample)} lacks take_uid/sequence, frame or '
            'hand side; use EgoExo4DHandDataset and keep these metainfo keys '
            f'in PackHandInputs ({DOC})')
    pred = require(sample, 'pred_joints_3d', metric,
                   'the model must predict 3D joints')
    out = dict(key=(str(take_uid), int(sample['frame']), side),
               pred_mm=to_numpy(pred).astype(np.float64),
               absolute=bool(sample.get('pred_joints_absolute', False)),
               gt_mm=None, valid=None)
    if sample.get('gt_joints_3d') is not None and sample.get(
            'gt_joints_valid') is not None:
        record = joints_3d_record(sample, metric)
        out['gt_mm'] = record['gt_joints_3d']
        out['valid'] = record['gt_joints_valid']
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
        data_root: joined with a relative ``ann_file`` (configs pass their
            ``data_root`` so ``--cfg-options data_root=...`` moves it too).
        collect_device, prefix: as :class:`mmengine.evaluator.BaseMetric`.

    Reports ``mpjpe``, ``pa_mpjpe`` and ``num_hands``. Wrist-relative
    predictions (``pred_joints_absolute`` False) get the GT wrist added.
    """

    default_prefix = ''  # plain keys, as HandKeypoint3DMetric

    def __init__(self, ann_file: Optional[str] = None, data_root: str = '',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.ann_file = ann_file and os.path.join(data_root, ann_file)

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
        frame_keys = {uid: {int(k): k for k in frames if k.isdigit()}
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
        data_root: joined with a relative ``test_file``.
        collect_device, prefix: as :class:`mmengine.evaluator.BaseMetric`.

    Reports ``submission_hands`` (the number of hands written). Refuses a
    prediction set that misses a boxed hand, naming take, frame and side.
    """

    default_prefix = ''  # plain keys, as HandKeypoint3DMetric

    def __init__(self, test_file: str, out_file: Optional[str] = None,
                 data_root: str = '', collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.test_file = os.path.join(data_root, test_file)
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
