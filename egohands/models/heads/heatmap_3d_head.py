"""``Heatmap3DHandHead``: POTTER's 3D-heatmap hand head (EgoExo4D baseline).

The baseline's ``PoolAttnHR_Pose_3D`` (docs/potter.md): the high-resolution
feature map is lifted to one (D, H, W) volume per joint, refined by 1x1x1
3D convolutions, and summarised by its three marginals (sums of the volume
over two of its axes). The concatenated marginals of each joint go through a
small MLP, shared by the joints, to that joint's 3 coordinates in the
codec's z-scored wrist-relative space:

* ``expand``: conv 1x1 C -> 256 + GELU; ``expand_norm``: GroupNorm(1, 256);
* ``volume_proj``: conv 1x1 256 -> K * D, read as (B, K, D, H, W);
* ``volume_refine``: Conv3d(K, K, 1), GELU, GroupNorm(K, K), Conv3d(K, K, 1);
* marginals: over (D, H) -> (B, K, W) ("x"), over (D, W) -> (B, K, H)
  ("y"), over (H, W) -> (B, K, D) ("z"), concatenated in that order;
* ``joint_regressor``: Linear(W + H + D, 512), ReLU, GroupNorm(K, K),
  Linear(512, 3).

Official parameter names map as ``up_sample.0 -> expand.0``, ``norm1 ->
expand_norm``, ``final_layer -> volume_proj``, ``pose_layer ->
volume_refine``, ``pose_3d_head -> joint_regressor``
(:mod:`egohands.checkpoint_converters.potter`).
"""
from typing import Dict, List, Optional, Sequence

import torch
from torch import nn

from egohands.codecs.base import BaseJointCodec
from egohands.datasets.metainfo import NUM_JOINTS
from egohands.models.heads.base_head import (BaseHandHead, Features,
                                             stack_field)
from egohands.registry import MODELS
from egohands.structures import HandDataSample
from egohands.utils.errors import ConfigError


def volume_marginals(volume: torch.Tensor) -> torch.Tensor:
    """(B, K, D, H, W) -> (B, K, W + H + D): the sums over (D, H), (D, W)
    and (H, W), concatenated (POTTER's ``hm_x``, ``hm_y``, ``hm_z``)."""
    return torch.cat([volume.sum(dim=(2, 3)), volume.sum(dim=(2, 4)),
                      volume.sum(dim=(3, 4))], dim=2)


@MODELS.register_module()
class Heatmap3DHandHead(BaseHandHead):
    """Per-joint 3D volumes -> marginals -> (K, 3) in codec space.

    Args:
        in_channels: C, channels of the feature map read (POTTER: 64);
            left out, the estimator takes the backbone's.
        codec: config of the codec owning the target space
            (``RootRelativeJointCodec``).
        num_joints: K.
        hidden_channels: width after ``expand`` (POTTER: 256).
        depth_dim: D, depth bins of each joint volume (POTTER: 56).
        heatmap_size: (H, W) of the feature map read, px of the feature grid
            (POTTER: 56 x 56 for a 224 x 224 input); fixes the width of
            the regressor's first layer.
        regressor_channels: hidden width of the joint regressor (512).
        in_index: which backbone output is read (``POTTERBackbone``: 0, the
            high-resolution stream).
        loss: config of the loss on (pred, target, weight) in codec space;
            default ``JointMSELoss`` (the baseline's masked MSE).
        init_cfg: mmengine init config.

    ``forward`` returns ``{'joints': (B, K, 3)}`` in codec units;
    ``predict`` decodes them to wrist-relative joints in mm, camera frame of
    the input (``pred_joints_absolute=False``).
    """

    in_index = 0

    def __init__(self,
                 in_channels: int,
                 codec: dict,
                 num_joints: int = NUM_JOINTS,
                 hidden_channels: int = 256,
                 depth_dim: int = 56,
                 heatmap_size: Sequence[int] = (56, 56),
                 regressor_channels: int = 512,
                 in_index: int = in_index,
                 loss: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.num_joints = num_joints
        self.depth_dim = depth_dim
        self.heatmap_size = tuple(int(v) for v in heatmap_size)
        if len(self.heatmap_size) != 2:
            raise ConfigError('Heatmap3DHandHead: heatmap_size must be (H, W),'
                              f' got {heatmap_size!r}')
        self.in_index = in_index
        k = num_joints
        self.expand = nn.Sequential(nn.Conv2d(in_channels, hidden_channels,
                                              1), nn.GELU())
        self.expand_norm = nn.GroupNorm(1, hidden_channels)
        self.volume_proj = nn.Conv2d(hidden_channels, k * depth_dim, 1)
        self.volume_refine = nn.Sequential(nn.Conv3d(k, k, 1), nn.GELU(),
                                           nn.GroupNorm(k, k),
                                           nn.Conv3d(k, k, 1))
        marginal_length = sum(self.heatmap_size) + depth_dim
        self.joint_regressor = nn.Sequential(
            nn.Linear(marginal_length, regressor_channels), nn.ReLU(),
            nn.GroupNorm(k, k), nn.Linear(regressor_channels, 3))
        self.codec: BaseJointCodec = MODELS.build(codec)
        self.loss_module = MODELS.build(loss or dict(type='JointMSELoss'))

    def joint_volumes(self, feature: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) feature -> refined joint volumes (B, K, D, H, W)."""
        batch, _, height, width = feature.shape
        if (height, width) != self.heatmap_size:
            raise ConfigError(
                f'Heatmap3DHandHead: the feature map is {height}x{width} but '
                f'heatmap_size is {self.heatmap_size[0]}x'
                f'{self.heatmap_size[1]}; set heatmap_size to the input size '
                '/ 4 (POTTERBackbone)')
        lifted = self.volume_proj(self.expand_norm(self.expand(feature)))
        return self.volume_refine(
            lifted.view(batch, self.num_joints, self.depth_dim, height,
                        width))

    def forward(self, feats: Features) -> Dict[str, torch.Tensor]:
        """Backbone outputs -> ``{'joints': (B, K, 3)}`` in codec units."""
        volumes = self.joint_volumes(feats[self.in_index])
        return dict(joints=self.joint_regressor(volume_marginals(volumes)))

    def loss(self, feats: Features, data_samples: List[HandDataSample],
             train_cfg: Optional[dict] = None) -> Dict[str, torch.Tensor]:
        """``loss_joints`` between outputs and codec-encoded ground truth,
        masked by joint (and wrist) validity."""
        pred = self.forward(feats)['joints']
        encoded = self.codec.encode(
            stack_field(data_samples, 'gt_joints_3d', pred.device),
            stack_field(data_samples, 'gt_joints_valid', pred.device))
        return dict(loss_joints=self.loss_module(
            pred, encoded['targets'], encoded['target_weights']))

    def predict(self, feats: Features, data_samples: List[HandDataSample],
                test_cfg: Optional[dict] = None) -> List[Dict]:
        """Wrist-relative joints (K, 3) in mm, input camera frame."""
        joints = self.codec.decode(self.forward(feats)['joints'])
        return [dict(pred_joints_3d=hand, pred_joints_absolute=False)
                for hand in joints]
