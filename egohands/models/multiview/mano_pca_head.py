"""``MultiViewMANOHead``: MANO parameters from the fused multi-view features.

The challenge's hand parametrisation (hand_tracking_toolkit): 15 MANO PCA
pose coefficients with ``flat_hand_mean=False`` (zero coefficients = MANO's
mean pose), 10 betas, and the wrist transform ``wrist_xform`` = global
orientation (axis-angle) + ``transl`` (metres), on the left or right MANO.

* **Shape, pose, orientation** come from the fused translation-invariant
  map (flattened, with the hand side as a one-hot) through an MLP; the
  orientation as a 6D rotation (``rot6d_columns``) in the reference frame.
* **Position** comes from the translation-variant points of every view
  (already in the reference frame): a softmax over them, with logits read
  from the invariant map, gives their convex combination, the wrist joint.
  Moving the whole rig by a rigid transform moves every point and so the
  position with it: the split FTL makes the position equivariant by
  construction. ``transl = wrist - J0(betas)`` (MANO rotates about its
  root joint ``J0``).

Outputs in the reference camera frame, metres.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from torch import nn

from egohands.geometry.rotation import (matrix_to_axis_angle,
                                        rot6d_columns_to_matrix)
from egohands.models.heads.base_head import stack_field
from egohands.models.multiview.feature_transform import feature_points
from egohands.registry import MODELS
from egohands.structures import HandDataSample
from egohands.utils.errors import ConfigError

IDENTITY_6D = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
NUM_BETAS = 10
SIDES = ('left', 'right')


def side_indices(data_samples: Sequence[HandDataSample],
                 device: torch.device) -> torch.Tensor:
    """(B,) int64: 0 for left hands, 1 for right hands."""
    return torch.tensor([SIDES.index(s.hand_side) for s in data_samples],
                        dtype=torch.int64, device=device)


@MODELS.register_module()
class MultiViewMANOHead(nn.Module):
    """Args:
        in_channels: channels of the fused invariant map.
        feat_size: (h, w) of that map.
        num_views: N slots.
        variant_points: Q points per location and view.
        hand_model: ``MANOHand`` config without ``side`` (both sides are
            built with ``use_pca=True``, ``flat_hand_mean=False``).
        num_pca_comps: pose PCA coefficients (the challenge: 15).
        hidden_dims: widths of the parameter MLP.
        loss_joints, loss_joints_relative, loss_betas: ``MPJPELoss``-like
            configs (absolute and wrist-relative joints in metres; betas),
            or None.
    """

    def __init__(self, in_channels: int, feat_size: Tuple[int, int],
                 num_views: int, variant_points: int,
                 hand_model: Optional[dict] = None,
                 num_pca_comps: int = 15,
                 hidden_dims: Sequence[int] = (256, ),
                 loss_joints: Optional[dict] = dict(type='MPJPELoss'),
                 loss_joints_relative: Optional[dict] = dict(
                     type='MPJPELoss'),
                 loss_betas: Optional[dict] = dict(type='MPJPELoss',
                                                   loss_weight=0.01)
                 ) -> None:
        super().__init__()
        hand_model = dict(hand_model or dict(model_path='data/mano'))
        hand_model.setdefault('type', 'MANOHand')
        for key in ('side', 'use_pca', 'flat_hand_mean', 'num_pca_comps'):
            if key in hand_model:
                raise ConfigError(f'MultiViewMANOHead.hand_model: drop '
                                  f"'{key}' (the head sets the toolkit's "
                                  'conventions itself)')
        self.hand_models = nn.ModuleList([
            MODELS.build(dict(hand_model, side=side, use_pca=True,
                              flat_hand_mean=False,
                              num_pca_comps=num_pca_comps))
            for side in SIDES
        ])
        self.num_pca_comps = num_pca_comps
        self.num_views = num_views
        self.variant_points = variant_points
        flat = in_channels * feat_size[0] * feat_size[1] + len(SIDES)
        layers: List[nn.Module] = []
        for width in hidden_dims:
            layers += [nn.Linear(flat, width), nn.GELU()]
            flat = width
        self.mlp = nn.Sequential(*layers)
        self.params = nn.Linear(flat, num_pca_comps + NUM_BETAS + 6)
        nn.init.zeros_(self.params.weight)
        nn.init.zeros_(self.params.bias)
        self.register_buffer('init_rot6d', torch.tensor(IDENTITY_6D),
                             persistent=False)
        self.point_logits = nn.Conv2d(in_channels,
                                      num_views * variant_points, 1)
        self.losses = nn.ModuleDict({
            name: MODELS.build(cfg) for name, cfg in (
                ('joints', loss_joints),
                ('joints_relative', loss_joints_relative),
                ('betas', loss_betas)) if cfg is not None})

    # ------------------------------------------------------------ forward
    def position(self, invariant: torch.Tensor, variant: torch.Tensor,
                 view_mask: torch.Tensor) -> torch.Tensor:
        """(B, 3) convex combination of the present views' variant points.

        invariant (B, C, h, w); variant (B, N, 3Q, h, w); view_mask (B, N).
        """
        batch, views = variant.shape[:2]
        points = feature_points(variant.flatten(0, 1)).reshape(
            batch, views, -1, 3)
        logits = self.point_logits(invariant).reshape(batch, views, -1)
        absent = (view_mask <= 0)[:, :, None].expand_as(logits)
        logits = logits.masked_fill(absent, float('-inf'))
        weights = torch.softmax(logits.flatten(1), dim=1).reshape(
            batch, views, -1, 1)
        weights = torch.nan_to_num(weights)  # a sample with no view at all
        return (weights * points).sum(dim=(1, 2))

    def forward(self, invariant: torch.Tensor, variant: torch.Tensor,
                view_mask: torch.Tensor,
                sides: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Args: invariant (B, C, h, w) fused; variant (B, N, 3Q, h, w)
        per view, reference frame, metres; view_mask (B, N); sides (B,)
        0 left / 1 right.

        Returns ``hand_pose`` (B, 15) PCA, ``betas`` (B, 10),
        ``global_orient`` (B, 3) axis-angle and ``transl`` (B, 3) metres
        (the toolkit's ``wrist_xform``), ``joints`` (B, 21, 3) metres,
        ``vertices`` (B, 778, 3) metres, reference frame.
        """
        one_hot = nn.functional.one_hot(sides, len(SIDES)).to(
            invariant.dtype)
        hidden = self.mlp(torch.cat([invariant.flatten(1), one_hot], 1))
        params = self.params(hidden)
        pose = params[:, :self.num_pca_comps]
        betas = params[:, self.num_pca_comps:self.num_pca_comps + NUM_BETAS]
        rotation = rot6d_columns_to_matrix(params[:, -6:] + self.init_rot6d)
        wrist = self.position(invariant, variant, view_mask)
        joints = invariant.new_zeros(len(sides), 21, 3)
        vertices = invariant.new_zeros(len(sides), 778, 3)
        root = invariant.new_zeros(len(sides), 3)
        for side, model in enumerate(self.hand_models):
            rows = torch.nonzero(sides == side).flatten()
            if rows.numel():
                out = model(pose[rows], betas[rows], rotation[rows])
                joints = joints.index_copy(0, rows, out.joints_m)
                vertices = vertices.index_copy(0, rows, out.vertices_m)
                root = root.index_copy(0, rows, out.mano_joints_m[:, 0])
        shift = (wrist - root)[:, None]
        return dict(hand_pose=pose, betas=betas,
                    global_orient=matrix_to_axis_angle(rotation),
                    transl=wrist - root, wrist=wrist,
                    joints=joints + shift, vertices=vertices + shift)

    # --------------------------------------------------------------- loss
    def loss(self, outputs: Dict[str, torch.Tensor],
             data_samples: List[HandDataSample]) -> Dict[str, torch.Tensor]:
        """Joint losses on ``gt_joints_3d`` (reference frame, mm) and the
        betas loss on ``gt_mano_betas`` where ``gt_mano_valid``."""
        device = outputs['joints'].device
        target = stack_field(data_samples, 'gt_joints_3d', device) / 1000.0
        valid = stack_field(data_samples, 'gt_joints_valid', device)
        pred = outputs['joints']
        losses = {}
        if 'joints' in self.losses:
            losses['loss_joints'] = self.losses['joints'](pred, target, valid)
        if 'joints_relative' in self.losses:
            losses['loss_joints_relative'] = self.losses['joints_relative'](
                pred - pred[:, :1], target - target[:, :1],
                valid * valid[:, :1])
        if 'betas' in self.losses:
            betas = stack_field(data_samples, 'gt_mano_betas', device)
            mano_valid = stack_field(data_samples, 'gt_mano_valid', device)
            losses['loss_betas'] = self.losses['betas'](
                outputs['betas'][:, None], betas[:, None], mano_valid[:, None])
        return losses
