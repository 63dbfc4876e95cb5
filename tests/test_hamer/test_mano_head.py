"""MANOTransformerHead: outputs, camera consistency, losses and masks,
predictions that agree with their own MANO parameters, right hands only."""
import numpy as np
import pytest
import torch

from egohands.geometry.rotation import axis_angle_to_matrix
from egohands.geometry.weak_perspective import virtual_crop_intrinsics
from egohands.registry import MODELS
from egohands.structures import HandDataSample
from egohands.utils.errors import ConfigError

from .conftest import small_head_cfg

CROP = (128, 128)


@pytest.fixture(scope='module')
def head(hand_dir):
    torch.manual_seed(0)
    return MODELS.build(small_head_cfg(hand_dir)).eval()


def _tokens(batch=2, seed=0):
    return (torch.randn(batch, 48, 8, 6,
                        generator=torch.Generator().manual_seed(seed)), )


def _sample(crop_K, hand_side='right', seed=0, mano_valid=1.0):
    rng = np.random.default_rng(seed)
    sample = HandDataSample()
    sample.set_metainfo(dict(input_size=CROP, crop_K=crop_K.astype(
        np.float32), hand_side=hand_side, img_path=f'img{seed}.png'))
    sample.gt_joints_3d = torch.tensor(rng.normal(0, 30, (21, 3)) +
                                       [0, 0, 400], dtype=torch.float32)
    sample.gt_joints_valid = torch.ones(21)
    sample.gt_keypoints_2d = torch.tensor(rng.uniform(0, 127, (21, 2)),
                                          dtype=torch.float32)
    sample.gt_keypoints_2d_valid = torch.ones(21)
    sample.gt_mano_pose = torch.tensor(rng.normal(0, 0.3, 48),
                                       dtype=torch.float32)
    sample.gt_mano_betas = torch.tensor(rng.normal(0, 1, 10),
                                        dtype=torch.float32)
    sample.gt_mano_valid = torch.tensor(mano_valid)
    return sample


def test_forward_starts_at_the_mean_parameters(head):
    out = head(_tokens())
    assert out['rotmats'].shape == (2, 16, 3, 3)
    assert out['joints_m'].shape == (2, 21, 3)
    assert out['vertices_m'].shape == (2, 778, 3)
    # readouts start with gain 0.01: near the identity and init_cam
    eye = torch.eye(3).expand(2, 16, 3, 3)
    assert (out['rotmats'] - eye).abs().max() < 0.2
    assert (out['cam'] - head.init_cam).abs().max() < 0.2
    # the 2D keypoints are the virtual camera's normalised projection
    camera = out['joints_m'] + out['cam_t'][:, None]
    torch.testing.assert_close(
        out['keypoints_2d'], (2500.0 / 128) * camera[..., :2] /
        camera[..., 2:])


def test_predictions_agree_with_their_mano_parameters(head, hand_dir):
    from egohands.hand_models import MANOHand
    K_v = virtual_crop_intrinsics(CROP, 2500.0, 128)
    # a real camera = the virtual one: the translation is unchanged
    samples = [_sample(K_v, seed=0), _sample(K_v, seed=1)]
    out = head(_tokens())
    preds = head.predict(_tokens(), samples)
    mano = MANOHand(str(hand_dir))
    for i, pred in enumerate(preds):
        assert pred['pred_joints_absolute'] is True
        torch.testing.assert_close(pred['pred_cam_t'], out['cam_t'][i])
        torch.testing.assert_close(pred['pred_mano']['transl'],
                                   out['cam_t'][i])
        params = pred['pred_mano']
        again = mano(params['hand_pose'][None], params['betas'][None],
                     params['global_orient'][None], params['transl'][None])
        torch.testing.assert_close(again.joints_m[0] * 1000,
                                   pred['pred_joints_3d'], atol=2e-3,
                                   rtol=1e-4)
        torch.testing.assert_close(again.vertices_m[0] * 1000,
                                   pred['pred_vertices'], atol=2e-3,
                                   rtol=1e-4)
        # its own 2D: the crop-px projection in the virtual camera
        camera = pred['pred_joints_3d'].double()
        uv = camera[:, :2] / camera[:, 2:] * 2500.0 + 63.5
        torch.testing.assert_close(pred['pred_keypoints_2d'], uv.float(),
                                   atol=1e-3, rtol=0)


