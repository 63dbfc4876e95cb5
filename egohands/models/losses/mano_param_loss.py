"""``MANOParamLoss``: squared error on MANO rotation matrices and betas.

HaMeR supervises its MANO output directly where ground-truth parameters
exist: the MSE between predicted and ground-truth rotation matrices (global
orientation and the 15 hand joints, 9 numbers each) and between the shape
coefficients, each summed over elements and batch and masked per sample.
Rotation matrices avoid the wrap-around of axis-angle differences.
"""
from typing import Dict

import torch
from torch import nn

from egohands.registry import MODELS


@MODELS.register_module()
class MANOParamLoss(nn.Module):
    """Masked summed squared errors of MANO parameters.

    Args:
        global_orient_weight: weight of the global rotation term (HaMeR
            0.001).
        hand_pose_weight: weight of the 15 joint rotations (HaMeR 0.001).
        betas_weight: weight of the shape coefficients (HaMeR 0.0005).
    """

    def __init__(self, global_orient_weight: float = 0.001,
                 hand_pose_weight: float = 0.001,
                 betas_weight: float = 0.0005) -> None:
        super().__init__()
        self.global_orient_weight = global_orient_weight
        self.hand_pose_weight = hand_pose_weight
        self.betas_weight = betas_weight

    def forward(self, pred_rotmats: torch.Tensor, pred_betas: torch.Tensor,
                gt_rotmats: torch.Tensor, gt_betas: torch.Tensor,
                valid: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Args:
            pred_rotmats, gt_rotmats: (B, 16, 3, 3), global orientation
                first, then the 15 hand joints (MANO order).
            pred_betas, gt_betas: (B, 10).
            valid: (B,) 1 where the sample has ground-truth MANO.

        Returns:
            ``loss_global_orient``, ``loss_hand_pose``, ``loss_betas``.
        """
        valid = valid.to(pred_rotmats.dtype)
        squared = (pred_rotmats - gt_rotmats).square().flatten(2).sum(-1)
        per_sample_betas = (pred_betas - gt_betas).square().sum(-1)
        return dict(
            loss_global_orient=self.global_orient_weight *
            (valid * squared[:, 0]).sum(),
            loss_hand_pose=self.hand_pose_weight *
            (valid * squared[:, 1:].sum(-1)).sum(),
            loss_betas=self.betas_weight * (valid * per_sample_betas).sum())
