"""A test run next to the mean-pose baselines: the table ``make demo`` prints.

Input is a prediction dump of ``tools/test.py --dump`` (records of
``egohands.evaluation.prediction_dump``, original camera frame, mm)
and the training joints. Every number uses the definitions of
``HandKeypoint3DMetric``: root-relative MPJPE, PA-MPJPE and the 0-50 mm
PCK-AUC of root-relative joints, averaged per hand then over hands.
"""
from typing import Dict, List, Sequence, Tuple

import numpy as np

from egohands.evaluation.baselines import (baseline_predictions, mean_pose,
                                           per_side_predictions,
                                           side_mean_poses)
from egohands.evaluation.functional import keypoint_mpjpe, keypoint_pck_auc
from egohands.utils.errors import ConfigError

#: (key, column title)
TABLE_COLUMNS = (('mpjpe', 'MPJPE (mm)'), ('pa_mpjpe', 'PA-MPJPE (mm)'),
                 ('pck_auc', 'PCK-AUC 0-50mm'))

MODEL, MEAN_POSE, SIDE_MEAN_POSE = 'trained model', 'mean pose', \
    'mean pose per side'


def dump_arrays(records: Sequence[Dict]
                ) -> Tuple[np.ndarray, np.ndarray, np.ndarray, List[str]]:
    """Predictions (N, K, 3), ground truth (N, K, 3), validity (N, K) bool
    and sides of the dump records that have ground truth."""
    kept = [r for r in records if r.get('gt_joints_3d') is not None]
    if not kept:
        raise ConfigError('the prediction dump has no ground truth: run '
                          'tools/test.py on a split with annotations')
    pred = np.stack([np.asarray(r['pred_joints_3d'], np.float64)
                     for r in kept])
    gt = np.stack([np.asarray(r['gt_joints_3d'], np.float64) for r in kept])
    valid = np.stack([np.asarray(r['gt_joints_valid']) > 0 for r in kept])
    return pred, gt, valid, [str(r['hand_side']) for r in kept]


def table_metrics(pred: np.ndarray, gt: np.ndarray,
                  valid: np.ndarray) -> Dict[str, float]:
    """MPJPE, PA-MPJPE (mm) and PCK-AUC (0-100) of (N, K, 3) joints."""
    return dict(mpjpe=keypoint_mpjpe(pred, gt, valid, 'root'),
                pa_mpjpe=keypoint_mpjpe(pred, gt, valid, 'procrustes'),
                pck_auc=keypoint_pck_auc(pred, gt, valid, 'root'))


def compare_with_baselines(records: Sequence[Dict],
                           train_joints: np.ndarray,
                           train_valid: np.ndarray,
                           train_sides: Sequence[str]) -> Dict:
    """Metrics of the model and of both mean-pose baselines.

    Returns ``{'rows': {name: metrics}, 'pa_mpjpe_ratio': {baseline:
    model PA-MPJPE / baseline PA-MPJPE}, 'num_hands': N,
    'num_train_hands': M}``.
    """
    pred, gt, valid, sides = dump_arrays(records)
    rows = {MODEL: table_metrics(pred, gt, valid)}
    overall = mean_pose(train_joints, train_valid)
    rows[MEAN_POSE] = table_metrics(baseline_predictions(len(gt), overall),
                                    gt, valid)
    per_side = side_mean_poses(train_joints, train_valid, train_sides)
    rows[SIDE_MEAN_POSE] = table_metrics(
        per_side_predictions(sides, per_side), gt, valid)
    model_pa = rows[MODEL]['pa_mpjpe']
    return dict(rows=rows,
                pa_mpjpe_ratio={name: model_pa / rows[name]['pa_mpjpe']
                                for name in (MEAN_POSE, SIDE_MEAN_POSE)},
                num_hands=len(gt), num_train_hands=len(train_joints))


def format_table(report: Dict) -> str:
    """The report as a plain-text table with a ratio line."""
    titles = ['', *(title for _, title in TABLE_COLUMNS)]
    lines = [[name, *(f'{metrics[key]:.2f}' for key, _ in TABLE_COLUMNS)]
             for name, metrics in report['rows'].items()]
    widths = [max(len(row[i]) for row in [titles, *lines])
              for i in range(len(titles))]

    def fmt(row):
        return '  '.join(cell.ljust(widths[0]) if i == 0 else
                         cell.rjust(widths[i]) for i, cell in enumerate(row))

    ratios = ', '.join(f'{ratio:.2f}x {name}'
                       for name, ratio in report['pa_mpjpe_ratio'].items())
    return '\n'.join([
        fmt(titles), '  '.join('-' * w for w in widths),
        *(fmt(row) for row in lines),
        f'{report["num_hands"]} test hands, baselines from '
        f'{report["num_train_hands"]} training hands; model PA-MPJPE = '
        f'{ratios}'
    ])


def validation_history(work_dir: str) -> Dict[str, List[float]]:
    """Validation metrics per epoch of a training run.

    Reads the newest ``<work_dir>/<timestamp>/vis_data/scalars.json`` that
    mmengine's ``LocalVisBackend`` wrote. Returns ``{'epoch': [...],
    metric: [...]}`` for the lines holding ``pa_mpjpe`` (empty lists when
    there are none).
    """
    import glob
    import json
    import os.path as osp
    history: Dict[str, List[float]] = {'epoch': []}
    files = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                      'scalars.json')))
    if not files:
        return history
    with open(files[-1]) as f:
        for line in f:
            record = json.loads(line)
            if 'pa_mpjpe' not in record:
                continue
            history['epoch'].append(float(record['step']))
            for key in ('mpjpe', 'pa_mpjpe', 'pck_auc'):
                if key in record:
                    history.setdefault(key, []).append(float(record[key]))
    return history
