"""Baselines of two-hand models: what a model that learnt nothing scores.

A two-hand model (WildHands, ``TwoHandKeypoint3DMetric``) is judged by the
root-relative pose of each hand and by MRRPE, the error of the
left-minus-right wrist vector. The matching "learnt nothing" answers, both
from the training annotations:

* **pose**: the mean wrist-relative training pose of the hand's own side
  (``side_mean_poses``) for every hand;
* **relative root**: the mean training left-minus-right wrist offset for
  every image with both hands.

They are scored by ``HandKeypoint3DMetric.compute_metrics``, the code that
scores the models, so the numbers share its definitions. Joints are in mm,
camera frame. No image is read.
"""
from typing import Dict, List, Tuple

import numpy as np

from egohands.evaluation.baselines import side_mean_poses
from egohands.evaluation.metrics.hand_keypoint_3d_metric import \
    HandKeypoint3DMetric
from egohands.utils.errors import ConfigError

#: {side: (joints (K, 3) mm, valid (K,) bool)} of one image
ImageHands = Dict[str, Tuple[np.ndarray, np.ndarray]]
#: the metric keys a baseline answers (``mpjpe_abs`` is left out: the
#: baseline is placed on the ground-truth wrists)
BASELINE_KEYS = ('mpjpe', 'pa_mpjpe', 'pck_auc', 'mrrpe')


def image_hands(dataset) -> List[ImageHands]:
    """The hands of every image of a built ``TwoHandImageDataset`` (its
    ``get_data_info`` records; no pipeline is run)."""
    if hasattr(dataset, 'full_init'):
        dataset.full_init()
    images = []
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        if 'hands' not in info:
            raise ConfigError(
                f'{type(dataset).__name__} record {index} has no hands: '
                'two-hand baselines need a TwoHandImageDataset')
        images.append({
            side: (np.asarray(hand['joints_3d'], np.float64),
                   np.asarray(hand['joints_valid']) > 0)
            for side, hand in info['hands'].items()})
    if not images:
        raise ConfigError(f'{type(dataset).__name__} is empty: no baseline')
    return images


def mean_left_right_offset(images: List[ImageHands]) -> np.ndarray:
    """Mean left-minus-right wrist vector (3,) mm over the images whose two
    wrists are valid."""
    offsets = [hands['left'][0][0] - hands['right'][0][0]
               for hands in images
               if 'left' in hands and 'right' in hands
               and hands['left'][1][0] and hands['right'][1][0]]
    if not offsets:
        raise ConfigError('no training image has a left and a right hand '
                          'with valid wrists: no MRRPE baseline')
    return np.mean(offsets, axis=0)


def baseline_records(images: List[ImageHands],
                     poses: Dict[str, np.ndarray],
                     offset: np.ndarray) -> List[dict]:
    """Metric records of the baseline on ``images``.

    Each hand is predicted as its side's mean pose ``poses[side]`` (K, 3)
    placed at an anchor: the right hand's ground-truth wrist (or the left
    one's minus ``offset`` when the image has no right hand), the left hand
    ``offset`` further. Root-relative errors do not see the anchor and the
    predicted left-minus-right wrist vector is ``offset``.
    """
    records = []
    for index, hands in enumerate(images):
        anchor = (hands['right'][0][0] if 'right' in hands else
                  hands['left'][0][0] - offset)
        for side, (joints, valid) in hands.items():
            shift = anchor + offset if side == 'left' else anchor
            records.append(dict(
                pred_joints_3d=poses[side] + shift, gt_joints_3d=joints,
                gt_joints_valid=valid, pred_joints_absolute=True,
                hand_side=side, img_id=index, keypoints_2d=None))
    return records


def two_hand_baselines(train: List[ImageHands],
                       test: List[ImageHands]) -> Dict[str, float]:
    """Scores (:data:`BASELINE_KEYS`, mm; PCK-AUC 0-100) on ``test`` of the
    per-side mean pose and the mean left-right offset of ``train``."""
    hands = [hand for image in train for hand in image.items()]
    poses = side_mean_poses(np.stack([joints for _, (joints, _) in hands]),
                            np.stack([valid for _, (_, valid) in hands]),
                            [side for side, _ in hands])
    metrics = HandKeypoint3DMetric().compute_metrics(baseline_records(
        test, poses, mean_left_right_offset(train)))
    return {key: metrics[key] for key in BASELINE_KEYS if key in metrics}
