"""The official EgoExo4D preparation rules on hand-worked cases."""
import numpy as np
import pytest

from egohands.datasets.egoexo4d import rules
from egohands.datasets.egoexo4d.layout import aria_pinhole_K
from egohands.datasets.metainfo import JOINT_PARENTS, NUM_JOINTS


def straight_hand():
    """(21, 3) m: fingers straight along +y from bases on the x axis; every
    bone 30 mm, wrist -> finger bases 80 mm (thumb base 30 mm)."""
    joints = np.zeros((NUM_JOINTS, 3))
    for finger, base in enumerate((1, 5, 9, 13, 17)):
        x = 0.02 * (finger - 2)
        start = np.array([x, np.sqrt(0.08**2 - x**2), 0.0]) if base != 1 \
            else np.array([-0.03, 0.0, 0.0])
        direction = start / np.linalg.norm(start)
        for k in range(4):
            joints[base + k] = start + direction * 0.03 * k
    return joints


def test_straight_hand_passes_biomechanics():
    joints = straight_hand()
    lengths = [np.linalg.norm(joints[c] - joints[p])
               for c, p in enumerate(JOINT_PARENTS) if p >= 0]
    assert min(lengths) == pytest.approx(0.03)
    assert not rules.biomechanically_invalid(joints).any()


@pytest.mark.parametrize('length_m,invalid', [(0.0049, True), (0.005, False),
                                              (0.08, False), (0.0801, True)])
def test_bone_length_limits(length_m, invalid):
    joints = straight_hand()
    direction = joints[8] - joints[7]
    joints[8] = joints[7] + direction / np.linalg.norm(direction) * length_m
    flags = rules.biomechanically_invalid(joints)
    assert flags[8] == invalid
    assert flags.sum() == int(invalid)  # only the tip: angles unchanged


@pytest.mark.parametrize('length_m,invalid', [(0.059, True), (0.061, False),
                                              (0.119, False), (0.121, True)])
def test_wrist_to_finger_base_limits(length_m, invalid):
    joints = straight_hand()
    base = joints[9].copy()
    joints[9:13] += base / np.linalg.norm(base) * (length_m -
                                                   np.linalg.norm(base))
    flags = rules.biomechanically_invalid(joints)
    assert flags[9] == invalid and flags.sum() == int(invalid)


def test_wrist_to_thumb_base_is_an_ordinary_bone():
    joints = straight_hand()  # thumb base 30 mm from the wrist: fine
    assert not rules.biomechanically_invalid(joints)[1]
    joints[1:5] *= 0.0045 / 0.03  # thumb base 4.5 mm away: too short
    assert rules.biomechanically_invalid(joints)[1]


@pytest.mark.parametrize('joint,angle,invalid', [
    (6, 71.0, False), (6, 69.0, True),    # index PIP: 70 deg
    (5, 61.0, False), (5, 59.0, True),    # index MCP: 60 deg
    (7, 81.0, False), (7, 79.0, True),    # index DIP: 80 deg
    (2, 91.0, False), (2, 89.0, True),    # thumb MCP: 90 deg
    (1, 101.0, False), (1, 99.0, True),   # thumb CMC: 100 deg
])
def test_joint_angle_limits(joint, angle, invalid):
    """Bend the finger at ``joint`` so its angle (parent-joint-child) is
    ``angle`` degrees; rotate the rest of the finger rigidly."""
    joints = straight_hand()
    parent = JOINT_PARENTS[joint]
    u = joints[parent] - joints[joint]
    u /= np.linalg.norm(u)
    bend = np.radians(180.0 - angle)  # rotation about z in the hand plane
    rot = np.array([[np.cos(bend), -np.sin(bend), 0],
                    [np.sin(bend), np.cos(bend), 0], [0, 0, 1]])
    tip_end = (joint - 1) // 4 * 4 + 4 if joint else 0
    for j in range(joint + 1, tip_end + 1):
        joints[j] = joints[joint] + rot @ (joints[j] - joints[joint])
    v = joints[joint + 1] - joints[joint]
    measured = np.degrees(np.arccos(u @ v / np.linalg.norm(v)))
    assert measured == pytest.approx(angle)
    flags = rules.biomechanically_invalid(joints)
    assert flags[joint] == invalid and flags.sum() == int(invalid)


