"""Joint limits and the hand-pose sampler."""
import numpy as np
import pytest
import torch

from egohands.hand_models import MANOHand
from egohands.hand_models.mano_layout import MANO_FINGER_JOINTS
from egohands.hand_models.pose_prior import (JOINT_LIMITS, STYLES,
                                             axis_angle_to_local,
                                             clip_to_limits, joint_frames,
                                             local_to_axis_angle,
                                             sample_hand_pose)
from egohands.utils.errors import ConfigError

CANONICAL_TIPS = {'thumb': 4, 'index': 8, 'middle': 12, 'ring': 16,
                  'pinky': 20}


@pytest.fixture(scope='module')
def hand(synthetic_dir):
    return MANOHand(str(synthetic_dir), flat_hand_mean=True)


def _pose(hand, hand_pose):
    with torch.no_grad():
        return hand(torch.as_tensor(hand_pose, dtype=torch.float32))


@pytest.mark.parametrize('side', ['right', 'left'])
@pytest.mark.parametrize('style', STYLES)
def test_samples_stay_within_joint_limits(style, side):
    poses = sample_hand_pose(np.random.default_rng(0), 400, style, side)
    assert poses.shape == (400, 45) and poses.dtype == np.float64
    local = axis_angle_to_local(poses, side)
    assert (local >= JOINT_LIMITS[..., 0] - 1e-12).all()
    assert (local <= JOINT_LIMITS[..., 1] + 1e-12).all()
    assert np.ptp(local, axis=0).max() > 0.1  # not a constant pose


def test_local_frames_are_rotations_and_round_trip():
    frames = joint_frames()
    np.testing.assert_allclose(np.einsum('jab,jac->jbc', frames, frames),
                               np.broadcast_to(np.eye(3), (15, 3, 3)),
                               atol=1e-12)
    np.testing.assert_allclose(np.linalg.det(frames), 1.0, atol=1e-12)
    local = np.random.default_rng(1).normal(size=(4, 15, 3))
    for side in ('right', 'left'):
        np.testing.assert_allclose(
            axis_angle_to_local(local_to_axis_angle(local, side), side),
            local, atol=1e-12)
    # a pure flexion is the flexion axis (first column) times the angle
    local = np.zeros((15, 3))
    local[4, 0] = 0.7
    np.testing.assert_allclose(local_to_axis_angle(local)[12:15],
                               0.7 * frames[4][:, 0])


def test_clip_to_limits_is_a_box_clip():
    local = np.full((15, 3), 10.0)
    np.testing.assert_allclose(clip_to_limits(local), JOINT_LIMITS[..., 1])
    np.testing.assert_allclose(clip_to_limits(-local), JOINT_LIMITS[..., 0])


def test_positive_flexion_curls_each_finger_towards_the_palm(hand):
    rest = _pose(hand, np.zeros((1, 45))).joints_m[0].numpy()
    for name, joints in MANO_FINGER_JOINTS.items():
        local = np.zeros((15, 3))
        local[joints[0] - 1, 0] = np.deg2rad(40)
        posed = _pose(hand, local_to_axis_angle(local)[None]).joints_m[0]
        tip = posed[CANONICAL_TIPS[name]].numpy()
        # the palm faces -y in the template frame
        assert tip[1] < rest[CANONICAL_TIPS[name], 1] - 0.01, name


def _fingertip_to_palm(output, palm_vertices):
    """(B, 4) distance of the index..pinky tips to the nearest palm vertex."""
    tips = output.joints_m[:, [8, 12, 16, 20]]
    palm = output.vertices_m[:, palm_vertices]
    return torch.cdist(tips, palm).min(dim=-1).values.numpy()


def test_grasps_close_the_hand(hand):
    rng = np.random.default_rng(2)
    palm = hand.lbs_weights[:, 0] > 0.9  # skin moved by the wrist only

    def tips_to_palm(style):
        return _fingertip_to_palm(
            _pose(hand, sample_hand_pose(rng, 200, style)), palm)

    open_, power, grasp = (tips_to_palm(s) for s in ('open', 'power',
                                                      'grasp'))
    assert open_.min() > 0.07 and open_.mean() > 0.09
    assert power.mean() < 0.03 and np.percentile(power, 90) < 0.045
    assert grasp.mean() < 0.5 * open_.mean()
    pinch = _pose(hand, sample_hand_pose(rng, 200, 'precision')).joints_m
    gap = (pinch[:, 4] - pinch[:, 8]).norm(dim=-1).numpy()
    assert np.median(gap) < 0.03  # thumb and index tips meet


def test_sampler_is_deterministic_and_mirrors_left_hands():
    a = sample_hand_pose(np.random.default_rng(5), 10, 'grasp')
    b = sample_hand_pose(np.random.default_rng(5), 10, 'grasp')
    left = sample_hand_pose(np.random.default_rng(5), 10, 'grasp', 'left')
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(left, a * np.tile([1.0, -1.0, -1.0], 15))
    assert not np.allclose(a, sample_hand_pose(np.random.default_rng(6), 10,
                                               'grasp'))


def test_unknown_style_or_side_is_a_user_error():
    with pytest.raises(ConfigError, match='relaxed'):
        sample_hand_pose(np.random.default_rng(0), 1, 'fist')
    with pytest.raises(ConfigError, match='left'):
        sample_hand_pose(np.random.default_rng(0), 1, 'open', 'both')
