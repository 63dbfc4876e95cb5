"""Cameras, headset rigs and sequence motions against closed forms."""
import numpy as np

from egohands.synth.egosynth.cameras import (WIDE_ANGLE, CameraSampling,
                                                 focal_from_hfov,
                                                 sample_intrinsics)
from egohands.synth.egosynth.rigs import (nominal_rig, sample_rig,
                                              yaw_pitch_matrix)
from egohands.synth.egosynth.sequences import (MotionSampling,
                                                   key_pose_track,
                                                   smooth_rigid_motion,
                                                   smooth_signal)


def test_intrinsics_are_wide_jittered_and_stored_exactly():
    rng = np.random.default_rng(0)
    hfovs, shifts = [], []
    for _ in range(300):
        K = sample_intrinsics(rng, 256, 192, WIDE_ANGLE)
        hfovs.append(np.degrees(2 * np.arctan(128 / K[0, 0])))
        shifts.append([K[0, 2] - 127.5, K[1, 2] - 95.5])
        assert abs(K[1, 1] / K[0, 0] - 1) <= 0.01 + 1e-6
        np.testing.assert_array_equal(K, np.round(K, 4))
        np.testing.assert_array_equal(K[2], [0, 0, 1])
    hfovs, shifts = np.array(hfovs), np.abs(shifts)
    assert hfovs.min() >= 90 - 1e-3 and hfovs.max() <= 130 + 1e-3
    assert hfovs.max() - hfovs.min() > 30
    assert shifts[:, 0].max() <= 0.04 * 256 + 1e-3
    assert shifts[:, 1].max() <= 0.04 * 192 + 1e-3
    assert shifts.mean() > 1.0  # really jittered
    # a 90 degree image of width w has f = w / 2
    np.testing.assert_allclose(focal_from_hfov(90.0, 200), 100.0)
    narrow = sample_intrinsics(rng, 100, 100,
                               CameraSampling(focal_fraction=None,
                                              hfov_deg=(60.0, 60.0)))
    np.testing.assert_allclose(narrow[0, 0], 50 / np.tan(np.radians(30)),
                               atol=1e-3)


def test_default_intrinsics_are_egoexo4d_undistorted_aria():
    """f = 150 px at 512 px (scaled with the size), centred, fx = fy."""
    rng = np.random.default_rng(0)
    for size in (512, 256):
        K = sample_intrinsics(rng, size, size)
        np.testing.assert_allclose(K[[0, 1], [0, 1]], 150 * size / 512,
                                   atol=1e-4)
        np.testing.assert_allclose(K[:2, 2], (size - 1) / 2, atol=1e-9)


def test_yaw_and_pitch_turn_the_optical_axis_as_named():
    z = np.array([0.0, 0.0, 1.0])
    np.testing.assert_allclose(yaw_pitch_matrix(30.0, 0.0) @ z,
                               [0.5, 0.0, np.cos(np.radians(30))], atol=1e-12)
    np.testing.assert_allclose(yaw_pitch_matrix(0.0, 20.0) @ z,
                               [0.0, np.sin(np.radians(20)),
                                np.cos(np.radians(20))], atol=1e-12)


def test_rig_layouts_are_symmetric_rigid_and_jittered_slightly():
    np.testing.assert_array_equal(nominal_rig(1), np.eye(4)[None])
    rig = nominal_rig(3)
    for transform in rig:
        rotation = transform[:3, :3]
        np.testing.assert_allclose(rotation @ rotation.T, np.eye(3),
                                   atol=1e-12)
        np.testing.assert_allclose(np.linalg.det(rotation), 1.0)
    axes = rig[:, :3, 2]  # optical axes in the head frame
    np.testing.assert_allclose(axes[1], [0, 0, 1], atol=1e-12)
    np.testing.assert_allclose(axes[0] * [-1, 1, 1], axes[2], atol=1e-12)
    assert axes[2, 0] > 0.4 and axes[2, 1] > 0  # turned out and down
    np.testing.assert_allclose(rig[:, 0, 3], [-0.07, 0.0, 0.07])
    jittered = sample_rig(np.random.default_rng(1), 3)
    for nominal, sampled in zip(rig, jittered):
        cos = (np.trace(nominal[:3, :3].T @ sampled[:3, :3]) - 1) / 2
        assert 0 < np.degrees(np.arccos(np.clip(cos, -1, 1))) < 6
        assert np.linalg.norm(nominal[:3, 3] - sampled[:3, 3]) < 0.02


def test_smooth_signal_starts_at_zero_and_has_bounded_acceleration():
    rng = np.random.default_rng(2)
    fps, amplitude, top_hz = 30.0, 0.05, 1.0
    curve = smooth_signal(rng, 90, 3, amplitude, (0.1, top_hz), fps)
    np.testing.assert_array_equal(curve[0], 0)
    assert np.abs(curve).max() <= 2 * amplitude
    # each sinusoid w sin(wt) has |second difference| <= w * (2 pi f / fps)^2
    # and the weights sum to at most the amplitude
    second = np.abs(np.diff(curve, n=2, axis=0)).max()
    assert second <= amplitude * (2 * np.pi * top_hz / fps) ** 2
    assert np.abs(curve).max() > 1e-4


def test_rigid_motion_is_identity_at_frame_zero_and_proper():
    motion = smooth_rigid_motion(np.random.default_rng(3), 20, 10.0, 0.03,
                                 MotionSampling())
    np.testing.assert_allclose(motion[0], np.eye(4), atol=1e-12)
    for transform in motion:
        np.testing.assert_allclose(transform[:3, :3] @ transform[:3, :3].T,
                                   np.eye(3), atol=1e-12)
        np.testing.assert_array_equal(transform[3], [0, 0, 0, 1])


def test_key_pose_track_blends_within_the_key_poses():
    rng = np.random.default_rng(4)
    drawn = []

    def keys(count):
        poses = rng.uniform(-1, 1, size=(count, 5))
        drawn.append(poses)
        return poses
    track = key_pose_track(rng, 75, keys, MotionSampling())
    poses = drawn[0]
    assert len(poses) >= 3  # 2.5 s with a key at least every 1.5 s
    np.testing.assert_allclose(track[0], poses[0])
    assert (track >= poses.min(0) - 1e-12).all()
    assert (track <= poses.max(0) + 1e-12).all()
    assert np.abs(np.diff(track, axis=0)).max() < 0.5  # no jumps
    single = key_pose_track(rng, 1, keys, MotionSampling())
    np.testing.assert_allclose(single, drawn[-1][:1])
