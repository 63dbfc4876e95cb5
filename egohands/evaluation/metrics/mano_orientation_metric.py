"""``MANOOrientationMetric``: error of each hand's predicted global rotation.

The angle (degrees) of ``R_pred^T R_gt`` between the predicted MANO global
orientation (``pred_mano['global_orient']``) and the ground truth
(``gt_mano_pose[:3]``), medians over the hands with MANO ground truth.
Two readings of the same prediction are reported, because a HaMeR head
trained with ``pose_frame='crop'`` predicts the hand as its crop sees it
and only HaMeR-align turns it into the camera frame (docs/hamer.md):

=========================  ==================================================
``orient_error_camera``    prediction read in the camera frame
``orient_error_crop``      prediction read in the crop frame: ground truth
                           turned by ``R_c^T`` of ``crop_frame_rotation``
=========================  ==================================================

Computed in the frame of the network input (after flips and crop rotation):
predictions, which the estimator un-flipped, are flipped again.
"""
from typing import Any, Dict, List, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from egohands.geometry.flip import flip_axis_angle
from egohands.geometry.rotation import axis_angle_to_matrix
from egohands.geometry.weak_perspective import crop_frame_rotation
from egohands.registry import METRICS
from egohands.utils.errors import ConfigError
from .sample_fields import flip_of, require, to_numpy


def rotation_angle_deg(rotation_a: np.ndarray,
                       rotation_b: np.ndarray) -> np.ndarray:
    """(..., 3, 3) x2 -> (...,) angle of ``A^T B`` in degrees, in [0, 180]."""
    trace = np.einsum('...ij,...ij->...', rotation_a, rotation_b)
    return np.degrees(np.arccos(np.clip((trace - 1) / 2, -1.0, 1.0)))


@METRICS.register_module()
class MANOOrientationMetric(BaseMetric):
    """Median global-orientation error in the camera and crop frames (deg).

    Args:
        collect_device: ``'cpu'`` or ``'gpu'``, for distributed gathering.
        prefix: optional prefix of the keys; none by default.
    """

    default_prefix = ''

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Keep per hand the (3, 3) predicted, ground-truth and crop-frame
        rotations, all in the input camera frame."""
        name = type(self).__name__
        for sample in data_samples:
            mano = require(sample, 'pred_mano', name,
                           'the model predicts no MANO parameters; remove '
                           'the metric from val_evaluator / test_evaluator')
            if float(to_numpy(sample.get('gt_mano_valid', 0.0))) <= 0:
                continue
            pred = flip_axis_angle(
                to_numpy(mano['global_orient']).astype(np.float64)[None],
                flip_of(sample))[0]
            gt = to_numpy(sample['gt_mano_pose']).astype(np.float64)[:3]
            crop_K = to_numpy(require(sample, 'crop_K', name,
                                      'the pipeline must end with '
                                      'TopdownAffine and PackHandInputs'))
            self.results.append(dict(
                pred=axis_angle_to_matrix(pred),
                gt=axis_angle_to_matrix(gt),
                crop_frame=crop_frame_rotation(
                    crop_K.astype(np.float64), sample['input_size'])))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        if not results:
            raise ConfigError(
                f'{type(self).__name__}: no evaluated hand has MANO ground '
                'truth (gt_mano_valid is 0 or absent everywhere); evaluate '
                'on a dataset with MANO labels or remove the metric')
        pred = np.stack([r['pred'] for r in results])
        gt = np.stack([r['gt'] for r in results])
        crop_frame = np.stack([r['crop_frame'] for r in results])
        gt_crop = np.swapaxes(crop_frame, -1, -2) @ gt
        return dict(
            orient_error_camera=float(np.median(rotation_angle_deg(pred, gt))),
            orient_error_crop=float(np.median(
                rotation_angle_deg(pred, gt_crop))))
