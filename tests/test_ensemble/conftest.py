"""Synthetic prediction dumps (the documented dump format) for the tests.

``make_members`` returns M lists of dump records of the same N hands: the
ground truth is random wrist-centred hands shifted to ~0.5 m in front of
the camera, each member a noisy copy with its own noise level per joint.
"""
from typing import List, Optional, Sequence

import numpy as np
import pytest

NUM_JOINTS = 21


def ground_truth(rng: np.random.Generator, num_hands: int) -> np.ndarray:
    """(N, 21, 3) mm, absolute camera-frame joints."""
    hands = rng.normal(0.0, 40.0, (num_hands, NUM_JOINTS, 3))
    hands[:, 0] = 0.0
    return hands + np.array([0.0, 0.0, 500.0]) + rng.normal(
        0.0, 80.0, (num_hands, 1, 3))


def member_records(gt: np.ndarray, joints: np.ndarray, absolute: bool,
                   valid: Optional[np.ndarray] = None,
                   keypoints_2d: Optional[np.ndarray] = None) -> List[dict]:
    """Dump records of one member (float32, as a dump holds them)."""
    valid = np.ones(gt.shape[:2]) if valid is None else valid
    records = []
    for index in range(gt.shape[0]):
        records.append(dict(
            img_id=index // 2, ann_id=100 + index, img_path=f'{index}.png',
            hand_side='left' if index % 2 else 'right',
            pred_joints_3d=joints[index].astype(np.float32),
            pred_joints_absolute=absolute,
            pred_keypoints_2d=None if keypoints_2d is None else
            keypoints_2d[index].astype(np.float32),
            pred_joints_3d_std=None,
            gt_joints_3d=gt[index].astype(np.float32),
            gt_joints_valid=valid[index].astype(np.float32),
            gt_keypoints_2d=None, gt_keypoints_2d_valid=None))
    return records


def noisy_members(gt: np.ndarray, noise_mm: Sequence, seed: int,
                  absolute: bool = False) -> List[List[dict]]:
    """One member per entry of ``noise_mm`` (a scalar or (21,) per joint);
    wrist-relative unless ``absolute``."""
    rng = np.random.default_rng(seed)
    valid = (rng.random(gt.shape[:2]) > 0.1).astype(np.float32)
    members = []
    for noise in noise_mm:
        scale = np.broadcast_to(np.asarray(noise, float), (NUM_JOINTS, ))
        joints = gt + rng.normal(0.0, 1.0, gt.shape) * scale[None, :, None]
        if not absolute:
            joints = joints - joints[:, :1]
        members.append(member_records(gt, joints, absolute, valid))
    return members


@pytest.fixture
def make_members():
    """``make_members(noise_mm, num_hands=40, seed=0, absolute=False)``."""
    def make(noise_mm, num_hands=40, seed=0, absolute=False):
        gt = ground_truth(np.random.default_rng(seed + 1000), num_hands)
        return noisy_members(gt, noise_mm, seed, absolute)
    return make