def test_losses_and_their_masks(head):
    K_v = virtual_crop_intrinsics(CROP, 2500.0, 128)
    samples = [_sample(K_v, seed=0), _sample(K_v, seed=1)]
    losses = head.loss(_tokens(), samples)
    assert set(losses) == {'loss_keypoints_3d', 'loss_keypoints_2d',
                           'loss_global_orient', 'loss_hand_pose',
                           'loss_betas'}
    assert all(value.item() > 0 for value in losses.values())
    # the 3D loss, by hand: metres, wrist-relative, summed, x 0.05
    out = head(_tokens())
    pred = out['joints_m'] - out['joints_m'][:, :1]
    gt = torch.stack([s.gt_joints_3d for s in samples]) / 1000
    gt = gt - gt[:, :1]
    assert losses['loss_keypoints_3d'].item() == pytest.approx(
        0.05 * (pred - gt).abs().sum().item(), rel=1e-5)
    # MANO terms from rotation matrices of the axis-angle ground truth
    gt_rot = axis_angle_to_matrix(
        torch.stack([s.gt_mano_pose for s in samples]).reshape(2, 16, 3))
    assert losses['loss_global_orient'].item() == pytest.approx(
        0.001 * (out['rotmats'][:, 0] - gt_rot[:, 0]).square().sum().item(),
        rel=1e-5)
    for sample in samples:
        sample.gt_joints_valid = torch.zeros(21)
        sample.gt_keypoints_2d_valid = torch.zeros(21)
        sample.gt_mano_valid = torch.tensor(0.0)
    masked = head.loss(_tokens(), samples)
    assert all(value.item() == 0 for value in masked.values())


def test_crop_frame_targets_are_turned_into_each_crop(hand_dir):
    """pose_frame='crop': 3D joints and global orientation are compared in
    the frame of crop_frame_rotation (checked by hand here: the crop of a
    principal point shifted along x looks along a ray in the x-z plane)."""
    head = MODELS.build(small_head_cfg(hand_dir, pose_frame='crop')).eval()
    # the crop centre (63.5, 63.5) is 100 px right of the principal point
    # of a 100-px focal camera: its ray is 45 deg off the axis, about y
    crop_K = np.array([[100.0, 0, -36.5], [0, 100.0, 63.5], [0, 0, 1]])
    half = np.sqrt(0.5)
    rotation = np.array([[half, 0, half], [0, 1, 0], [-half, 0, half]])
    samples = [_sample(crop_K, seed=0), _sample(crop_K, seed=1)]
    losses = head.loss(_tokens(), samples)
    out = head(_tokens())
    pred = out['joints_m'] - out['joints_m'][:, :1]
    gt = torch.stack([s.gt_joints_3d for s in samples]).double() / 1000
    gt = (gt - gt[:, :1]) @ torch.tensor(rotation)  # R^T X as rows
    assert losses['loss_keypoints_3d'].item() == pytest.approx(
        0.05 * (pred.double() - gt).abs().sum().item(), rel=1e-5)
    gt_rot = axis_angle_to_matrix(torch.stack(
        [s.gt_mano_pose for s in samples]).double().reshape(2, 16, 3))
    turned = torch.tensor(rotation).T @ gt_rot[:, 0]
    assert losses['loss_global_orient'].item() == pytest.approx(
        0.001 * (out['rotmats'][:, 0].double() - turned).square().sum()
        .item(), rel=1e-5)
    camera_frame = MODELS.build(small_head_cfg(hand_dir)).eval()
    camera_frame.load_state_dict(head.state_dict())
    plain = camera_frame.loss(_tokens(), samples)
    assert plain['loss_keypoints_2d'] == losses['loss_keypoints_2d']
    assert plain['loss_hand_pose'] == losses['loss_hand_pose']
    assert plain['loss_keypoints_3d'] != losses['loss_keypoints_3d']
    with pytest.raises(ConfigError, match='pose_frame'):
        MODELS.build(small_head_cfg(hand_dir, pose_frame='world'))


def test_samples_without_mano_fields_and_disabled_terms(hand_dir):
    head = MODELS.build(small_head_cfg(hand_dir, loss_keypoints_3d=None,
                                       loss_mano=None))
    sample = _sample(virtual_crop_intrinsics(CROP, 2500.0, 128))
    del sample.gt_mano_pose
    assert set(head.loss(_tokens(1), [sample])) == {'loss_keypoints_2d'}
    full = MODELS.build(small_head_cfg(hand_dir))
    losses = full.loss(_tokens(1), [sample])
    assert losses['loss_hand_pose'].item() == 0  # no MANO: invalid


def test_left_hands_and_left_models_are_refused(head, hand_dir):
    sample = _sample(virtual_crop_intrinsics(CROP, 2500.0, 128),
                     hand_side='left')
    with pytest.raises(ConfigError, match='RandomFlip'):
        head.predict(_tokens(1), [sample])
    with pytest.raises(ConfigError, match='right MANO'):
        MODELS.build(small_head_cfg(hand_dir, hand_model=dict(
            type='MANOHand', model_path=str(hand_dir), side='left')))
