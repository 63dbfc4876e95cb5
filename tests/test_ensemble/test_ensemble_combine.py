"""Combining members: weights, frames, Procrustes alignment, matching."""
import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation

from egohands.postprocess.ensemble import (DumpMismatchError,
                                           align_to_first_member,
                                           members_in_common_frame,
                                           normalise_weights, stack_members,
                                           weighted_joint_average)
from egohands.registry import POSTPROCESSORS
from egohands.structures import HandDataSample
from egohands.utils.errors import ConfigError, EgohandsError
from .conftest import ground_truth, member_records


def test_weighted_average_matches_a_loop():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(3, 4, 21, 3))
    weights = normalise_weights(rng.random((3, 21)), 3, 21)
    expected = np.zeros((4, 21, 3))
    for m in range(3):
        for n in range(4):
            for k in range(21):
                expected[n, k] += weights[m, k] * values[m, n, k]
    np.testing.assert_allclose(weighted_joint_average(values, weights),
                               expected, atol=1e-12)


def test_weights_are_normalised_per_joint_and_checked():
    per_model = normalise_weights([3.0, 1.0], 2, 21)
    assert per_model.shape == (2, 21)
    np.testing.assert_allclose(per_model[:, 5], [0.75, 0.25])
    per_joint = np.ones((2, 21))
    per_joint[0, 3] = 0.0
    normalised = normalise_weights(per_joint, 2, 21)
    np.testing.assert_allclose(normalised.sum(axis=0), 1.0)
    np.testing.assert_array_equal(normalised[:, 3], [0.0, 1.0])
    np.testing.assert_array_equal(normalise_weights(None, 4, 21), 0.25)
    with pytest.raises(ConfigError, match='one per member'):
        normalise_weights([1.0, 1.0, 1.0], 2, 21)
    with pytest.raises(ConfigError, match='>= 0'):
        normalise_weights([1.0, -1.0], 2, 21)
    zero_column = np.ones((2, 21))
    zero_column[:, 7] = 0.0
    with pytest.raises(ConfigError, match=r'joint\(s\) \[7\]'):
        normalise_weights(zero_column, 2, 21)


def test_mean_mode_frames():
    rng = np.random.default_rng(1)
    joints = rng.normal(0, 50, (2, 3, 21, 3)) + [0, 0, 400]
    both_absolute = np.ones((2, 3), bool)
    same, absolute = members_in_common_frame(joints, both_absolute, 'mean')
    np.testing.assert_array_equal(same, joints)
    assert absolute.all()
    mixed = both_absolute.copy()
    mixed[1, 2] = False  # one member relative for hand 2 only
    frames, absolute = members_in_common_frame(joints, mixed, 'mean')
    np.testing.assert_array_equal(absolute, [True, True, False])
    np.testing.assert_array_equal(frames[:, :2], joints[:, :2])
    np.testing.assert_allclose(frames[:, 2], joints[:, 2] - joints[:, 2, :1])
    with pytest.raises(ConfigError, match='mode'):
        members_in_common_frame(joints, mixed, 'median')


def _similarity(points, scale, rotvec, shift):
    return scale * points @ Rotation.from_rotvec(rotvec).as_matrix().T + shift


def test_procrustes_mode_recovers_the_first_members_frame():
    """A wrist-relative member at another scale and rotation is mapped
    exactly onto the absolute first member: the ensemble is that member,
    absolute, whatever the weights."""
    gt = ground_truth(np.random.default_rng(2), 5)
    first = gt + np.random.default_rng(3).normal(0, 4, gt.shape)
    second = np.stack([
        _similarity(hand - hand[0], 1.3, [0.3, -0.5, 1.1], 0.0)
        for hand in first])
    third = np.stack([_similarity(hand, 0.001, [2.0, 0.1, 0.0],
                                  [5.0, 1.0, -2.0]) for hand in first])
    members = [member_records(gt, first, True),
               member_records(gt, second, False),
               member_records(gt, third, False)]
    weights = np.random.default_rng(4).random((3, 21))
    ensemble = POSTPROCESSORS.build(dict(type='WeightedJointEnsemble',
                                         weights=weights, mode='procrustes'))
    records = ensemble(members)
    result = np.stack([r['pred_joints_3d'] for r in records])
    np.testing.assert_allclose(result, first, atol=1e-3)
    assert all(r['pred_joints_absolute'] for r in records)
    # plain averaging of the same members is far off
    mean = POSTPROCESSORS.build(dict(type='WeightedJointEnsemble',
                                     weights=weights))(members)
    assert not mean[0]['pred_joints_absolute']
    assert np.abs(mean[0]['pred_joints_3d'] -
                  (first[0] - first[0, 0])).max() > 10


