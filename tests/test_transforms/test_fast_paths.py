"""The transforms' one-sample fast paths equal the batched geometry helpers
they replace, on random inputs (within float tolerance)."""
import numpy as np
import pytest

from egohands.datasets.transforms.bbox import GetSquareBBox
from egohands.datasets.transforms.topdown_affine import (TopdownAffine,
                                                         camera_roll,
                                                         crop_affine,
                                                         fit_box_to_aspect,
                                                         rotate_hand_3d)
from egohands.geometry.affine import (apply_affine_2d, bbox_to_center_size,
                                      get_affine_matrix)
from egohands.geometry.camera import crop_intrinsics
from egohands.geometry.rotation import (axis_angle_to_matrix,
                                        matrix_to_axis_angle)

RNG_SEEDS = range(5)


@pytest.mark.parametrize('seed', RNG_SEEDS)
def test_square_box_equals_bbox_to_center_size(seed):
    rng = np.random.default_rng(seed)
    for _ in range(50):
        corner = rng.uniform(-50, 500, 2)
        bbox = np.concatenate([corner, corner + rng.uniform(0.5, 300, 2)])
        padding = rng.uniform(0.8, 2.0)
        out = GetSquareBBox(padding).transform(dict(bbox=bbox.tolist()))
        center, size = bbox_to_center_size(bbox, padding, 1.0)
        np.testing.assert_array_equal(out['bbox_center'],
                                      center.astype(np.float32))
        np.testing.assert_array_equal(out['bbox_size'],
                                      size.astype(np.float32))


