"""HMRMANOHead: the 6D rows convention, the iterative refinement, the
mean-pose start, the full-frame camera, shapes and gradients."""
import math

import pytest
import torch

from egohands.geometry.rotation import (axis_angle_to_matrix,
                                        rot6d_columns_to_matrix)
from egohands.hand_models import MANOHand
from egohands.models.heads.hmr_mano_head import HMRMANOHead
from egohands.utils.errors import ConfigError


def small_head(hand_dir, side='right', **kwargs):
    cfg = dict(in_channels=8, hidden_channels=16, cam_init_channels=8,
               hand_model=dict(model_path=str(hand_dir), side=side))
    cfg.update(kwargs)
    return HMRMANOHead(**cfg)


def frame_K(batch=1, f=100.0):
    K = torch.tensor([[f, 0.0, 111.5], [0.0, f, 111.5], [0.0, 0.0, 1.0]])
    return K.expand(batch, 3, 3).clone()


def zero_readouts(head):
    for decoder in head.decoders.values():
        torch.nn.init.zeros_(decoder.weight)
        torch.nn.init.zeros_(decoder.bias)


def set_init_cam(head, cam):
    last = head.cam_init[-1]
    torch.nn.init.zeros_(last.weight)
    last.bias.data = torch.tensor(cam)


