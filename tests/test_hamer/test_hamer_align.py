"""HaMeR-align: a rigid re-placement that leaves PA-MPJPE unchanged and
removes a wrong global pose; MANO parameters follow the moved mesh."""
import numpy as np
import pytest
import torch

from egohands.evaluation.functional import keypoint_mpjpe
from egohands.geometry.camera import project_points
from egohands.geometry.rotation import (axis_angle_to_matrix,
                                        matrix_to_axis_angle)
from egohands.hand_models import MANOHand, sample_hand_pose
from egohands.postprocess.hamer_align import (HaMeRAlign,
                                              align_rigid_to_keypoints)
from egohands.registry import POSTPROCESSORS
from egohands.structures import HandDataSample
from egohands.utils.errors import ConfigError

#: a wide, off-centre camera with fx != fy (EgoSynth-like)
K = np.array([[300.0, 0.0, 331.0], [0.0, 312.0, 247.0], [0.0, 0.0, 1.0]])


@pytest.fixture(scope='module')
def mano(hand_dir):
    return MANOHand(str(hand_dir)).double()


def _hands(mano, num, seed):
    """Ground-truth hands (MANO params, joints mm, vertices mm) in front
    of the camera."""
    rng = np.random.default_rng(seed)
    pose = torch.tensor(sample_hand_pose(rng, num, 'grasp'))
    orient = torch.tensor(rng.normal(0, 1.0, (num, 3)))
    betas = torch.tensor(rng.normal(0, 1, (num, 10)))
    transl = torch.tensor(np.stack([rng.uniform(-0.15, 0.15, num),
                                    rng.uniform(-0.1, 0.1, num),
                                    rng.uniform(0.3, 0.6, num)], -1))
    out = mano(pose, betas, orient, transl)
    return dict(pose=pose, orient=orient, betas=betas, transl=transl,
                joints=out.joints_m * 1000, vertices=out.vertices_m * 1000)


def _perturbed_predictions(mano, gt, seed, pose_noise=0.0, dtype=None):
    """Same articulation (plus optional noise), wrong rotation about the
    wrist and wrong translation; its own 2D = the true projection."""
    rng = np.random.default_rng(seed)
    num = len(gt['pose'])
    pose = gt['pose'] + pose_noise * torch.tensor(rng.normal(size=(num, 45)))
    error_rot = axis_angle_to_matrix(torch.tensor(
        rng.normal(0, 0.25, (num, 3))))
    orient = matrix_to_axis_angle(error_rot @ axis_angle_to_matrix(
        gt['orient']))
    transl = gt['transl'] + torch.tensor(rng.normal(0, 0.04, (num, 3)))
    out = mano(pose, gt['betas'], orient, transl)
    samples = []
    for i in range(num):
        sample = HandDataSample()
        sample.set_metainfo(dict(K=K.astype(np.float32),
                                 img_path=f'{i}.png'))
        joints, vertices = out.joints_m[i] * 1000, out.vertices_m[i] * 1000
        sample.pred_joints_3d = joints.to(dtype) if dtype else joints
        sample.pred_vertices = vertices.to(dtype) if dtype else vertices
        sample.pred_joints_absolute = True
        sample.pred_keypoints_2d = project_points(gt['joints'][i],
                                                  torch.tensor(K)).float()
        sample.pred_mano = dict(global_orient=orient[i].float(),
                                hand_pose=pose[i].float(),
                                betas=gt['betas'][i].float(),
                                transl=transl[i].float())
        samples.append(sample)
    return samples


def _errors(samples, gt_joints):
    pred = np.stack([s.pred_joints_3d.double().numpy() for s in samples])
    gt = gt_joints.numpy()
    valid = np.ones(gt.shape[:2], bool)
    return (keypoint_mpjpe(pred, gt, valid, 'none'),
            keypoint_mpjpe(pred, gt, valid, 'procrustes'))


def test_wrong_global_pose_is_removed_and_pa_mpjpe_kept(mano):
    gt = _hands(mano, 6, seed=0)
    samples = _perturbed_predictions(mano, gt, seed=1, pose_noise=0.1,
                                     dtype=torch.float64)
    abs_before, pa_before = _errors(samples, gt['joints'])
    aligned = POSTPROCESSORS.build(dict(type='HaMeRAlign'))(samples)
    abs_after, pa_after = _errors(aligned, gt['joints'])
    assert abs_before > 30.0 and abs_after < 0.5 * abs_before
    assert pa_after == pytest.approx(pa_before, abs=1e-6)
    # exact articulation: the pose is recovered entirely
    exact = _perturbed_predictions(mano, gt, seed=2, dtype=torch.float64)
    abs_exact, _ = _errors(HaMeRAlign()(exact), gt['joints'])
    assert abs_exact < 1e-3


