"""``PredictionDumpHook``: save every test prediction for offline use.

``tools/test.py --dump FILE`` turns it on. The hook turns each predicted
``HandDataSample`` into a dump record (:func:`hand_record`), each present
hand of a two-hand sample (WildHands) into one of its own; the file
format, its version, writing and reading live in
:mod:`egohands.evaluation.prediction_dump`.
"""
from typing import Any, Dict, List, Optional

import numpy as np
from mmengine.dist import collect_results, is_main_process
from mmengine.hooks import Hook

from egohands.evaluation.metrics.sample_fields import (flip_of,
                                                       keypoints_2d_record,
                                                       original_hand_side,
                                                       present_hands,
                                                       to_numpy)
from egohands.evaluation.prediction_dump import (check_dump_path,
                                                 write_prediction_dump)
from egohands.geometry.flip import flip_points_3d
from egohands.registry import HOOKS


def _array(value: Any) -> Optional[np.ndarray]:
    return None if value is None else to_numpy(value).astype(np.float32)


def _id(value: Any) -> Optional[str]:
    return None if value is None else str(value)


def multiview_cameras(fields: Dict[str, Any]) -> Dict[str, Any]:
    """The cameras of a multi-view prediction (none for other samples):
    ``T_world_from_cam`` of its reference camera (the frame of its joints)
    and, per view slot, the crop camera its 2D keypoints are in
    (``view_K``, ``T_world_from_view`` mm), with ``view_mask``."""
    if fields.get('pred_view_keypoints_2d') is None:
        return {}
    world_from_ref = to_numpy(fields['T_world_from_ref']).astype(np.float64)
    ref_from_crop = to_numpy(fields['T_ref_from_crop']).astype(np.float64)
    ref_from_crop[:, :3, 3] *= 1000.0  # metres -> mm
    return dict(
        T_world_from_cam=_array(world_from_ref),
        pred_view_keypoints_2d=_array(fields['pred_view_keypoints_2d']),
        view_K=_array(fields['crop_K']),
        T_world_from_view=_array(world_from_ref @ ref_from_crop),
        view_mask=_array(fields['view_mask']))


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
        gt_keypoints_2d_valid=None, K=_array(fields.get('K')),
        T_world_from_cam=_array(fields.get('T_world_from_cam')),
        sequence=_id(fields.get('sequence')),
        frame=None if fields.get('frame') is None else int(fields['frame']),
        view=_id(fields.get('view')))
    record.update(multiview_cameras(fields))
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


def item_records(sample) -> List[Dict[str, Any]]:
    """The dump records of one test item: its hand, or the present hands
    of a two-hand sample."""
    hands = present_hands(sample)
    return [hand_record(hand) for hand in (
        [sample] if hands is None else hands)]


@HOOKS.register_module()
class PredictionDumpHook(Hook):
    """Collect the predictions of a test run and write them to ``out_file``.

    Args:
        out_file: ``.npz`` or ``.json`` path.
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
        # one list per dataset item, so that collect_results counts items
        self._records.extend(item_records(sample) for sample in outputs)

    def after_test_epoch(self, runner, metrics=None) -> None:
        size = len(runner.test_dataloader.dataset)
        items = collect_results(self._records, size, device='cpu')
        if is_main_process():
            records = [record for item in items for record in item]
            write_prediction_dump(self.out_file, records, self.meta)
            runner.logger.info(f'PredictionDumpHook: wrote {len(records)} '
                               f'hand predictions to {self.out_file}')
