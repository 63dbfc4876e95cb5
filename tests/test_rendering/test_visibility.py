"""Joint visibility from instance and depth buffers, on box scenes."""
import numpy as np

from egohands.rendering import Mesh, render_meshes
from egohands.rendering.visibility import OCCLUDED, OUTSIDE, VISIBLE, \
    joint_visibility

from rendering_scenes import box_mesh

K = np.array([[60.0, 0, 31.5], [0, 60.0, 23.5], [0, 0, 1]])


def _mesh(center, half):
    vertices, faces = box_mesh(center, half)
    return Mesh(vertices, faces, np.ones((8, 3)))


def test_visibility_flags_for_visible_occluded_and_outside_joints():
    hand = _mesh([0.0, 0.0, 1.0], 0.1)        # instance 0, front at z=0.9
    other = _mesh([0.3, 0.0, 1.0], 0.1)       # instance 1, beside it
    occluder = _mesh([0.15, 0.0, 0.5], 0.03)  # instance 2, in front of 1
    result = render_meshes([hand, other, occluder], K, 48, 64)
    joints_hand = np.array([[0.0, 0.0, 1.0],     # 0.1 under its surface
                            [0.0, 0.0, 1.5],     # far behind its surface
                            [5.0, 0.0, 1.0],     # outside the image
                            [0.0, 0.0, -1.0]])   # behind the camera
    flags = joint_visibility(joints_hand, K, 0, result.instance_id,
                             result.depth, tolerance=0.15)
    np.testing.assert_array_equal(flags, [VISIBLE, OCCLUDED, OUTSIDE,
                                          OUTSIDE])
    # a stricter tolerance hides the first joint (surface 0.1 in front)
    flags = joint_visibility(joints_hand[:1], K, 0, result.instance_id,
                             result.depth, tolerance=0.05)
    np.testing.assert_array_equal(flags, [OCCLUDED])
    # instance 1: one joint behind the occluder, one beside it
    joints_other = np.array([[0.3, 0.0, 1.0], [0.3, 0.08, 1.0]])
    flags = joint_visibility(joints_other, K, 1, result.instance_id,
                             result.depth, tolerance=0.15)
    np.testing.assert_array_equal(flags, [OCCLUDED, VISIBLE])
    # the same joints seen as instance 0 are hidden by another hand
    flags = joint_visibility(joints_other, K, 0, result.instance_id,
                             result.depth, tolerance=0.15)
    np.testing.assert_array_equal(flags, [OCCLUDED, OCCLUDED])


def test_instance_masks_partition_the_covered_pixels():
    result = render_meshes([_mesh([0.0, 0.0, 1.0], 0.1),
                            _mesh([0.05, 0.0, 0.7], 0.05)], K, 48, 64)
    masks = [result.mask(i) for i in range(2)]
    assert masks[0].sum() > 0 and masks[1].sum() > 0
    assert not (masks[0] & masks[1]).any()
    np.testing.assert_array_equal(masks[0] | masks[1],
                                  np.isfinite(result.depth))
    # the nearer box's projection is a square of side 60 * 0.1 / 0.65 px
    # (front face at z = 0.65): count its pixel centres
    half_px = 60 * 0.05 / 0.65
    cu = 31.5 + 60 * 0.05 / 0.65
    cols = np.arange(64)[np.abs(np.arange(64) - cu) <= half_px]
    rows = np.arange(48)[np.abs(np.arange(48) - 23.5) <= half_px]
    assert masks[1].sum() == len(cols) * len(rows)


def test_search_radius_accepts_a_joint_on_the_outline():
    hand = _mesh([0.0, 0.0, 1.0], 0.1)
    result = render_meshes([hand], K, 48, 64)
    # the box spans u in [31.5 - 6.67, 31.5 + 6.67] at its front (z = 0.9):
    # a joint at u = 38.6 rounds to column 39, just outside the outline
    joint = np.array([[(38.6 - 31.5) / 60.0, 0.0, 1.0]])
    assert not result.mask(0)[23, 39] and result.mask(0)[23, 38]
    strict = joint_visibility(joint, K, 0, result.instance_id, result.depth,
                              tolerance=0.15)
    near = joint_visibility(joint, K, 0, result.instance_id, result.depth,
                            tolerance=0.15, search_radius_px=1)
    np.testing.assert_array_equal(strict, [OCCLUDED])
    np.testing.assert_array_equal(near, [VISIBLE])