def test_float32_predictions_keep_their_dtype(mano):
    gt = _hands(mano, 3, seed=3)
    samples = _perturbed_predictions(mano, gt, seed=4, pose_noise=0.1,
                                     dtype=torch.float32)
    _, pa_before = _errors(samples, gt['joints'])
    aligned = HaMeRAlign()(samples)
    assert aligned[0].pred_joints_3d.dtype == torch.float32
    _, pa_after = _errors(aligned, gt['joints'])
    assert pa_after == pytest.approx(pa_before, abs=1e-4)  # float32 ulp


def test_mano_parameters_follow_the_moved_mesh(mano):
    gt = _hands(mano, 3, seed=5)
    samples = HaMeRAlign()(_perturbed_predictions(mano, gt, seed=6,
                                                  pose_noise=0.05))
    for sample in samples:
        params = {k: v.double()[None] for k, v in sample.pred_mano.items()}
        out = mano(params['hand_pose'], params['betas'],
                   params['global_orient'], params['transl'])
        torch.testing.assert_close(out.vertices_m[0] * 1000,
                                   sample.pred_vertices.double(),
                                   atol=1e-3, rtol=0)
        torch.testing.assert_close(out.joints_m[0] * 1000,
                                   sample.pred_joints_3d.double(),
                                   atol=1e-3, rtol=0)


def test_solver_against_scipy_on_noisy_keypoints():
    from scipy.optimize import least_squares
    from scipy.spatial.transform import Rotation
    rng = np.random.default_rng(7)
    joints = rng.normal(0, 40, (21, 3)) + [30, -20, 450]
    target = project_points(joints, K) + rng.normal(0, 3, (21, 2))
    start = (joints - joints.mean(0)) @ Rotation.from_rotvec(
        [0.2, -0.1, 0.3]).as_matrix().T + joints.mean(0) + [20, 10, -40]

    def residual(x):
        moved = (start - start.mean(0)) @ Rotation.from_rotvec(
            x[:3]).as_matrix().T + start.mean(0) + x[3:]
        return (project_points(moved, K) - target).ravel()

    best = least_squares(residual, np.zeros(6), xtol=1e-14, ftol=1e-14)
    rotation, translation = align_rigid_to_keypoints(
        torch.tensor(start)[None], torch.tensor(target)[None],
        torch.tensor(K)[None])
    ours = start @ rotation[0].numpy().T + translation[0].numpy()
    assert np.abs(residual(best.x)).sum() == pytest.approx(
        np.abs(project_points(ours, K) - target).sum(), rel=1e-6)
    np.testing.assert_allclose(
        ours, (start - start.mean(0)) @ Rotation.from_rotvec(
            best.x[:3]).as_matrix().T + start.mean(0) + best.x[3:],
        atol=1e-4)


def test_translation_only_keeps_the_rotation(mano):
    gt = _hands(mano, 2, seed=8)
    samples = _perturbed_predictions(mano, gt, seed=9, dtype=torch.float64)
    before = [s.pred_joints_3d.clone() for s in samples]
    after = HaMeRAlign(optimize_rotation=False)(samples)
    for old, sample in zip(before, after):
        shift = sample.pred_joints_3d - old
        torch.testing.assert_close(shift, shift[:1].expand_as(shift))


def test_user_mistakes_name_the_fix():
    sample = HandDataSample()
    sample.set_metainfo(dict(img_path='a.png'))
    sample.pred_joints_3d = torch.zeros(21, 3)
    sample.pred_keypoints_2d = torch.zeros(21, 2)
    sample.pred_joints_absolute = True
    with pytest.raises(ConfigError, match="'K'"):
        HaMeRAlign()([sample])
    sample.set_metainfo(dict(K=K))
    sample.pred_joints_absolute = False
    with pytest.raises(ConfigError, match='wrist-relative'):
        HaMeRAlign()([sample])
    del sample.pred_keypoints_2d
    with pytest.raises(ConfigError, match='pred_keypoints_2d'):
        HaMeRAlign()([sample])
    with pytest.raises(ConfigError, match='num_iters'):
        HaMeRAlign(num_iters=0)