def test_alignment_against_an_independent_fit():
    """Rotation from scipy's ``align_vectors`` on the centred sets, scale
    and translation in closed form."""
    rng = np.random.default_rng(5)
    target = rng.normal(0, 30, (21, 3)) + [10, 20, 450]
    source = _similarity(target, 0.8, [0.4, 0.2, -0.9], [3, 4, 5]) + \
        rng.normal(0, 6, (21, 3))
    aligned = align_to_first_member(np.stack([target, source])[:, None])
    centred_source = source - source.mean(axis=0)
    centred_target = target - target.mean(axis=0)
    rotation, _ = Rotation.align_vectors(centred_target, centred_source)
    rotated = rotation.apply(centred_source)
    scale = (rotated * centred_target).sum() / (centred_source**2).sum()
    expected = scale * rotated + target.mean(axis=0)
    np.testing.assert_allclose(aligned[1, 0], expected, atol=1e-8)
    np.testing.assert_array_equal(aligned[0, 0], target)


def test_members_are_matched_by_ids_not_order():
    gt = ground_truth(np.random.default_rng(6), 6)
    rng = np.random.default_rng(7)
    first = member_records(gt, gt + rng.normal(0, 3, gt.shape), True)
    second = member_records(gt, gt + rng.normal(0, 3, gt.shape), True)
    order = [3, 0, 5, 1, 4, 2]
    stacked = stack_members([first, [second[i] for i in order]], ['a', 'b'])
    np.testing.assert_array_equal(
        stacked.joints[1], np.stack([r['pred_joints_3d'] for r in second]))
    assert [r['ann_id'] for r in stacked.records] == [
        r['ann_id'] for r in first]


def test_mismatched_members_are_refused_with_names():
    gt = ground_truth(np.random.default_rng(8), 4)
    first = member_records(gt, gt, True)
    with pytest.raises(DumpMismatchError, match=r'b\.json .*\(0, 101\)'):
        stack_members([first, first[:1] + first[2:]], ['a.json', 'b.json'])
    with pytest.raises(DumpMismatchError, match='two hands'):
        stack_members([first, first + first[:1]], ['a', 'b'])
    other_gt = [dict(r) for r in first]
    other_gt[2]['gt_joints_3d'] = other_gt[2]['gt_joints_3d'] + 1.0
    with pytest.raises(DumpMismatchError, match='ground truth'):
        stack_members([first, other_gt], ['a', 'b'])
    other_side = [dict(r) for r in first]
    other_side[0]['hand_side'] = 'left' if first[0]['hand_side'] == \
        'right' else 'right'
    with pytest.raises(DumpMismatchError, match='hand side'):
        stack_members([first, other_side], ['a', 'b'])
    assert issubclass(DumpMismatchError, EgohandsError)


def test_keypoints_2d_are_averaged_only_when_every_member_has_them():
    gt = ground_truth(np.random.default_rng(9), 3)
    rng = np.random.default_rng(10)
    points = rng.uniform(0, 500, (2, 3, 21, 2))
    members = [member_records(gt, gt, True, keypoints_2d=points[i])
               for i in range(2)]
    records = POSTPROCESSORS.build(dict(type='WeightedJointEnsemble',
                                        weights=[3, 1]))(members)
    np.testing.assert_allclose(records[1]['pred_keypoints_2d'],
                               0.75 * points[0, 1] + 0.25 * points[1, 1],
                               atol=1e-3)
    members[1][0]['pred_keypoints_2d'] = None
    records = POSTPROCESSORS.build(dict(type='WeightedJointEnsemble'))(
        members)
    assert all(r['pred_keypoints_2d'] is None for r in records)


def test_data_samples_are_accepted():
    """Predicted ``HandDataSample`` go through the dump-record conversion."""
    rng = np.random.default_rng(11)

    def sample(joints, ann_id):
        return HandDataSample(
            metainfo=dict(img_id=1, ann_id=ann_id, img_path='a.png',
                          hand_side='right', flip='none'),
            pred_joints_3d=torch.as_tensor(joints, dtype=torch.float32),
            pred_joints_absolute=True)

    joints = rng.normal(0, 30, (2, 2, 21, 3))
    members = [[sample(joints[m, n], n) for n in range(2)] for m in range(2)]
    records = POSTPROCESSORS.build(dict(type='WeightedJointEnsemble'))(
        members)
    np.testing.assert_allclose(records[1]['pred_joints_3d'],
                               joints[:, 1].mean(axis=0), atol=1e-4)
    assert records[0]['gt_joints_3d'] is None
