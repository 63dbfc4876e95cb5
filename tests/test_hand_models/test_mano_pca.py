"""MANOHand's PCA path in hand_tracking_toolkit's conventions (15
coefficients, flat_hand_mean=False), against hand-worked poses."""
import numpy as np
import pytest
import torch

from egohands.geometry.rotation import axis_angle_to_matrix
from egohands.hand_models import MANOHand


@pytest.fixture(scope='module')
def toolkit_hand(synthetic_dir):
    return MANOHand(str(synthetic_dir), use_pca=True, num_pca_comps=15,
                    flat_hand_mean=False)


@pytest.fixture(scope='module')
def flat_hand(synthetic_dir):
    return MANOHand(str(synthetic_dir), flat_hand_mean=True)


def _run(model, **inputs):
    with torch.no_grad():
        return model(**inputs)


def test_zero_coefficients_give_the_mean_pose(toolkit_hand, flat_hand,
                                              model_data):
    mean = torch.tensor(model_data['right']['hands_mean'],
                        dtype=torch.float32)[None]
    out = _run(toolkit_hand, hand_pose=torch.zeros(1, 15))
    torch.testing.assert_close(out.hand_pose_flat, mean)
    torch.testing.assert_close(out.vertices_m,
                               _run(flat_hand, hand_pose=mean).vertices_m,
                               atol=1e-6, rtol=0)
    # the mean pose is not the flat hand
    flat = _run(flat_hand, hand_pose=torch.zeros(1, 45)).vertices_m
    assert (out.vertices_m - flat).abs().max() > 1e-3


@pytest.mark.parametrize('component, value', [(0, 1.5), (7, -0.8),
                                              (14, 2.0)])
def test_one_coefficient_adds_its_component(toolkit_hand, flat_hand,
                                            model_data, component, value):
    data = model_data['right']
    coeffs = torch.zeros(1, 15)
    coeffs[0, component] = value
    expected = torch.tensor(
        data['hands_mean'] + value * data['hands_components'][component],
        dtype=torch.float32)[None]
    out = _run(toolkit_hand, hand_pose=coeffs)
    torch.testing.assert_close(out.hand_pose_flat, expected, atol=1e-6,
                               rtol=0)
    torch.testing.assert_close(
        out.vertices_m, _run(flat_hand, hand_pose=expected).vertices_m,
        atol=1e-6, rtol=0)


def test_wrist_xform_turns_about_the_root_joint_then_shifts(toolkit_hand):
    """The toolkit's wrist_xform = (global_orient, transl): every point
    goes to R (x - J0) + J0 + t, J0 the root joint of the unposed hand."""
    coeffs = torch.full((1, 15), 0.3)
    rest = _run(toolkit_hand, hand_pose=coeffs)
    orient = torch.tensor([[0.0, 0.0, np.pi / 2]])
    transl = torch.tensor([[0.1, -0.2, 0.5]])
    moved = _run(toolkit_hand, hand_pose=coeffs, global_orient=orient,
                 transl=transl)
    R = axis_angle_to_matrix(orient)[0]
    root = rest.mano_joints_m[0, 0]
    expected = (rest.joints_m[0] - root) @ R.T + root + transl[0]
    torch.testing.assert_close(moved.joints_m[0], expected, atol=1e-6,
                               rtol=0)
    torch.testing.assert_close(moved.mano_joints_m[0, 0], root + transl[0],
                               atol=1e-6, rtol=0)
