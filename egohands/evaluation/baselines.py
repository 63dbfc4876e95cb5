"""Mean-pose baselines: the numbers a trained model has to beat.

The *mean-pose* baseline predicts the mean wrist-relative training pose for
every hand. The *per-side* variant predicts the mean pose of the hand's own
side: left and right hands are mirror images, which no rotation (and hence
no Procrustes alignment) can undo, so it is the much stronger of the two.
Both are wrist-relative, camera frame, mm.
"""
from typing import Dict, Sequence

import numpy as np

from egohands.codecs.target_stats import root_relative_stats
from egohands.datasets.metainfo import HAND_SIDES
from egohands.utils.errors import ConfigError


def mean_pose(joints_3d: np.ndarray, joints_valid: np.ndarray,
              root_index: int = 0) -> np.ndarray:
    """Mean wrist-relative pose (K, 3) mm of (N, K, 3) joints with (N, K)
    validity; each joint averages over the hands where it and the wrist are
    valid (the codec statistics' mean)."""
    if len(joints_3d) == 0:
        raise ConfigError('mean-pose baseline: the training set has no hand')
    return root_relative_stats(joints_3d, joints_valid, root_index)[0]


def side_mean_poses(joints_3d: np.ndarray, joints_valid: np.ndarray,
                    sides: Sequence[str],
                    root_index: int = 0) -> Dict[str, np.ndarray]:
    """``{'left': (K, 3), 'right': (K, 3)}`` mean poses of each side's hands.

    A side without training hands gets the mean pose of all hands.
    """
    sides = np.asarray(sides)
    overall = mean_pose(joints_3d, joints_valid, root_index)
    return {
        side: mean_pose(joints_3d[sides == side], joints_valid[sides == side],
                        root_index) if (sides == side).any() else overall
        for side in HAND_SIDES
    }


def baseline_predictions(num_hands: int, pose: np.ndarray) -> np.ndarray:
    """(N, K, 3) copies of one (K, 3) pose: the mean-pose prediction."""
    return np.broadcast_to(pose, (num_hands, ) + pose.shape).copy()


def per_side_predictions(sides: Sequence[str],
                         poses: Dict[str, np.ndarray]) -> np.ndarray:
    """(N, K, 3): the pose of each hand's side."""
    unknown = sorted(set(sides) - set(poses))
    if unknown:
        raise ConfigError(f'per-side baseline: unknown hand sides {unknown}; '
                          f'expected {HAND_SIDES}')
    return np.stack([poses[side] for side in sides])
