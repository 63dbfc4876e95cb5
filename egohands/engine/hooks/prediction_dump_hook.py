"""``PredictionDumpHook``: save every test prediction for offline use.

``tools/test.py --dump FILE`` turns it on. The file is JSON (``.json``) or a
pickle (``.pkl`` / ``.pickle``) holding::

    {'meta': {'format': 'egohands-predictions', 'version': 1,
              'units': 'mm', 'frame': 'original camera frame (unflipped)',
              'keypoints_2d': 'full-image px', 'joint_names': [21 names],
              'config': str, 'checkpoint': str},
     'predictions': [one dict per hand, in dataset order]}

Each hand has ``img_id`` int, ``ann_id`` int, ``img_path`` str,
``hand_side`` ('left' | 'right', in the original image),
``pred_joints_3d`` (21, 3) mm, ``pred_joints_absolute`` bool (False: the
wrist is at the origin), ``pred_keypoints_2d`` (21, 2) px or None,
``pred_joints_3d_std`` (21, 3) mm or None, and the ground truth for offline
evaluation (None when the test set has none): ``gt_joints_3d`` (21, 3) mm,
``gt_joints_valid`` (21,), ``gt_keypoints_2d`` (21, 2) px and
``gt_keypoints_2d_valid`` (21,) (None also when the model predicts no 2D). Everything is in the original (unflipped) camera frame and full-image
pixels. Arrays are nested lists in JSON and float32 numpy arrays in a
pickle. Read a dump back with :func:`load_prediction_dump`.
"""
import json
import os
import os.path as osp
import pickle
from typing import Any, Dict, List, Optional

import numpy as np
from mmengine.dist import collect_results, is_main_process
from mmengine.hooks import Hook

from egohands.datasets.metainfo import JOINT_NAMES
from egohands.evaluation.metrics.sample_fields import (flip_of,
                                                       keypoints_2d_record,
                                                       original_hand_side,
                                                       to_numpy)
from egohands.geometry.flip import flip_points_3d
from egohands.registry import HOOKS
from egohands.utils.errors import ConfigError

DUMP_SUFFIXES = ('.json', '.pkl', '.pickle')


def check_dump_path(path: str) -> None:
    """Raise a ``ConfigError`` unless ``path`` ends in a known suffix."""
    if osp.splitext(path)[1].lower() not in DUMP_SUFFIXES:
        raise ConfigError(f'--dump {path}: the file name must end in one of '
                          f'{", ".join(DUMP_SUFFIXES)} (JSON or pickle)')


def _array(value: Any) -> Optional[np.ndarray]:
    return None if value is None else to_numpy(value).astype(np.float32)


def hand_record(sample) -> Dict[str, Any]:
    """The dump record of one predicted ``HandDataSample`` (numpy arrays).

    Ground truth is optional (test sets may have none); it is brought to the
    original frame with the metrics' own helpers.
    """
    fields = sample.to_dict()
    record = dict(
        img_id=int(fields.get('img_id', -1)),
        ann_id=int(fields.get('ann_id', -1)),
        img_path=str(fields.get('img_path', '')),
        hand_side=original_hand_side(fields),
        pred_joints_3d=_array(fields['pred_joints_3d']),
        pred_joints_absolute=bool(fields.get('pred_joints_absolute', False)),
        pred_keypoints_2d=_array(fields.get('pred_keypoints_2d')),
        pred_joints_3d_std=_array(fields.get('pred_joints_3d_std')),
        gt_joints_3d=None, gt_joints_valid=None, gt_keypoints_2d=None,
        gt_keypoints_2d_valid=None)
    if fields.get('gt_joints_3d') is not None:
        record['gt_joints_3d'] = flip_points_3d(
            _array(fields['gt_joints_3d']), flip_of(fields))
        record['gt_joints_valid'] = _array(fields.get('gt_joints_valid'))
    keypoints = keypoints_2d_record(fields)
    if keypoints is not None:
        record['gt_keypoints_2d'] = _array(keypoints['gt_keypoints_2d'])
        record['gt_keypoints_2d_valid'] = _array(
            keypoints['gt_keypoints_2d_valid'])
    return record


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def write_prediction_dump(path: str, records: List[Dict],
                          meta: Dict[str, Any]) -> None:
    """Write records (see the module docstring) as JSON or pickle."""
    check_dump_path(path)
    content = dict(meta=dict(format='egohands-predictions', version=1,
                             units='mm',
                             frame='original camera frame (unflipped)',
                             keypoints_2d='full-image px',
                             joint_names=list(JOINT_NAMES), **meta),
                   predictions=records)
    if osp.dirname(path):
        os.makedirs(osp.dirname(path), exist_ok=True)
    if path.lower().endswith('.json'):
        with open(path, 'w') as f:
            json.dump(_jsonable(content), f)
    else:
        with open(path, 'wb') as f:
            pickle.dump(content, f)


def load_prediction_dump(path: str) -> Dict[str, Any]:
    """Read a dump; arrays come back as float32 numpy arrays either way."""
    check_dump_path(path)
    if path.lower().endswith('.json'):
        with open(path) as f:
            content = json.load(f)
        for record in content['predictions']:
            for key, value in record.items():
                if isinstance(value, list):
                    record[key] = np.asarray(value, dtype=np.float32)
        return content
    with open(path, 'rb') as f:
        return pickle.load(f)


@HOOKS.register_module()
class PredictionDumpHook(Hook):
    """Collect the predictions of a test run and write them to ``out_file``.

    Args:
        out_file: ``.json``, ``.pkl`` or ``.pickle`` path.
        meta: extra entries of the ``meta`` block (config, checkpoint).
    """

    priority = 'LOW'

    def __init__(self, out_file: str, meta: Optional[Dict] = None) -> None:
        check_dump_path(out_file)
        self.out_file = out_file
        self.meta = dict(meta or {})
        self._records: List[Dict] = []

    def before_test_epoch(self, runner) -> None:
        self._records = []

    def after_test_iter(self, runner, batch_idx: int, data_batch=None,
                        outputs=None) -> None:
        self._records.extend(hand_record(sample) for sample in outputs)

    def after_test_epoch(self, runner, metrics=None) -> None:
        size = len(runner.test_dataloader.dataset)
        records = collect_results(self._records, size, device='cpu')
        if is_main_process():
            write_prediction_dump(self.out_file, records, self.meta)
            runner.logger.info(f'PredictionDumpHook: wrote {len(records)} '
                               f'hand predictions to {self.out_file}')
