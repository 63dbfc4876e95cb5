"""RandomFlip: involution, left/right semantics, vertical flip, HaMeR mode."""
import copy

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from egohands.datasets.transforms import (GetSquareBBox, RandomFlip,
                                          TopdownAffine)
from egohands.datasets.transforms.flip import flip_sample
from egohands.utils.errors import ConfigError

FLIPPED_KEYS = ('img', 'keypoints_2d', 'joints_3d', 'crop_K',
                'crop_from_img', 'mano_pose', 'mano_transl')


def _cropped(make_sample, seed, input_size=(48, 64)):
    sample = make_sample(np.random.default_rng(seed))
    sample['bbox_rotation'] = 20.0
    GetSquareBBox().transform(sample)
    TopdownAffine(input_size).transform(sample)
    return sample


@pytest.mark.parametrize('direction', ['horizontal', 'vertical'])
@pytest.mark.parametrize('seed', range(3))
def test_flipping_twice_is_the_identity(make_sample, direction, seed):
    sample = _cropped(make_sample, seed)
    original = copy.deepcopy(sample)
    once = flip_sample(copy.deepcopy(sample), direction)
    assert once['flip'] == direction
    assert not np.array_equal(once['img'], original['img'])
    assert not np.allclose(once['joints_3d'], original['joints_3d'])
    twice = flip_sample(once, direction)
    assert twice['flip'] == 'none'
    np.testing.assert_array_equal(twice['img'], original['img'])
    for key in FLIPPED_KEYS[1:]:
        np.testing.assert_allclose(twice[key], original[key], atol=1e-5,
                                   err_msg=key)
    assert twice['hand_side'] == original['hand_side']
    assert twice['orig_hand_side'] == original['hand_side']


def test_horizontal_flip_hand_worked_and_left_right(make_sample):
    sample = _cropped(make_sample, 0, input_size=(10, 8))
    sample['hand_side'] = 'left'
    sample['keypoints_2d'][0] = [2.0, 3.0]
    sample['img'][3, 2] = [1, 2, 3]
    R = Rotation.from_rotvec(sample['mano_pose'][:3]).as_matrix()
    out = flip_sample(copy.deepcopy(sample), 'horizontal')
    np.testing.assert_allclose(out['keypoints_2d'][0], [7.0, 3.0])  # 9 - 2
    np.testing.assert_array_equal(out['img'][3, 7], [1, 2, 3])
    assert (out['hand_side'], out['orig_hand_side']) == ('right', 'left')
    np.testing.assert_allclose(out['joints_3d'][:, 0],
                               -sample['joints_3d'][:, 0])
    np.testing.assert_allclose(out['joints_3d'][:, 1:],
                               sample['joints_3d'][:, 1:])
    # a mirrored rotation is S R S with S = diag(-1, 1, 1)
    S = np.diag([-1.0, 1, 1])
    mirrored = Rotation.from_rotvec(out['mano_pose'][:3]).as_matrix()
    np.testing.assert_allclose(mirrored, S @ R @ S, atol=1e-5)
    assert out['mano_valid'] == 1.0


def test_vertical_flip_negates_y_keeps_side_and_drops_mano(make_sample):
    sample = _cropped(make_sample, 1, input_size=(10, 8))
    sample['keypoints_2d'][4] = [2.0, 3.0]
    out = flip_sample(copy.deepcopy(sample), 'vertical')
    np.testing.assert_allclose(out['keypoints_2d'][4], [2.0, 4.0])  # 7 - 3
    np.testing.assert_allclose(out['joints_3d'][:, 1],
                               -sample['joints_3d'][:, 1])
    assert out['hand_side'] == sample['hand_side']
    assert out['mano_valid'] == 0.0


def test_random_flip_probability_and_hamer_left_to_right(make_sample):
    np.random.seed(0)
    flips = [RandomFlip('vertical', prob=0.3).transform(
        _cropped(make_sample, 2))['flip'] for _ in range(200)]
    assert 0.2 < np.mean([f == 'vertical' for f in flips]) < 0.4
    to_right = RandomFlip('horizontal', prob=1.0, hand_sides=('left', ))
    for side in ('left', 'right'):
        sample = _cropped(make_sample, 3)
        sample['hand_side'] = side
        out = to_right.transform(sample)
        assert out['hand_side'] == 'right'
        assert out['flip'] == ('horizontal' if side == 'left' else 'none')
        assert out['orig_hand_side'] == side


def test_two_directions_in_one_pipeline_are_refused(make_sample):
    sample = flip_sample(_cropped(make_sample, 0), 'horizontal')
    with pytest.raises(ConfigError, match='one flip direction'):
        flip_sample(sample, 'vertical')
