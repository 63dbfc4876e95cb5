"""``WildHandsMetric``: the metrics of the WildHands paper (ARCTIC protocol).

Definitions in ``egohands.evaluation.functional.arctic_protocol``: per hand
over its valid joints, NaN-mean over the hands of a frame, then mean over
frames. A frame is a (``dataset_name``, ``img_id``) pair of per-hand
samples, or one two-hand sample (per-hand samples ``right`` / ``left``;
hands with ``hand_present`` False are left out). Keys (mm, 2D in px of the
224 full frame):

=============  ==============================================================
``mpjpe_ra``   root-relative MPJPE, root = each hand's first valid joint in
               MANO+tips order (the wrist when valid; WildHands' EgoExo4D
               rule)
``pa_mpjpe``   after the per-hand similarity Procrustes on the valid joints
``mpjpe_abs``  absolute camera-frame error; only when every prediction has
               ``pred_joints_absolute``
``mrrpe``      ``|(L - R)_pred - (L - R)_gt|`` of the wrists (joint 0), over
               the frames with one left and one right hand, both with a valid
               GT wrist and absolute predictions
``pix_err``    2D error over all valid joints (each joint weighs the same),
               scaled to the 224 frame (``224 / max(h, w)``); only when every
               sample has ``pred_keypoints_2d``
=============  ==============================================================

A key whose value is undefined (no valid hand, no pair) is left out with a
warning. Ground truth of flipped samples is un-flipped (``sample_fields``).
"""
import logging
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from egohands.evaluation.functional import keypoint_mrrpe
from egohands.evaluation.functional.arctic_protocol import (
    FULL_FRAME_PX, frame_mean, hand_errors, pixel_error_in_frame)
from egohands.registry import METRICS
from .hand_keypoint_3d_metric import left_right_pairs
from .sample_fields import joints_3d_record, keypoints_2d_record, to_numpy


@METRICS.register_module()
class WildHandsMetric(BaseMetric):
    """MPJPE-RA, PA-MPJPE, MRRPE and the 224-frame 2D error per frame.

    Args:
        root_search: canonical joint indices in the order the root is
            searched (default: MANO+tips order, as WildHands).
        frame_px: side of the full frame of ``pix_err`` (224).
        collect_device, prefix: as :class:`mmengine.evaluator.BaseMetric`.
    """

    default_prefix = ''

    def __init__(self, root_search: Optional[Sequence[int]] = None,
                 frame_px: int = FULL_FRAME_PX, collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.root_search = root_search
        self.frame_px = int(frame_px)

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Keep one list of hand records per sample: a per-hand sample
        gives one, a two-hand sample (per-hand samples ``right`` /
        ``left``) its present hands, paired as one frame."""
        for sample in data_samples:
            hands = [sample.get(side) for side in ('right', 'left')]
            hands = [h.to_dict() if hasattr(h, 'to_dict') else h
                     for h in hands if h is not None]
            frame = (sample.get('dataset_name'), sample.get('img_id'))
            if hands:
                frame = (frame[0], sample.get('img_path') or frame[1])
            self.results.append([
                self.hand_record(hand, frame, sample)
                for hand in hands or [sample]
                if hand.get('hand_present', True)])

    def hand_record(self, hand: dict, frame: tuple, image: dict) -> dict:
        """What the metrics need of one hand (original frame, mm, px)."""
        record = joints_3d_record(hand, type(self).__name__)
        record['keypoints_2d'] = keypoints_2d_record(hand)
        record['frame_key'] = frame
        shape = hand.get('img_shape', image.get('img_shape'))
        record['img_shape'] = None if shape is None else to_numpy(
            shape).astype(np.float64)[:2]
        return record

    def compute_metrics(self, results: List[list]) -> Dict[str, float]:
        results = [record for records in results for record in records]
        pred = np.stack([r['pred_joints_3d'] for r in results])
        gt = np.stack([r['gt_joints_3d'] for r in results])
        valid = np.stack([r['gt_joints_valid'] for r in results])
        absolute = np.array([r['pred_joints_absolute'] for r in results])
        frames = [key if key[1] is not None else ('sample', i)
                  for i, key in enumerate(r['frame_key'] for r in results)]
        metrics: Dict[str, float] = {}

        def report(key: str, value: float) -> None:
            if np.isfinite(value):
                metrics[key] = float(value)
            else:
                print_log(f'{key} is not reported: no frame to evaluate',
                          logger='current', level=logging.WARNING)

        report('mpjpe_ra', frame_mean(hand_errors(
            pred, gt, valid, 'first_valid_root', self.root_search), frames))
        report('pa_mpjpe', frame_mean(hand_errors(pred, gt, valid,
                                                  'procrustes'), frames))
        if absolute.all():
            report('mpjpe_abs', frame_mean(hand_errors(pred, gt, valid,
                                                       'none'), frames))
        left, right = left_right_pairs(
            frames, np.array([str(r['hand_side']) for r in results]),
            absolute & valid[:, 0])
        report('mrrpe', keypoint_mrrpe(pred[left, 0], pred[right, 0],
                                       gt[left, 0], gt[right, 0])
               if left.size else float('nan'))
        records_2d = [r['keypoints_2d'] for r in results]
        if all(r is not None for r in records_2d) and all(
                r['img_shape'] is not None for r in results):
            report('pix_err', pixel_error_in_frame(
                *(np.stack([r[key] for r in records_2d]) for key in (
                    'pred_keypoints_2d', 'gt_keypoints_2d',
                    'gt_keypoints_2d_valid')),
                np.stack([r['img_shape'] for r in results]), self.frame_px))
        return metrics
