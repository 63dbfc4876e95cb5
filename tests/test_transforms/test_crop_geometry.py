"""Top-down crop: crop camera, pixel positions, aspect modes, camera roll."""
import copy

import numpy as np
import pytest
from scipy.ndimage import map_coordinates
from scipy.spatial.transform import Rotation

from egohands.datasets.transforms import (GetSquareBBox, RandomBBoxTransform,
                                          RandomFlip, TopdownAffine)
from egohands.datasets.transforms.flip import flip_sample
from egohands.datasets.transforms.topdown_affine import rotate_hand_3d
from egohands.utils.errors import ConfigError


def _project(points, K):
    uvw = np.asarray(points, np.float64) @ np.asarray(K, np.float64).T
    return uvw[:, :2] / uvw[:, 2:]


@pytest.mark.parametrize('seed', range(24))
def test_crop_camera_projects_onto_cropped_keypoints(make_sample, seed):
    """crop_K @ joints_3d == crop(project(K, joints_3d)), under random K,
    boxes, rotations, input sizes, aspect modes and flips."""
    rng = np.random.default_rng(seed)
    sample = make_sample(rng)
    sample['bbox_rotation'] = float(rng.uniform(-90, 90))
    input_size = [(64, 64), (48, 64), (64, 48)][seed % 3]
    aspect_mode = ('expand', 'crop')[seed % 2]
    rotate_camera = seed % 4 < 2
    original = copy.deepcopy(sample)
    GetSquareBBox(padding=float(rng.uniform(1.0, 1.5))).transform(sample)
    sample['bbox_center'] += rng.normal(0, 5, 2).astype(np.float32)
    TopdownAffine(input_size, aspect_mode=aspect_mode,
                  rotate_camera=rotate_camera).transform(sample)
    if seed % 3 != 2:
        flip_sample(sample, ('horizontal', 'vertical')[seed % 3])
    assert sample['img'].shape == (input_size[1], input_size[0], 3)
    np.testing.assert_allclose(
        _project(sample['joints_3d'], sample['crop_K']),
        sample['keypoints_2d'], atol=2e-3)
    # the crop keypoints are the original ones mapped by crop_from_img
    homogeneous = np.c_[original['keypoints_2d'], np.ones(21)]
    mapped = homogeneous @ np.asarray(sample['crop_from_img'],
                                      np.float64).T
    np.testing.assert_allclose(mapped[:, :2], sample['keypoints_2d'],
                               atol=2e-3)
    # 3D is only rotated (camera roll) and/or mirrored: lengths are kept
    np.testing.assert_allclose(np.linalg.norm(sample['joints_3d'], axis=1),
                               np.linalg.norm(original['joints_3d'], axis=1),
                               rtol=1e-5)
    if not rotate_camera:
        np.testing.assert_allclose(np.abs(sample['joints_3d']),
                                   np.abs(original['joints_3d']), rtol=1e-6)


def test_camera_roll_keeps_crop_camera_free_of_rotation(make_sample):
    rng = np.random.default_rng(5)
    sample = make_sample(rng, square_pixels=True)
    sample['bbox_rotation'] = 37.0
    GetSquareBBox().transform(sample)
    TopdownAffine((64, 64)).transform(sample)
    crop_K = sample['crop_K']
    assert abs(crop_K[0, 1]) < 1e-4 and abs(crop_K[1, 0]) < 1e-4
    np.testing.assert_allclose(crop_K[0, 0], crop_K[1, 1], rtol=1e-5)
    # aug_rotation is a roll about the optical axis by -37 degrees
    expected = Rotation.from_euler('z', -37, degrees=True).as_matrix()
    np.testing.assert_allclose(sample['aug_rotation'], expected, atol=1e-6)


