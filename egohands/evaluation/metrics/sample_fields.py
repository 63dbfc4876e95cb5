"""Read what the metrics need from data-sample dicts, in the original frame.

mmengine hands each ``HandDataSample`` to a metric's ``process`` as a flat
dict (``to_dict()``: metainfo and data fields together, tensors possibly on
a GPU). Predictions are already in the original image and camera frame
(``docs/architecture.md`` 3.3); ground truth is in the frame of the network
input, so it is brought back here: 3D joints are un-flipped with
``egohands.geometry.flip`` (flips are involutions), input-crop pixels are
mapped to full-image pixels with the inverse of ``crop_from_img`` (which
includes the flips), and the hand side is the original one.
"""
from typing import Any, Dict, List, Mapping, Optional

import numpy as np

from egohands.geometry.affine import apply_affine_2d, invert_affine
from egohands.geometry.flip import flip_points_3d, swap_hand_side
from egohands.utils.errors import ConfigError

KEYPOINT_2D_FIELDS = ('pred_keypoints_2d', 'gt_keypoints_2d',
                      'gt_keypoints_2d_valid', 'crop_from_img')
#: the per-hand samples of a two-hand sample (``PackTwoHandInputs``)
TWO_HAND_SIDES = ('right', 'left')


def to_numpy(value: Any) -> np.ndarray:
    """Tensor (any device) or array-like -> numpy array."""
    if hasattr(value, 'detach'):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def describe(sample: Mapping[str, Any]) -> str:
    """Short id of a sample for error messages."""
    keys = ('img_path', 'img_id', 'ann_id', 'sequence', 'frame')
    parts = [f'{k}={sample[k]!r}' for k in keys if sample.get(k) is not None]
    return ', '.join(parts) or 'a sample without ids'


def require(sample: Mapping[str, Any], key: str, metric: str, fix: str) -> Any:
    """``sample[key]``, or a one-line ConfigError naming metric and fix."""
    if key not in sample or sample[key] is None:
        raise ConfigError(f'{metric} needs {key!r} in every data sample, but '
                          f'{describe(sample)} has none: {fix}')
    return sample[key]


def original_hand_side(sample: Mapping[str, Any]) -> Optional[str]:
    """Original hand side: ``orig_hand_side``, else the un-flipped side."""
    if sample.get('orig_hand_side') is not None:
        return str(sample['orig_hand_side'])
    if sample.get('hand_side') is None:
        return None
    return swap_hand_side(str(sample['hand_side']), flip_of(sample))


def present_hands(sample: Mapping[str, Any]) -> Optional[List[Any]]:
    """The per-hand samples of a two-hand sample whose hand is present
    (``right`` then ``left``), or None when ``sample`` is a per-hand one."""
    hands = [sample.get(side) for side in TWO_HAND_SIDES]
    if all(hand is None for hand in hands):
        return None
    return [hand for hand in hands
            if hand is not None and hand.get('hand_present', True)]


def flip_of(sample: Mapping[str, Any]) -> str:
    """The flip applied to the sample's input (``'none'`` if absent)."""
    return sample.get('flip') or 'none'


def joints_3d_record(sample: Mapping[str, Any],
                     metric: str) -> Dict[str, Any]:
    """3D prediction and ground truth of one hand, original camera frame.

    Returns a dict of ``pred_joints_3d`` (K, 3) mm, ``pred_joints_absolute``
    bool, ``gt_joints_3d`` (K, 3) mm (un-flipped), ``gt_joints_valid`` (K,)
    bool, ``hand_side`` (original), and the ids ``img_id``, ``sequence``,
    ``frame`` (None when absent).
    """
    pred = require(sample, 'pred_joints_3d', metric,
                   'the model does not predict 3D joints; remove the metric '
                   'from val_evaluator / test_evaluator')
    no_gt = ('the dataset gives no 3D ground truth; check that the pipeline '
             'ends with PackHandInputs and the annotations have joints_3d')
    gt = to_numpy(require(sample, 'gt_joints_3d', metric, no_gt))
    valid = to_numpy(require(sample, 'gt_joints_valid', metric, no_gt))
    return dict(
        pred_joints_3d=to_numpy(pred).astype(np.float64),
        pred_joints_absolute=bool(sample.get('pred_joints_absolute', False)),
        gt_joints_3d=flip_points_3d(gt.astype(np.float64), flip_of(sample)),
        gt_joints_valid=valid > 0,
        hand_side=original_hand_side(sample),
        img_id=sample.get('img_id'),
        sequence=sample.get('sequence'),
        frame=sample.get('frame'))


def keypoints_2d_record(sample: Mapping[str, Any]) -> Optional[Dict[str, Any]]:
    """2D prediction and ground truth in full-image px, or None if missing.

    ``gt_keypoints_2d`` is in input-crop px; it is mapped back with the
    inverse of ``crop_from_img``.
    """
    if any(sample.get(key) is None for key in KEYPOINT_2D_FIELDS):
        return None
    image_from_crop = invert_affine(
        to_numpy(sample['crop_from_img']).astype(np.float64))
    gt = to_numpy(sample['gt_keypoints_2d']).astype(np.float64)
    return dict(
        pred_keypoints_2d=to_numpy(sample['pred_keypoints_2d']).astype(
            np.float64),
        gt_keypoints_2d=apply_affine_2d(gt, image_from_crop),
        gt_keypoints_2d_valid=to_numpy(sample['gt_keypoints_2d_valid']) > 0)