@pytest.mark.parametrize('seed', RNG_SEEDS)
def test_crop_affine_and_roll_equal_the_geometry_functions(seed):
    rng = np.random.default_rng(seed)
    for _ in range(50):
        center = rng.uniform(-100, 600, 2)
        width = rng.uniform(5, 400)
        angle = rng.uniform(-180, 180)
        size = (int(rng.integers(16, 300)), int(rng.integers(16, 300)))
        np.testing.assert_allclose(
            crop_affine(center.astype(np.float32), width, angle, size),
            get_affine_matrix(center.astype(np.float32).astype(np.float64),
                              np.array([width, width]), angle, size),
            rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(
            camera_roll(angle), axis_angle_to_matrix(
                np.array([0.0, 0.0, -np.deg2rad(angle)])), atol=1e-12)


def _hand(rng, with_mano=True):
    results = dict(joints_3d=rng.normal(0, 60, (21, 3)) + [0, 0, 400],
                   joints_valid=np.ones(21, np.float32),
                   mano_valid=1.0 if with_mano else 0.0,
                   mano_pose=rng.normal(0, 0.8, 48).astype(np.float32),
                   mano_transl=rng.normal(0, 0.1, 3).astype(np.float32))
    return results


def _rotate_hand_3d_with_geometry(results, rotation):
    """The former implementation, through egohands.geometry.rotation."""
    joints = np.asarray(results['joints_3d'], np.float64)
    results['joints_3d'] = (joints @ rotation.T).astype(np.float32)
    pose = np.asarray(results['mano_pose'], np.float64).copy()
    pose[:3] = matrix_to_axis_angle(rotation @ axis_angle_to_matrix(pose[:3]))
    results['mano_pose'] = pose.astype(np.float32)
    wrist_m = joints[0] / 1000.0
    results['mano_transl'] = (np.asarray(results['mano_transl'], np.float64)
                              + rotation @ wrist_m - wrist_m
                              ).astype(np.float32)


@pytest.mark.parametrize('seed', RNG_SEEDS)
def test_rotate_hand_3d_equals_the_geometry_rotation(seed):
    rng = np.random.default_rng(seed)
    for angle in rng.uniform(-180, 180, 20):
        rotation = camera_roll(angle)
        ours, reference = _hand(rng), None
        reference = {key: np.copy(value) if isinstance(value, np.ndarray)
                     else value for key, value in ours.items()}
        rotate_hand_3d(ours, rotation)
        _rotate_hand_3d_with_geometry(reference, rotation)
        np.testing.assert_allclose(ours['joints_3d'], reference['joints_3d'],
                                   rtol=1e-6, atol=1e-4)
        np.testing.assert_allclose(ours['mano_transl'],
                                   reference['mano_transl'], atol=1e-6)
        # r and -r are the same rotation at pi: compare the matrices
        np.testing.assert_allclose(
            axis_angle_to_matrix(ours['mano_pose'][:3].astype(np.float64)),
            axis_angle_to_matrix(
                reference['mano_pose'][:3].astype(np.float64)), atol=1e-5)
        np.testing.assert_array_equal(ours['mano_pose'][3:],
                                      reference['mano_pose'][3:])


@pytest.mark.parametrize('seed', RNG_SEEDS)
@pytest.mark.parametrize('angle', [0.0, 25.0])
def test_topdown_affine_labels_equal_the_geometry_helpers(seed, angle):
    rng = np.random.default_rng(seed)
    transform = TopdownAffine(input_size=(64, 48))
    K = np.array([[150.0, 0, 255.5], [0, 150.0, 255.5], [0, 0, 1]])
    keypoints = rng.uniform(0, 512, (21, 2)).astype(np.float32)
    results = dict(img=np.zeros((512, 512, 3), np.uint8), K=K,
                   keypoints_2d=keypoints, **_hand(rng, with_mano=False),
                   bbox_center=rng.uniform(100, 400, 2).astype(np.float32),
                   bbox_size=np.full(2, rng.uniform(40, 200), np.float32),
                   bbox_rotation=angle)
    out = transform.transform(dict(results))
    affine = get_affine_matrix(
        results['bbox_center'].astype(np.float64),
        fit_box_to_aspect(results['bbox_size'], (64, 48), 'expand'), angle,
        (64, 48))
    np.testing.assert_allclose(out['crop_from_img'], affine, rtol=1e-6,
                               atol=1e-4)
    np.testing.assert_allclose(out['keypoints_2d'],
                               apply_affine_2d(keypoints.astype(np.float64),
                                               affine), atol=1e-3)
    roll = axis_angle_to_matrix(np.array([0.0, 0.0, -np.deg2rad(angle)]))
    np.testing.assert_allclose(out['crop_K'],
                               crop_intrinsics(K, affine) @ roll.T,
                               rtol=1e-6, atol=1e-3)
    np.testing.assert_allclose(out['joints_3d'],
                               results['joints_3d'] @ roll.T, atol=1e-3)


def _random_bbox_with_numpy_arrays(results, transform):
    """The former RandomBBoxTransform arithmetic, on numpy arrays."""
    center = np.asarray(results['bbox_center'], np.float64)
    size = np.asarray(results['bbox_size'], np.float64)
    rotation = 0.0
    if np.random.rand() < transform.shift_prob:
        shift = np.clip(np.random.randn(2), -1, 1) * transform.shift_factor
        center = center + shift * size
    if np.random.rand() < transform.scale_prob:
        size = size * (1 + np.clip(np.random.randn(), -1, 1) *
                       transform.scale_factor)
    if np.random.rand() < transform.rotate_prob:
        rotation += float(np.clip(np.random.randn(), -2, 2) *
                          transform.rotate_factor)
    return center.astype(np.float32), size.astype(np.float32), rotation


@pytest.mark.parametrize('seed', RNG_SEEDS)
def test_random_bbox_transform_equals_the_array_formulation(seed):
    from egohands.datasets.transforms.bbox import RandomBBoxTransform
    transform = RandomBBoxTransform(scale_factor=0.3, rotate_factor=30.0,
                                    rotate_prob=0.6, shift_factor=0.2,
                                    shift_prob=0.7, scale_prob=0.8)
    rng = np.random.default_rng(seed)
    for draw in range(50):
        sample = dict(bbox_center=rng.uniform(0, 500, 2).astype(np.float32),
                      bbox_size=rng.uniform(10, 300, 2).astype(np.float32))
        np.random.seed(seed * 1000 + draw)
        expected = _random_bbox_with_numpy_arrays(sample, transform)
        np.random.seed(seed * 1000 + draw)
        out = transform.transform(dict(sample))
        np.testing.assert_allclose(out['bbox_center'], expected[0],
                                   rtol=1e-6)
        np.testing.assert_allclose(out['bbox_size'], expected[1], rtol=1e-6)
        assert out['bbox_rotation'] == pytest.approx(expected[2], abs=1e-9)


@pytest.mark.parametrize('seed', RNG_SEEDS)
def test_hsv_jitter_table_equals_the_stacked_formulation(seed):
    import cv2

    from egohands.datasets.transforms.photometric import HSVJitter
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    transform = HSVJitter(hue_delta=5, saturation_delta=30, value_delta=30,
                          prob=0.9)
    for draw in range(10):
        np.random.seed(seed * 100 + draw)
        enabled = np.random.rand(3) < transform.prob
        gains = (np.random.uniform(-1, 1, 3) * transform.deltas *
                 enabled).astype(np.int16)
        values = np.arange(256, dtype=np.int16)
        table = np.stack([(values + gains[0]) % 180,
                          np.clip(values + gains[1], 0, 255),
                          np.clip(values + gains[2], 0, 255)],
                         axis=-1).astype(np.uint8)[None]
        expected = cv2.cvtColor(cv2.LUT(cv2.cvtColor(
            img, cv2.COLOR_BGR2HSV), table), cv2.COLOR_HSV2BGR) \
            if gains.any() else img
        np.random.seed(seed * 100 + draw)
        out = transform.transform(dict(img=img.copy()))['img']
        np.testing.assert_array_equal(out, expected)  # uint8, exact