def test_mano_follows_the_camera_roll():
    """After the roll, MANO (rotation about the wrist J0, then transl) must
    give the rolled hand: R (R0 (x - J0) + J0 + t) == R' (x - J0) + J0 + t'.
    """
    rng = np.random.default_rng(0)
    R0 = Rotation.random(random_state=1)
    J0 = rng.normal(0, 0.05, 3)  # rest-pose wrist, metres
    t = np.array([0.02, -0.01, 0.4])
    x = rng.normal(0, 0.08, (5, 3))  # rest-pose hand points
    posed = R0.apply(x - J0) + J0 + t
    pose = np.zeros(48)
    pose[:3] = R0.as_rotvec()
    joints_mm = np.zeros((21, 3))
    joints_mm[0] = (J0 + t) * 1000  # MANO's root joint is the wrist
    sample = dict(joints_3d=joints_mm.astype(np.float32),
                  joints_valid=np.ones(21, np.float32),
                  mano_pose=pose.astype(np.float32),
                  mano_transl=t.astype(np.float32), mano_valid=1.0)
    R = Rotation.from_euler('z', 50, degrees=True).as_matrix()
    rotate_hand_3d(sample, R)
    new_orient = Rotation.from_rotvec(sample['mano_pose'][:3])
    rebuilt = new_orient.apply(x - J0) + J0 + sample['mano_transl']
    np.testing.assert_allclose(rebuilt, posed @ R.T, atol=1e-6)
    # without a valid wrist the translation cannot be moved: MANO invalid
    sample.update(joints_valid=np.zeros(21, np.float32), mano_valid=1.0)
    rotate_hand_3d(sample, R)
    assert sample['mano_valid'] == 0.0


def test_affine_matches_independent_bilinear_sampling(make_sample):
    """The crop equals sampling the image at A^-1 (crop pixel) (scipy)."""
    rng = np.random.default_rng(1)
    sample = make_sample(rng, width=100, height=80)
    yy, xx = np.mgrid[0:80, 0:100]
    smooth = 120 + 60 * np.sin(xx / 7.0) * np.cos(yy / 9.0)
    sample['img'] = np.repeat(smooth[..., None], 3, -1).astype(np.uint8)
    sample.update(bbox_center=np.array([47.3, 38.9], np.float32),
                  bbox_size=np.array([40.0, 40.0], np.float32),
                  bbox_rotation=25.0)
    TopdownAffine((48, 64), rotate_camera=False).transform(sample)
    inverse = np.linalg.inv(sample['crop_from_img'].astype(np.float64))
    rows, cols = np.mgrid[0:64, 0:48]
    source = np.stack([cols.ravel(), rows.ravel(), np.ones(cols.size)])
    u, v, _ = inverse @ source
    image = smooth.astype(np.uint8).astype(np.float64)
    expected = map_coordinates(image, [v, u], order=1, mode='constant',
                               cval=0.0).reshape(64, 48)
    inside = ((u > 1) & (u < 98) & (v > 1) & (v < 78)).reshape(64, 48)
    assert inside.mean() > 0.5
    diff = np.abs(sample['img'][..., 0].astype(float) - expected)[inside]
    assert diff.max() <= 2.0  # cv2's 1/32-pixel fixed-point bilinear


def test_bright_dot_lands_on_its_keypoint(make_sample):
    """A one-pixel dot at a keypoint appears at the keypoint's crop
    position after a 3x zoom, rotation and a horizontal flip."""
    rng = np.random.default_rng(2)
    sample = make_sample(rng, width=100, height=80)
    sample['img'] = np.zeros((80, 100, 3), np.uint8)
    dot = np.array([61, 33])
    sample['img'][dot[1], dot[0]] = 255
    sample['keypoints_2d'][0] = dot
    sample.update(bbox_center=np.array([58.0, 36.0], np.float32),
                  bbox_size=np.array([20.0, 20.0], np.float32),
                  bbox_rotation=-30.0)
    TopdownAffine((60, 60), interpolation='linear').transform(sample)
    flip_sample(sample, 'horizontal')
    peak = np.unravel_index(np.argmax(sample['img'][..., 0]), (60, 60))
    assert np.linalg.norm(np.array(peak[::-1]) - sample['keypoints_2d'][0]) \
        <= 0.75


