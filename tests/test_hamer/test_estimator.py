"""A small HaMeR estimator end to end: left hands are mirrored in and their
predictions mirrored back, HaMeR-align runs from test_cfg, and a training
step with the adversarial prior updates the discriminator."""
import numpy as np
import torch
from mmengine.optim import OptimWrapper

from egohands.geometry.flip import (flip_axis_angle, flip_intrinsics,
                                    flip_points_3d)
from egohands.registry import MODELS, TRANSFORMS

from .conftest import small_estimator_cfg

WIDTH = HEIGHT = 256
K = np.array([[180.0, 0.0, 121.0], [0.0, 176.0, 133.0], [0.0, 0.0, 1.0]])
PIPELINE = [
    dict(type='GetSquareBBox', padding=1.0),
    dict(type='TopdownAffine', input_size=(128, 128)),
    dict(type='RandomFlip', direction='horizontal', prob=1.0,
         hand_sides=('left', )),
    dict(type='PackHandInputs'),
]


def _record(img, K, bbox, side):
    """A dataset record (architecture 3.1) without labels."""
    return dict(img=img, img_shape=img.shape[:2], img_path='x.png',
                K=K.astype(np.float32), bbox=np.float32(bbox),
                hand_side=side, keypoints_2d=np.zeros((21, 2), np.float32),
                keypoints_2d_valid=np.zeros(21, np.float32),
                joints_3d=np.zeros((21, 3), np.float32),
                joints_valid=np.zeros(21, np.float32),
                mano_pose=np.zeros(48, np.float32),
                mano_betas=np.zeros(10, np.float32),
                mano_transl=np.zeros(3, np.float32), mano_valid=0.0)


def _pack(record):
    for cfg in PIPELINE:
        record = TRANSFORMS.build(cfg)(record)
    return record


def _batch(records):
    packed = [_pack(r) for r in records]
    return dict(inputs=[p['inputs'] for p in packed],
                data_samples=[p['data_samples'] for p in packed])


def _model(hand_dir, **head):
    torch.manual_seed(0)
    return MODELS.build(small_estimator_cfg(hand_dir, **head)).eval()


def test_a_mirrored_left_hand_gives_the_mirrored_prediction(hand_dir):
    model = _model(hand_dir)
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (HEIGHT, WIDTH, 3), dtype=np.uint8)
    # box side 128 = the crop: integer shifts, exact crops both ways
    right = _record(image, K, [36.5, 56.5, 164.5, 184.5], 'right')
    left = _record(np.ascontiguousarray(image[:, ::-1]),
                   flip_intrinsics(K, 'horizontal', WIDTH, HEIGHT),
                   [WIDTH - 1 - 164.5, 56.5, WIDTH - 1 - 36.5, 184.5],
                   'left')
    with torch.no_grad():
        pred_r, pred_l = model.test_step(_batch([right, left]))
    assert pred_l.flip == 'horizontal' and pred_l.orig_hand_side == 'left'
    torch.testing.assert_close(pred_l.pred_joints_3d,
                               flip_points_3d(pred_r.pred_joints_3d,
                                              'horizontal'),
                               atol=1e-3, rtol=1e-5)
    torch.testing.assert_close(pred_l.pred_vertices,
                               flip_points_3d(pred_r.pred_vertices,
                                              'horizontal'),
                               atol=1e-3, rtol=1e-5)
    mirrored_2d = pred_r.pred_keypoints_2d.clone()
    mirrored_2d[:, 0] = WIDTH - 1 - mirrored_2d[:, 0]
    torch.testing.assert_close(pred_l.pred_keypoints_2d, mirrored_2d,
                               atol=1e-3, rtol=0)
    torch.testing.assert_close(
        pred_l.pred_mano['global_orient'],
        flip_axis_angle(pred_r.pred_mano['global_orient'], 'horizontal'),
        atol=1e-5, rtol=1e-5)


def test_hamer_align_runs_from_test_cfg(hand_dir):
    torch.manual_seed(0)
    cfg = small_estimator_cfg(hand_dir)
    cfg['test_cfg'] = dict(postprocess=[dict(type='HaMeRAlign',
                                             num_iters=10)])
    model = MODELS.build(cfg).eval()
    rng = np.random.default_rng(1)
    image = rng.integers(0, 255, (HEIGHT, WIDTH, 3), dtype=np.uint8)
    record = _record(image, K, [60, 70, 140, 150], 'right')
    with torch.no_grad():
        plain = _model(hand_dir).test_step(_batch([dict(record)]))[0]
        aligned = model.test_step(_batch([dict(record)]))[0]
    torch.testing.assert_close(aligned.pred_keypoints_2d,
                               plain.pred_keypoints_2d)

    def reprojection(sample):
        uv = sample.pred_joints_3d.double() @ torch.tensor(K).T
        uv = uv[:, :2] / uv[:, 2:]
        return (uv - sample.pred_keypoints_2d.double()).norm(dim=-1).mean()

    assert reprojection(aligned) < reprojection(plain)


