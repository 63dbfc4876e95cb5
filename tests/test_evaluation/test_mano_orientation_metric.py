"""MANOOrientationMetric against hand-worked angles: a known error rotation
in the camera frame, and a crop 30 deg off the optical axis whose crop frame
is that camera turned by 30 deg about y."""
import numpy as np
import pytest
import torch

from egohands.evaluation.metrics import MANOOrientationMetric
from egohands.geometry.flip import flip_axis_angle
from egohands.geometry.rotation import (axis_angle_to_matrix,
                                        matrix_to_axis_angle)
from egohands.structures import HandDataSample
from egohands.utils.errors import ConfigError

SIZE = 64
FOCAL = 100.0


def off_axis_crop_K(degrees):
    """Crop camera whose crop centre lies ``degrees`` off the axis in x."""
    centre = (SIZE - 1) / 2
    return np.array([[FOCAL, 0, centre - FOCAL * np.tan(np.radians(degrees))],
                     [0, FOCAL, centre], [0, 0, 1]], np.float32)


def make_sample(pred_input, gt, crop_K, flip='none', mano_valid=1.0):
    """Prediction given in the input frame, stored un-flipped as the
    estimator leaves it; ground truth in the input frame."""
    sample = HandDataSample(metainfo=dict(crop_K=crop_K, flip=flip,
                                          input_size=(SIZE, SIZE)))
    pose = np.zeros(48, np.float32)
    pose[:3] = gt
    sample.gt_mano_pose = torch.from_numpy(pose)
    sample.gt_mano_valid = torch.tensor(mano_valid)
    sample.pred_mano = dict(global_orient=torch.as_tensor(
        flip_axis_angle(np.asarray(pred_input, np.float32), flip)))
    return sample.to_dict()


def evaluate(samples):
    metric = MANOOrientationMetric()
    metric.process(None, samples)
    return metric.evaluate(len(samples))


def test_camera_frame_error_is_the_applied_rotation_angle():
    gt = np.array([0.3, -1.2, 0.8])
    # error rotations of 10, 20 and 70 deg about z: the median is 20
    # (composing two rotations about z adds their angles)
    samples = [make_sample(_compose_z(gt, a), gt, off_axis_crop_K(0),
                           flip=flip)
        for a, flip in ((10, 'none'), (20, 'horizontal'), (70, 'none'))]
    metrics = evaluate(samples)
    assert metrics['orient_error_camera'] == pytest.approx(20.0, abs=1e-3)
    # the crop is on the axis: both frames agree
    assert metrics['orient_error_crop'] == pytest.approx(20.0, abs=1e-3)


def _compose_z(rotvec, degrees):
    """Axis-angle of ``Rz(degrees) @ R(rotvec)`` (an error of that angle)."""
    angle = np.radians(degrees)
    rz = np.array([[np.cos(angle), -np.sin(angle), 0],
                   [np.sin(angle), np.cos(angle), 0], [0, 0, 1]])
    return matrix_to_axis_angle(rz @ axis_angle_to_matrix(rotvec))


def test_off_axis_crop_frame():
    gt = np.array([1.0, 0.4, -0.5])
    angle = np.radians(30)
    # the crop frame: the camera turned by +30 deg about y (z towards +x)
    ry = np.array([[np.cos(angle), 0, np.sin(angle)], [0, 1, 0],
                   [-np.sin(angle), 0, np.cos(angle)]])
    in_crop = matrix_to_axis_angle(ry.T @ axis_angle_to_matrix(gt))
    for flip in ('none', 'horizontal'):
        metrics = evaluate([make_sample(in_crop, gt, off_axis_crop_K(30),
                                        flip=flip)])
        assert metrics['orient_error_crop'] == pytest.approx(0.0, abs=1e-2)
        assert metrics['orient_error_camera'] == pytest.approx(30.0,
                                                               abs=1e-3)


def test_hands_without_mano_are_skipped_and_none_is_an_error():
    gt = np.array([0.2, 0.1, 0.3])
    samples = [make_sample(gt, gt, off_axis_crop_K(0)),
               make_sample(-gt, gt, off_axis_crop_K(0), mano_valid=0.0)]
    assert evaluate(samples)['orient_error_camera'] == pytest.approx(
        0.0, abs=1e-2)
    with pytest.raises(ConfigError, match='MANO ground'):
        evaluate(samples[1:])