def test_square_box_and_aspect_modes():
    sample = dict(bbox=np.array([10, 20, 50, 40], np.float32))
    GetSquareBBox(padding=1.25).transform(sample)
    np.testing.assert_allclose(sample['bbox_center'], [30, 30])
    np.testing.assert_allclose(sample['bbox_size'], [50, 50])  # 1.25 * 40
    corners = np.array([[5, 5, 1], [55, 5, 1], [5, 55, 1], [55, 55, 1.]])
    # expand: the whole square box is inside a 192 (w) x 256 (h) input
    expand = TopdownAffine((192, 256)).crop_matrix(sample)
    mapped = corners @ expand.T
    assert (mapped[:, 0] >= -0.5 - 1e-9).all() and \
        (mapped[:, 0] <= 191.5 + 1e-9).all()
    np.testing.assert_allclose(mapped[:, 1].max() - mapped[:, 1].min(), 192)
    # crop (HP-ViT): 256 wide, 192 high shows the central 75 % of the rows
    crop = TopdownAffine((256, 192), aspect_mode='crop').crop_matrix(sample)
    scale = crop[0, 0]
    np.testing.assert_allclose(scale, 256 / 50)
    np.testing.assert_allclose(192 / scale / 50, 0.75)
    np.testing.assert_allclose((corners @ crop.T)[0, :2],
                               [-0.5, 95.5 - 128])
    # expand with a wide input grows the box height instead
    wide = TopdownAffine((256, 192)).crop_matrix(sample)
    np.testing.assert_allclose(wide[0, 0], 192 / 50)


def test_random_bbox_transform_ranges_and_probabilities():
    np.random.seed(0)
    base = dict(bbox_center=np.array([50., 50.], np.float32),
                bbox_size=np.array([40., 40.], np.float32))
    jitter = RandomBBoxTransform(scale_factor=0.3, rotate_factor=30,
                                 rotate_prob=0.6, shift_factor=0.02)
    scales, rotations, shifts = [], [], []
    for _ in range(400):
        out = jitter.transform(copy.deepcopy(base))
        scales.append(out['bbox_size'][0] / 40)
        rotations.append(out['bbox_rotation'])
        shifts.append(np.abs(out['bbox_center'] - 50).max() / 40)
    scales, rotations = np.array(scales), np.array(rotations)
    assert 0.7 - 1e-6 <= scales.min() and scales.max() <= 1.3 + 1e-6
    assert scales.std() > 0.1
    assert np.abs(rotations).max() <= 60 + 1e-9
    assert 0.5 < np.mean(rotations != 0) < 0.7  # probability 0.6
    assert max(shifts) <= 0.02 + 1e-6
    still = RandomBBoxTransform(scale_prob=0, rotate_prob=0, shift_prob=0)
    out = still.transform(copy.deepcopy(base))
    np.testing.assert_array_equal(out['bbox_size'], base['bbox_size'])
    assert out['bbox_rotation'] == 0.0


def test_order_and_argument_errors(make_sample):
    sample = make_sample(np.random.default_rng(0))
    with pytest.raises(ConfigError, match='put GetSquareBBox before it'):
        TopdownAffine((64, 64)).transform(dict(sample))
    with pytest.raises(ConfigError, match='after TopdownAffine'):
        RandomFlip(prob=1.0).transform(dict(sample))
    with pytest.raises(ConfigError, match='aspect_mode'):
        TopdownAffine((64, 64), aspect_mode='squash')
    with pytest.raises(ConfigError, match=r"TopdownAffine: interpolation must "
                       r"be one of \['area', 'cubic', 'linear', 'nearest'\], "
                       r"got 'lanczos'"):
        TopdownAffine((64, 64), interpolation='lanczos')
    with pytest.raises(ConfigError, match='prob must be in'):
        RandomFlip(prob=1.5)
    with pytest.raises(ConfigError, match='direction'):
        RandomFlip(direction='diagonal')