def test_a_training_step_with_the_adversarial_prior(hand_dir, tmp_path):
    np.savez(tmp_path / 'mocap.npz',
             hand_pose=np.random.default_rng(0).normal(0, 0.3, (20, 48)),
             betas=np.zeros((20, 10)))
    model = _model(hand_dir, loss_adversarial=dict(
        type='MANOAdversarialLoss', mocap_file=str(tmp_path / 'mocap.npz'),
        discriminator=dict(type='HandPoseDiscriminator', hidden_dim=32)))
    model.train()
    rng = np.random.default_rng(2)
    records = []
    for side in ('right', 'left'):
        record = _record(rng.integers(0, 255, (HEIGHT, WIDTH, 3),
                                      dtype=np.uint8), K, [60, 70, 140, 150],
                         side)
        record['keypoints_2d'] = rng.uniform(60, 140, (21, 2)).astype(
            np.float32)
        record['keypoints_2d_valid'] = np.ones(21, np.float32)
        records.append(record)
    wrapper = OptimWrapper(torch.optim.AdamW(model.parameters(), lr=1e-3))
    disc = model.head.loss_adversarial.discriminator
    before = disc.pose_score.weight.detach().clone()
    head_before = model.head.decpose.weight.detach().clone()
    log = model.train_step(_batch(records), wrapper)
    assert {'loss_adv_generator', 'loss_adv_discriminator',
            'loss_keypoints_2d'} <= set(log)
    assert torch.isfinite(log['loss'])
    assert not torch.equal(disc.pose_score.weight, before)
    assert not torch.equal(model.head.decpose.weight, head_before)


def test_ground_truth_through_the_head_comes_out_exact(hand_dir):
    """The chain crop_K -> weak-perspective camera -> real camera ->
    un-mirroring -> metric is consistent: a head whose outputs are the
    ground truth (pose in the input frame, (s, tx, ty) from the exact
    inverse of the conversion) gives the ground truth back in the original
    frame, left hands included, and its wrist's own 2D is the true pixel."""
    from egohands.evaluation.metrics import HandKeypoint3DMetric
    from egohands.geometry.camera import backproject_points, project_points
    from egohands.geometry.weak_perspective import (
        translation_to_weak_perspective, virtual_crop_intrinsics)
    model = _model(hand_dir)
    head = model.head
    wide_K = np.array([[70.0, 0.0, 140.0], [0.0, 66.0, 120.0], [0, 0, 1]])
    rng = np.random.default_rng(3)
    records, truths = [], []
    for side, wrist in (('right', [180.0, -90.0, 160.0]),
                        ('left', [-150.0, 120.0, 210.0])):
        joints = np.asarray(wrist) + rng.normal(0, 25, (21, 3))
        pixels = project_points(joints, wide_K)
        record = _record(rng.integers(0, 255, (HEIGHT, WIDTH, 3),
                                      dtype=np.uint8), wide_K,
                         [*pixels.min(0), *pixels.max(0)], side)
        record.update(joints_3d=joints.astype(np.float32),
                      joints_valid=np.ones(21, np.float32),
                      keypoints_2d=pixels.astype(np.float32),
                      keypoints_2d_valid=np.ones(21, np.float32))
        records.append(record)
        truths.append((joints, pixels))
    batch = _batch(records)

    def ground_truth_forward(feats):
        samples = batch['data_samples']
        joints_m = torch.stack([s.gt_joints_3d.double() / 1000
                                for s in samples])
        wrist = joints_m[:, 0]
        virtual_K = virtual_crop_intrinsics((128, 128), 2500.0, 128)
        cams = []
        for sample, t in zip(samples, wrist.numpy()):
            crop_K = np.asarray(sample.metainfo['crop_K'], np.float64)
            depth = t[2] / np.sqrt(abs(np.linalg.det(crop_K[:2, :2])) /
                                   abs(np.linalg.det(virtual_K[:2, :2])))
            t_virtual = backproject_points(project_points(t, crop_K),
                                           depth, virtual_K)
            cams.append(translation_to_weak_perspective(t_virtual, 2500.0,
                                                        128))
        relative = joints_m - wrist[:, None]
        cam = torch.tensor(np.array(cams))
        cam_t = torch.stack([cam[:, 1], cam[:, 2],
                             2 * 2500.0 / (128 * cam[:, 0])], -1)
        return dict(rotmats=torch.eye(3).expand(2, 16, 3, 3),
                    betas=torch.zeros(2, 10), cam=cam, cam_t=cam_t,
                    joints_m=relative, vertices_m=relative,
                    keypoints_2d=None)

    head.forward = ground_truth_forward
    with torch.no_grad():
        preds = model.test_step(batch)
    assert [p.flip for p in preds] == ['none', 'horizontal']
    for pred, (joints, pixels) in zip(preds, truths):
        np.testing.assert_allclose(pred.pred_joints_3d.numpy(), joints,
                                   atol=1e-3)
        np.testing.assert_allclose(pred.pred_keypoints_2d[0].numpy(),
                                   pixels[0], atol=1e-3)
    metric = HandKeypoint3DMetric()
    metric.process(None, [p.to_dict() for p in preds])
    assert metric.compute_metrics(metric.results)['mpjpe_abs'] < 1e-3
