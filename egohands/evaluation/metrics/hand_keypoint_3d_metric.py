"""``HandKeypoint3DMetric``: MPJPE, PA-MPJPE, PCK-AUC, MRRPE, 2D error.

All numbers in mm (2D error in full-image px), with the definitions of
``egohands.evaluation.functional`` (EgoExo4D averaging: per hand over its
visible joints, then over hands). Reported keys:

==============  =============================================================
``mpjpe``       root-relative (wrist subtracted from prediction and GT)
``mpjpe_abs``   absolute camera-frame error; only when every prediction has
                ``pred_joints_absolute`` True
``pa_mpjpe``    after a per-hand similarity Procrustes on the visible joints
``pck_auc``     0-100, thresholds 0-50 mm in 101 steps, root-relative joints
``mrrpe``       error of the left-minus-right wrist vector, over the images
                (``img_id``) holding exactly one left and one right hand, both
                with absolute predictions and a visible GT wrist; omitted when
                there is no such image
``kp2d_error``  mean L2 px of ``pred_keypoints_2d`` (full image) against the
                GT mapped back from input-crop px; only when every sample has
                2D predictions and 2D ground truth
==============  =============================================================

Ground truth of flipped samples is un-flipped (predictions already are in
the original frame); see ``sample_fields``.
"""
import logging
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from egohands.evaluation.functional import (NoValidHandError,
                                            keypoint_2d_error,
                                            keypoint_mpjpe, keypoint_mrrpe,
                                            keypoint_pck_auc)
from egohands.registry import METRICS
from egohands.utils.errors import ConfigError
from .sample_fields import joints_3d_record, keypoints_2d_record


def left_right_pairs(img_ids: Sequence[Any], sides: np.ndarray,
                     usable: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Indices (left, right) of the images with exactly one hand per side.

    Args:
        img_ids: (N,) image ids of the samples (any hashable; None = none).
        sides: (N,) ``'left'`` / ``'right'`` strings.
        usable: (N,) bool, samples that may enter a pair.

    Returns:
        (left (P,), right (P,)) sample indices of the usable pairs.
    """
    keys = np.array([str(i) for i in img_ids])
    _, image = np.unique(keys, return_inverse=True)
    num_images = int(image.max()) + 1
    partner = {}
    for side in ('left', 'right'):
        is_side = sides == side
        count = np.bincount(image[is_side], minlength=num_images)
        index = np.full(num_images, -1)
        index[image[is_side]] = np.flatnonzero(is_side)
        partner[side] = np.where(count == 1, index, -1)
    both = (partner['left'] >= 0) & (partner['right'] >= 0)
    left, right = partner['left'][both], partner['right'][both]
    keep = usable[left] & usable[right]
    return left[keep], right[keep]


@METRICS.register_module()
class HandKeypoint3DMetric(BaseMetric):
    """3D hand keypoint metrics (module docstring lists the keys).

    Args:
        collect_device: ``'cpu'`` or ``'gpu'``, for distributed gathering.
        prefix: optional prefix of the keys (``'<prefix>/mpjpe'``); none by
            default, so the keys are ``mpjpe``, ``pa_mpjpe``, ...
    """

    default_prefix = ''  # plain keys, and no mmengine warning

    def __init__(self, collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Keep numpy copies of the fields of each hand (original frame)."""
        name = type(self).__name__
        for sample in data_samples:
            record = joints_3d_record(sample, name)
            record['keypoints_2d'] = keypoints_2d_record(sample)
            self.results.append(record)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        pred = np.stack([r['pred_joints_3d'] for r in results])
        gt = np.stack([r['gt_joints_3d'] for r in results])
        valid = np.stack([r['gt_joints_valid'] for r in results])
        absolute = np.array([r['pred_joints_absolute'] for r in results])
        if not valid.any():
            raise ConfigError(
                f'{type(self).__name__}: none of the {len(results)} '
                'evaluated hands has a valid 3D joint (gt_joints_valid is 0 '
                'everywhere); evaluate on a split with 3D labels or remove '
                'the metric from val_evaluator / test_evaluator')
        metrics: Dict[str, float] = {}

        def report(key: str, compute: Callable[[], float]) -> None:
            try:
                metrics[key] = compute()
            except NoValidHandError as err:
                print_log(f'{key} is not reported: {err}', logger='current',
                          level=logging.WARNING)

        report('mpjpe', lambda: keypoint_mpjpe(pred, gt, valid, 'root'))
        if absolute.all():
            report('mpjpe_abs',
                   lambda: keypoint_mpjpe(pred, gt, valid, 'none'))
        report('pa_mpjpe',
               lambda: keypoint_mpjpe(pred, gt, valid, 'procrustes'))
        report('pck_auc', lambda: keypoint_pck_auc(pred, gt, valid, 'root'))
        img_ids = [r['img_id'] for r in results]
        has_id = np.array([i is not None for i in img_ids])
        left, right = left_right_pairs(
            img_ids, np.array([str(r['hand_side']) for r in results]),
            absolute & valid[:, 0] & has_id)
        if left.size:
            report('mrrpe', lambda: keypoint_mrrpe(
                pred[left, 0], pred[right, 0], gt[left, 0], gt[right, 0]))
        records_2d = [r['keypoints_2d'] for r in results]
        if all(r is not None for r in records_2d):
            report('kp2d_error', lambda: keypoint_2d_error(
                *(np.stack([r[key] for r in records_2d]) for key in (
                    'pred_keypoints_2d', 'gt_keypoints_2d',
                    'gt_keypoints_2d_valid'))))
        return metrics