def test_rows_convention_against_a_hand_worked_rotation(hand_dir):
    """Three equal steps from the identity reach the 6 numbers
    (0, -1, 0, 1, 0, 0): rows of Rz(+90 deg), columns of Rz(-90 deg)."""
    head = small_head(hand_dir).eval()
    zero_readouts(head)
    pose_step = torch.zeros(96)
    pose_step[:6] = (torch.tensor([0.0, -1, 0, 1, 0, 0]) -
                     torch.tensor([1.0, 0, 0, 0, 1, 0])) / 3
    head.decoders['pose_6d'].bias.data = pose_step
    set_init_cam(head, [0.5, 0.0, 0.0])
    with torch.no_grad():
        out = head(torch.randn(1, 8), frame_K())
    rz90 = torch.tensor([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    torch.testing.assert_close(out['rotmats'][0, 0], rz90, atol=1e-5,
                               rtol=0)
    # the same numbers read as columns give the transpose, Rz(-90 deg)
    columns = rot6d_columns_to_matrix(out['pose_6d'][0, :6])
    torch.testing.assert_close(columns, rz90.T, atol=1e-5, rtol=0)
    torch.testing.assert_close(
        rz90, axis_angle_to_matrix(torch.tensor([0.0, 0.0, math.pi / 2])),
        atol=1e-6, rtol=0)
    # the other 15 rotations stay the identity
    torch.testing.assert_close(out['rotmats'][0, 1:],
                               torch.eye(3).expand(15, 3, 3), atol=1e-6,
                               rtol=0)


def test_iterations_feed_the_estimate_back(hand_dir):
    """Hand-worked feedback: the refinement MLP passes the current scale s
    to the camera readout, which adds it: s doubles at each of the 3 steps,
    0.25 -> 2.0; tz = 2 f / (224 s)."""
    head = small_head(hand_dir).eval()
    zero_readouts(head)
    for layer in (head.refine[0], head.refine[3]):
        torch.nn.init.zeros_(layer.weight)
        torch.nn.init.zeros_(layer.bias)
    scale_index = 8 + 96  # [feature (8), pose_6d (96), cam (3), betas]
    head.refine[0].weight.data[0, scale_index] = 1.0
    head.refine[3].weight.data[0, 0] = 1.0
    head.decoders['cam'].weight.data[0, 0] = 1.0
    set_init_cam(head, [0.25, 0.01, -0.02])
    with torch.no_grad():
        out = head(torch.randn(2, 8), frame_K(2, f=100.0))
    scales = [e['cam'][0, 0].item() for e in out['estimates']]
    assert scales == pytest.approx([0.25, 0.5, 1.0, 2.0], abs=1e-6)
    torch.testing.assert_close(out['cam_init'][0],
                               torch.tensor([0.25, 0.01, -0.02]))
    torch.testing.assert_close(
        out['cam_t'][0], torch.tensor([0.01, -0.02, 2 * 100.0 / (224 * 2)]),
        atol=1e-6, rtol=0)
    # with 1 iteration the scale would stop at 0.5
    head.num_iterations = 1
    with torch.no_grad():
        assert head(torch.randn(1, 8), frame_K())['cam'][0, 0].item() == \
            pytest.approx(0.5, abs=1e-6)


def test_start_is_the_mean_pose_and_camera_projects_with_K(hand_dir):
    head = small_head(hand_dir, side='left').eval()
    zero_readouts(head)
    set_init_cam(head, [0.02, 0.05, -0.03])  # s below min_scale 0.1
    K = frame_K(1, f=80.0)
    K[0, 1, 1] = 120.0  # mean focal 100
    with torch.no_grad():
        out = head(torch.randn(1, 8), K)
    mean_hand = MANOHand(str(hand_dir), side='left', flat_hand_mean=True)
    expected = mean_hand(hand_pose=mean_hand.hands_mean[None]).joints_m
    torch.testing.assert_close(out['joints_m'], expected, atol=1e-6, rtol=0)
    tz = 2 * 100.0 / (224 * 0.1)  # the scale is clamped at 0.1
    torch.testing.assert_close(out['cam_t'][0],
                               torch.tensor([0.05, -0.03, tz]), atol=1e-5,
                               rtol=0)
    X = out['joints_cam_m'][0]
    u = 80.0 * X[:, 0] / X[:, 2] + 111.5
    v = 120.0 * X[:, 1] / X[:, 2] + 111.5
    torch.testing.assert_close(out['keypoints_2d'][0],
                               torch.stack([u, v], -1), atol=1e-4, rtol=0)


def test_shapes_losses_and_gradients(hand_dir):
    torch.manual_seed(0)
    head = small_head(hand_dir).train()
    feat = torch.randn(3, 8, 2, 2, requires_grad=True)  # a map is pooled
    out = head(feat, frame_K(3))
    assert out['rotmats'].shape == (3, 16, 3, 3)
    assert out['vertices_m'].shape == (3, 778, 3)
    assert out['joints_cam_m'].shape == (3, 21, 3)
    assert out['keypoints_2d'].shape == (3, 21, 2)
    assert len(out['estimates']) == 4
    transl = torch.tensor([[0.05, -0.02, 0.4]]).expand(3, 3)
    target = dict(
        joints_3d=torch.randn(3, 21, 3) * 0.05 + transl[:, None],
        joints_valid=torch.ones(3, 21),
        keypoints_2d=torch.rand(3, 21, 2) * 224,
        keypoints_2d_valid=torch.ones(3, 21),
        rotmats=head.rotmat_target(torch.randn(3, 48) * 0.3),
        betas=torch.randn(3, 10), cam=head.weak_perspective_target(
            transl, frame_K(3)), mano_valid=torch.tensor([1.0, 0.0, 1.0]))
    losses = head.losses(out, target)
    assert set(losses) == {'keypoints_3d', 'keypoints_2d', 'pose', 'betas',
                           'cam'}
    total = sum(losses.values())
    total.backward()
    assert feat.grad is not None and feat.grad.abs().sum() > 0
    for name, param in head.named_parameters():
        assert param.grad is not None and torch.isfinite(param.grad).all(), \
            name


def test_targets_invert_the_camera_and_the_mean(hand_dir):
    head = small_head(hand_dir)
    transl = torch.tensor([[0.1, -0.05, 0.35]])
    K = frame_K(1, f=65.6)
    cam = head.weak_perspective_target(transl, K)
    torch.testing.assert_close(head.camera_translation(cam, K), transl,
                               atol=1e-6, rtol=0)
    # a flat-convention pose equal to the mean is the identity here
    pose = torch.cat([torch.zeros(3), head.hand_model.hands_mean])[None]
    torch.testing.assert_close(head.rotmat_target(pose),
                               torch.eye(3).expand(1, 16, 3, 3), atol=1e-6,
                               rtol=0)


def test_flat_hand_mean_is_refused(hand_dir):
    with pytest.raises(ConfigError, match='flat_hand_mean=False'):
        small_head(hand_dir, hand_model=dict(model_path=str(hand_dir),
                                             flat_hand_mean=True))