def test_missing_joints_never_fail_biomechanics():
    joints = straight_hand()
    joints[6] = np.nan
    assert not rules.biomechanically_invalid(joints).any()


def test_visibility_mask_is_the_one_radian_disc():
    mask = rules.aria_visibility_mask()
    assert mask.shape == (512, 512) and mask[255, 255]
    # pixel centre (255, 489): 233.5 px from (255.5, 255.5) -> atan < 1 rad
    assert mask[489, 255] and not mask[490, 255]
    assert 150 * np.tan(1.0) == pytest.approx(233.61, abs=0.01)
    assert not mask[0, 0] and not mask[511, 511]


def test_inside_image_and_mask_bounds_and_lookup():
    full = np.ones((512, 512), bool)
    points = np.array([[511.9, 0.0], [512.0, 10.0], [-0.1, 5.0],
                       [np.nan, 3.0], [3.0, 511.99]])
    assert rules.inside_image_and_mask(points, full).tolist() == [
        True, False, False, False, True]
    mask = full.copy()
    mask[20, 10] = False  # looked up as mask[int(y), int(x)]
    assert rules.inside_image_and_mask(
        np.array([[10.9, 20.9], [11.0, 20.0]]), mask).tolist() == [False,
                                                                   True]


def test_reprojection_threshold_and_wrist_exemption():
    projected = np.zeros((NUM_JOINTS, 2))
    annotated = np.zeros((NUM_JOINTS, 2))
    annotated[0] = (100, 0)     # wrist: exempt
    annotated[1] = (18, 24)     # 30 px: kept (<=)
    annotated[2] = (18, 24.01)  # just over
    annotated[3] = np.nan       # no annotation
    ok = rules.reprojection_ok(projected, annotated)
    assert ok[:4].tolist() == [True, True, False, False] and ok[4:].all()


def test_padded_box_clips_to_the_image():
    box = rules.padded_box(np.array([[10.0, 100.0], [300.0, 505.0]]))
    assert box.tolist() == [0.0, 80.0, 320.0, 511.0]


def test_filter_hand_end_to_end_single_hand():
    """Straight hand 40 cm in front of the camera, one annotated 2D point
    off by 31 px: that joint goes; the wrist is written back when invalid;
    fewer than 10 valid joints drops the hand."""
    K = aria_pinhole_K().astype(np.float64)
    camera = straight_hand() * [1, -1, 1] + [0.0, 0.02, 0.4]
    extrinsics = np.concatenate([np.eye(3), np.zeros((3, 1))], 1)
    uvw = camera @ K.T
    annotated = uvw[:, :2] / uvw[:, 2:]
    annotated[11, 0] += 31.0
    mask = rules.aria_visibility_mask()
    out = rules.filter_hand(camera, annotated, extrinsics, K, mask)
    assert np.flatnonzero(~out['hand_valid_3d']).tolist() == [11]
    assert np.isnan(out['hand_3d'][11]).all()
    np.testing.assert_allclose(out['hand_3d'][0], camera[0])
    assert np.isnan(out['hand_2d'][11]).sum() == 0  # inside the image
    # a mask without the wrist's pixel: invalid, yet written back
    u, v = annotated[0].astype(int)
    mask[v, u] = False
    out = rules.filter_hand(camera, annotated, extrinsics, K, mask)
    assert not out['hand_valid_3d'][0]
    np.testing.assert_allclose(out['hand_3d'][0], camera[0])
    assert np.isnan(out['hand_2d'][0]).all()
    mask[v, u] = True
    annotated[1:11] = np.nan  # no 2D: only the wrist and 12-20 stay valid
    out = rules.filter_hand(camera, annotated, extrinsics, K, mask)
    assert out['hand_valid_3d'].sum() == 10
    np.testing.assert_allclose(out['hand_bbox'], [
        annotated[[0] + list(range(12, 21)), 0].min() - 20,
        annotated[[0] + list(range(12, 21)), 1].min() - 20,
        annotated[[0] + list(range(12, 21)), 0].max() + 20,
        annotated[[0] + list(range(12, 21)), 1].max() + 20])
    annotated[12] = np.nan  # 9 valid joints: the hand is dropped
    assert rules.filter_hand(camera, annotated, extrinsics, K, mask) is None
