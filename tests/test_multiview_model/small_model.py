"""A small multi-view estimator (tiny Hiera) and packed batches for it."""
import numpy as np
import torch

from egohands.geometry.rotation import axis_angle_to_matrix
from egohands.registry import MODELS
from egohands.structures import HandDataSample

CROP = 32
VIEWS = 2

SMALL_HIERA = dict(type='TimmBackbone', model_name='hiera_tiny_224',
                   img_size=(CROP, CROP), embed_dim=16, num_heads=1,
                   stages=(1, 1, 1, 1), out_indices=(2, ))


def small_estimator(hand_dir, views=VIEWS, backbone=SMALL_HIERA):
    torch.manual_seed(0)
    return MODELS.build(dict(
        type='MultiViewHandEstimator', num_views=views, crop_size=CROP,
        data_preprocessor=dict(type='MultiViewDataPreprocessor',
                               mean=[127.5] * 3, std=[64.0] * 3),
        backbone=backbone,
        uv_regressor=dict(type='UVRegressor', hidden_channels=8),
        lifter=dict(type='FeatureLifter', invariant_points=2,
                    variant_points=2, hidden_channels=16),
        fusion=dict(type='ConcatViewFusion', out_channels=12),
        head=dict(type='MultiViewMANOHead', hidden_dims=(32, ),
                  hand_model=dict(model_path=hand_dir))))


def _pose(rng, scale):
    transform = np.eye(4)
    transform[:3, :3] = np.asarray(axis_angle_to_matrix(
        rng.normal(0, 0.3, 3)))
    transform[:3, 3] = rng.normal(0, scale, 3)
    return transform


def packed_batch(batch=3, views=VIEWS, seed=0, masks=None):
    """{'inputs': [(N, 3, S, S) uint8], 'data_samples': [...]} with random
    images, cameras and targets; ``masks`` (B, N) defaults to all ones but
    the second sample's last view."""
    rng = np.random.default_rng(seed)
    if masks is None:
        masks = np.ones((batch, views), np.float32)
        masks[1, -1] = 0
    inputs, samples = [], []
    for index in range(batch):
        inputs.append(torch.from_numpy(rng.integers(
            0, 255, (views, 3, CROP, CROP), np.uint8)))
        focal = rng.uniform(40, 80, views)
        crop_K = np.tile(np.eye(3), (views, 1, 1))
        crop_K[:, 0, 0] = crop_K[:, 1, 1] = focal
        crop_K[:, :2, 2] = (CROP - 1) / 2
        sample = HandDataSample()
        sample.set_metainfo(dict(
            view_mask=masks[index], crop_K=crop_K.astype(np.float32),
            T_ref_from_crop=np.stack([_pose(rng, 0.05) for _ in range(views)
                                      ]).astype(np.float32),
            T_world_from_ref=(_pose(rng, 300.0)).astype(np.float32),
            hand_side=('left', 'right')[index % 2],
            input_size=(CROP, CROP), img_id=index))
        joints = rng.normal([0, 0, 300.0], 30, (21, 3))
        sample.gt_joints_3d = torch.tensor(joints, dtype=torch.float32)
        sample.gt_joints_valid = torch.ones(21)
        sample.gt_view_keypoints_2d = torch.tensor(
            rng.uniform(0, CROP - 1, (views, 21, 2)), dtype=torch.float32)
        sample.gt_view_keypoints_2d_valid = torch.ones(views, 21)
        sample.gt_view_joints_3d = torch.tensor(
            rng.normal([0, 0, 300.0], 30, (views, 21, 3)),
            dtype=torch.float32)
        sample.gt_mano_betas = torch.tensor(rng.normal(0, 1, 10),
                                            dtype=torch.float32)
        sample.gt_mano_valid = torch.tensor(1.0)
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)
